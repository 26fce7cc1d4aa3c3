import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LoginService, readCallbackQuery } from '../../src/sso/login-service.js';
import { tenantAuthCentre } from '../../src/sso/oauth-client.js';
import { SqlSsoStore } from '../../src/store/sso-store.js';
import { type FakeOauthServer, startFakeOauthServer } from '../support/fake-oauth-server.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { CLAIMS, FAKE_CLIENTS, TENANT_A, seededDirectory } from './support.js';
import { TEST_DATA_KEYS } from '../support/server.js';

const REDIRECT_URI = 'https://seller.example.com/sso/callback';

describe('readCallbackQuery', () => {
  it.each([
    [
      { state: ['abc'], code: ['z2D'] },
      { state: 'abc', code: 'z2D' },
    ],
    [
      { state: ['abc'], error: ['access_denied'] },
      { state: 'abc', error: 'access_denied' },
    ],
    [
      { state: ['abc'], code: ['z2D'], tenant_id: ['t'], session_state: ['x'] },
      { state: 'abc', code: 'z2D' },
    ],
  ])('reads %o', (query, expected) => expect(readCallbackQuery(query)).toEqual({ data: expected }));
});

// The login without HTTP: the service against the store and the fake auth centre, its browser played by hand.
describe.each(DIALECTS)('login service on %s', (dialect) => {
  let store: TestStore;
  let fake: FakeOauthServer;
  let directory: ReturnType<typeof seededDirectory>;
  let clock: { now: number };
  let service: LoginService;

  beforeAll(async () => {
    store = await openTestStore(dialect);
    fake = await startFakeOauthServer({ clients: FAKE_CLIENTS, rotateRefreshTokens: true });
    directory = seededDirectory(fake);
    clock = { now: Date.now() };
    service = new LoginService({
      directory: directory.reader,
      store: new SqlSsoStore(store.db, TEST_DATA_KEYS),
      sessionTtlMs: 3_600_000,
      now: () => clock.now,
    });
  });
  afterAll(async () => {
    await fake.close();
    await store.dispose();
  });
  beforeEach(() => {
    fake.reset();
    fake.signedIn = CLAIMS.zhangsan;
  });
  afterEach(() => expect(fake.violations).toEqual([]));

  /** Starts a login and has the auth centre answer it: the state and code the callback would carry. */
  async function authorized(tenantId = TENANT_A.tenantId) {
    const started = await service.startLogin(tenantId, REDIRECT_URI);
    const back = new URL((await fetch(started.data!.location, { redirect: 'manual' })).headers.get('location')!);
    return { state: back.searchParams.get('state')!, code: back.searchParams.get('code')! };
  }

  it('opens a session for a synced user and stores only hashes', async () => {
    const { state, code } = await authorized();
    const login = await service.completeLogin({ state, code }, state);
    expect(login.data?.user).toEqual({
      tenantId: TENANT_A.tenantId,
      tenantName: 'huaiweitest',
      userName: 'zhangsan',
      name: '张三',
      role: 'admin',
      orgCode: '10000',
      email: 'zhangsan@example.com',
      mobile: null,
    });
    expect(login.data?.expiresAt).toBe(clock.now + 3_600_000);
    expect((await service.session(login.data!.sessionId)).data).toMatchObject({ userName: 'zhangsan' });
    const stored = JSON.stringify(await store.db.selectFrom('sso_sessions').selectAll().execute());
    expect(stored).not.toContain(login.data!.sessionId);
  });

  it('lets one of two racing callbacks with the same state win', async () => {
    const { state, code } = await authorized();
    const results = await Promise.all([service.completeLogin({ state, code }, state), service.completeLogin({ state, code }, state)]);
    expect(results.filter((r) => r.data).length).toBe(1);
    expect(results.find((r) => r.error)?.error?.code).toBe('invalid_state');
  });

  it('renews the access token with the kept refresh token, keeping the newest one', async () => {
    const { state, code } = await authorized();
    const { sessionId } = (await service.completeLogin({ state, code }, state)).data!;
    const keptToken = async () => (await store.db.selectFrom('sso_sessions').select('refresh_token').execute()).map((r) => r.refresh_token);
    const before = await keptToken();

    const first = await service.accessToken(sessionId);
    expect(first.data).toEqual({ accessToken: expect.any(String), expiresIn: 7_200 });
    const info = await tenantAuthCentre({ domainName: fake.url }).userInfo(first.data!.accessToken);
    expect(info.data?.userName).toBe('zhangsan');
    // The fake rotates refresh tokens: the session keeps the new one, and it works again.
    expect(await keptToken()).not.toEqual(before);
    expect((await service.accessToken(sessionId)).data).toBeDefined();

    fake.reset(); // the auth centre forgets every token
    expect((await service.accessToken(sessionId)).error?.code).toBe('refresh_refused');
    expect((await service.accessToken('A'.repeat(43))).error?.code).toBe('no_session');
  });

  it('signs out a user the enterprise removed since login', async () => {
    directory.addUser({ tenantId: TENANT_A.tenantId, userName: 'sunqi', name: '孙七', orgCode: '1', role: 'user', enabled: true });
    fake.signedIn = { userName: 'sunqi', tenant: TENANT_A.tenantId };
    const { state, code } = await authorized();
    const { sessionId } = (await service.completeLogin({ state, code }, state)).data!;
    directory.users.delete(`${TENANT_A.tenantId}/sunqi`);
    expect((await service.session(sessionId)).error?.code).toBe('no_session');
    expect(await store.db.selectFrom('sso_sessions').where('user_name', '=', 'sunqi').selectAll().execute()).toEqual([]);
  });

  it("logs out with the session's CSRF token: the session ends, and the browser goes to the auth centre's logout", async () => {
    const { state, code } = await authorized();
    const { sessionId } = (await service.completeLogin({ state, code }, state)).data!;
    const { csrfToken } = (await service.session(sessionId)).data!;
    expect(csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await service.logout(sessionId, csrfToken, 'https://seller.example.com/')).toEqual({
      data: { location: `${fake.url}/api/v1/logout?redirect_url=${encodeURIComponent('https://seller.example.com/')}` },
    });
    expect((await service.session(sessionId)).error?.code).toBe('no_session');
    expect(await service.logout(sessionId, csrfToken, 'https://seller.example.com/')).toEqual({ data: {} });
  });

  it('binds the CSRF token to its session and never stores it', async () => {
    const first = await authorized();
    const one = (await service.completeLogin(first, first.state)).data!.sessionId;
    const second = await authorized();
    const two = (await service.completeLogin(second, second.state)).data!.sessionId;
    const tokenOf = async (sessionId: string) => (await service.session(sessionId)).data!.csrfToken;
    expect(await tokenOf(one)).toBe(await tokenOf(one));
    expect(await tokenOf(one)).not.toBe(await tokenOf(two));
    const stored = JSON.stringify(await store.db.selectFrom('sso_sessions').selectAll().execute());
    expect(stored).not.toContain(await tokenOf(one));
  });

  it.each([
    ['no token', undefined],
    ['an empty token', ''],
    ['a made-up token', 'A'.repeat(43)],
    ['the token of another session', '<other>'],
    ['the token in upper case', '<upper>'],
  ])('keeps the session when logout brings %s', async (_name, token) => {
    const mine = await authorized();
    const sessionId = (await service.completeLogin(mine, mine.state)).data!.sessionId;
    const other = await authorized();
    const otherId = (await service.completeLogin(other, other.state)).data!.sessionId;
    const tokenOf = async (id: string) => (await service.session(id)).data!.csrfToken;
    const csrfToken = token === '<other>' ? await tokenOf(otherId) : token === '<upper>' ? (await tokenOf(sessionId)).toUpperCase() : token;
    expect((await service.logout(sessionId, csrfToken, 'https://seller.example.com/')).error?.code).toBe('invalid_csrf_token');
    expect((await service.session(sessionId)).data?.userName).toBe('zhangsan');
  });

  it.each([
    ['not a URL', 'example.tenantaccount.com', /not an https base URL/],
    ['plain http', 'http://auth.example.com', /plain http/],
    ['plain http on a name that starts like the loopback', 'http://127.0.0.1.nip.io', /plain http/],
    ['plain http with the loopback as user name', 'http://localhost@auth.example.com', /not an https base URL/],
    ['https with a user name', 'https://user:pw@auth.example.com', /not an https base URL/],
    ['https with a query', 'https://auth.example.com/?next=1', /not an https base URL/],
    ['ftp', 'ftp://auth.example.com', /not an https base URL/],
  ])('refuses a login through a domainName that is %s, storing nothing', async (_name, domainName, message) => {
    directory.tenants.set('baddomain', { instanceId: 'i', tenantId: 'baddomain', tenantCode: 'b', name: 'b', domainName });
    directory.applications.set('baddomain', { instanceId: 'i', tenantId: 'baddomain', appId: 'a', clientId: 'c', clientSecret: 's' });
    const before = await store.db.selectFrom('sso_login_attempts').selectAll().execute();
    const started = await service.startLogin('baddomain', REDIRECT_URI);
    expect(started.error).toEqual({ code: 'tenant_not_ready', message: expect.stringMatching(message) });
    expect(started.error?.message).not.toContain('pw');
    expect(await store.db.selectFrom('sso_login_attempts').selectAll().execute()).toEqual(before);
    expect(fake.requests).toEqual([]);
  });

  it("sends no code or secret once the tenant's domainName turned plain http after the login started", async () => {
    const { state, code } = await authorized();
    const tenant = (await directory.reader.findTenant(TENANT_A.tenantId))!;
    directory.tenants.set(TENANT_A.tenantId, { ...tenant, domainName: 'http://auth.example.com' });
    try {
      expect((await service.completeLogin({ state, code }, state)).error?.code).toBe('tenant_not_ready');
      expect(fake.requests.filter((r) => r.startsWith('POST'))).toEqual([]);
    } finally {
      directory.tenants.set(TENANT_A.tenantId, tenant);
    }
  });

  it('lets plain http through on the loopback only (the fake auth centre is on 127.0.0.1; localhost too)', async () => {
    expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:/);
    const { state, code } = await authorized();
    expect((await service.completeLogin({ state, code }, state)).data?.user.userName).toBe('zhangsan');
    const tenant = (await directory.reader.findTenant(TENANT_A.tenantId))!;
    directory.tenants.set(TENANT_A.tenantId, { ...tenant, domainName: fake.url.replace('127.0.0.1', 'localhost') });
    try {
      expect((await service.startLogin(TENANT_A.tenantId, REDIRECT_URI)).data?.location).toMatch(/^http:\/\/localhost:\d+\/api\/v1\/oauth2\/authorize\?/);
    } finally {
      directory.tenants.set(TENANT_A.tenantId, tenant);
    }
  });
});
