import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tenantAuthCentre } from '../../src/sso/oauth-client.js';
import { type FakeOauthServer, startFakeOauthServer } from '../support/fake-oauth-server.js';
import { freePort } from '../support/ports.js';
import { CLAIMS, TENANT_A } from './support.js';

const CLIENT = { clientId: TENANT_A.clientId, clientSecret: TENANT_A.clientSecret };
const REDIRECT_URI = 'https://seller.example.com/sso/callback';

describe('the tenant auth centre client', () => {
  let fake: FakeOauthServer;
  beforeAll(async () => {
    fake = await startFakeOauthServer({ clients: [{ ...CLIENT, redirectUris: [REDIRECT_URI] }] });
  });
  afterAll(async () => fake.close());
  beforeEach(() => {
    fake.reset();
    fake.signedIn = CLAIMS.zhangsan;
  });
  afterEach(() => expect(fake.violations).toEqual([]));

  const centre = (timeoutMs?: number) => tenantAuthCentre({ domainName: fake.url, ...(timeoutMs ? { timeoutMs } : {}) });
  async function code(): Promise<string> {
    const url = centre().authorizeUrl({
      client_id: CLIENT.clientId,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'get_user_info',
      state: 'abc123',
    });
    const back = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location')!);
    expect(back.searchParams.get('state')).toBe('abc123');
    return back.searchParams.get('code')!;
  }

  it('builds the browser URLs on the tenant domain, keeping a path in it', () => {
    const withPath = tenantAuthCentre({ domainName: 'https://auth.example.com/t/huawei/' });
    expect(withPath.authorizeUrl({ client_id: 'c 1', redirect_uri: REDIRECT_URI, response_type: 'code', state: 's1' })).toBe(
      `https://auth.example.com/t/huawei/api/v1/oauth2/authorize?client_id=c+1&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&response_type=code&state=s1`,
    );
    expect(withPath.logoutUrl({})).toBe('https://auth.example.com/t/huawei/api/v1/logout?');
  });

  it.each([
    'example.tenantaccount.com',
    'ftp://x',
    '',
    'https://',
    ' https://auth.example.com',
    'https://user:pw@auth.example.com',
    'https://auth.example.com/#x',
  ])('refuses the domainName %j', (domainName) => expect(() => tenantAuthCentre({ domainName })).toThrow(/domainName/));

  // kgkit's own rule, stricter than the Kit contract at Huawei's level: the client secret never goes over plain http.
  it.each(['http://auth.example.com', 'http://10.0.0.1:8080', 'http://127.0.0.1.nip.io', 'http://localhost.example.com', 'http://[::2]'])(
    'refuses the plain http domainName %j',
    (domainName) => expect(() => tenantAuthCentre({ domainName })).toThrow(/plain http/),
  );

  it.each(['http://127.0.0.1:8080', 'http://localhost:8080/t/x', 'http://[::1]:8080', 'HTTP://LOCALHOST', 'https://auth.example.com'])(
    'accepts the domainName %j (plain http on the loopback only, for test doubles)',
    (domainName) => expect(() => tenantAuthCentre({ domainName })).not.toThrow(),
  );

  it('redeems a code once, then reads the user with the access token', async () => {
    const once = await code();
    const token = await centre().redeemCode({ ...CLIENT, code: once, redirectUri: REDIRECT_URI });
    expect(token.data).toMatchObject({ token_type: 'Bearer', expires_in: 7_200, refresh_token: expect.any(String) });
    expect((await centre().userInfo(token.data!.access_token)).data).toEqual(CLAIMS.zhangsan);
    expect((await centre().redeemCode({ ...CLIENT, code: once, redirectUri: REDIRECT_URI })).error).toEqual({
      kind: 'refused',
      status: 400,
      error: 'invalid_grant',
    });
  });

  it('renews the access token with the refresh token', async () => {
    const token = await centre().redeemCode({ ...CLIENT, code: await code(), redirectUri: REDIRECT_URI });
    const renewed = await centre().refresh({ ...CLIENT, refreshToken: token.data!.refresh_token! });
    expect(renewed.data?.access_token).not.toBe(token.data!.access_token);
    expect((await centre().refresh({ ...CLIENT, refreshToken: 'unknown' })).error).toEqual({ kind: 'refused', status: 400, error: 'invalid_grant' });
  });

  it('returns refusals as data', async () => {
    expect((await centre().redeemCode({ ...CLIENT, clientSecret: 'wrong', code: 'x', redirectUri: REDIRECT_URI })).error).toEqual({
      kind: 'refused',
      status: 400,
      error: 'invalid_client',
    });
    expect((await centre().userInfo('unknown-token')).error).toEqual({ kind: 'refused', status: 401, error: 'unauthorized' });
  });

  it.each([
    ['a 500', 'error', { kind: 'failed', reason: 'HTTP 500' }],
    ['HTML with status 200', 'notJson', { kind: 'failed', reason: 'answer is not JSON' }],
    ['no answer within the budget', 'hang', { kind: 'timeout' }],
  ] as const)('returns %s as data', async (_name, fault, error) => {
    fake.faults.token = fault;
    const started = performance.now();
    expect((await centre(200).redeemCode({ ...CLIENT, code: 'x', redirectUri: REDIRECT_URI })).error).toEqual(error);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('returns an auth centre nobody listens on as data', async () => {
    const dead = tenantAuthCentre({ domainName: `http://127.0.0.1:${await freePort()}` });
    expect((await dead.userInfo('t')).error).toEqual({ kind: 'failed', reason: 'unreachable (ECONNREFUSED)' });
  });

  it.each([
    ['a token answer without access_token', '/api/v1/oauth2/token', { token_type: 'Bearer', expires_in: 1 }, /access_token/],
    ['a userinfo answer without tenant', '/api/v1/oauth2/userinfo', { userName: 'zhangsan' }, /tenant/],
    ['a userinfo answer that is a JSON string', '/api/v1/oauth2/userinfo', 'zhangsan', /userName/],
  ])('refuses %s (injected fetch)', async (_name, path, body, reason) => {
    const fetch = async (request: Request) => {
      expect(new URL(request.url).pathname).toBe(path);
      return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
    };
    const stub = tenantAuthCentre({ domainName: 'https://auth.example.com', fetch });
    const result = path.endsWith('token') ? await stub.redeemCode({ ...CLIENT, code: 'x', redirectUri: REDIRECT_URI }) : await stub.userInfo('t');
    expect(result.error).toEqual({ kind: 'failed', reason: expect.stringMatching(reason) });
  });
});
