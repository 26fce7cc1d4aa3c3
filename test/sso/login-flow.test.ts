import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Claims, type FakeOauthServer, startFakeOauthServer } from '../support/fake-oauth-server.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { CLAIMS, FAKE_CLIENTS, TENANT_A, TENANT_B, browser, location, seededDirectory, ssoRows, startSsoApp, type SsoTestApp } from './support.js';

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const TTL_MS = 8 * 3_600_000; // SSO_SESSION_TTL_MS default
const TIMEOUT_MS = 300; // stands in for the 5 s budget

describe.each(DIALECTS)('joint-operation login on %s', (dialect) => {
  let store: TestStore;
  let fake: FakeOauthServer;
  let directory: ReturnType<typeof seededDirectory>;
  let server: SsoTestApp;

  beforeAll(async () => {
    store = await openTestStore(dialect);
    fake = await startFakeOauthServer({ clients: FAKE_CLIENTS, codeTtlMs: 60_000 });
    directory = seededDirectory(fake);
    server = startSsoApp(store, directory.reader, { timeoutMs: TIMEOUT_MS });
  });
  afterAll(async () => {
    await fake.close();
    await store.dispose();
  });
  beforeEach(() => {
    fake.reset();
    server.clock.now = Date.now();
  });
  afterEach(() => expect(fake.violations).toEqual([]));

  /** Login → the auth centre's authorize (signed in as `claims`) → the callback URL it redirects to. */
  async function toCallback(b: ReturnType<typeof browser>, tenantId: string, claims: Claims | undefined) {
    fake.signedIn = claims;
    const login = await b.get(`/sso/login/${tenantId}`);
    expect(login.status).toBe(302);
    const authorized = await b.visit(location(login));
    expect(authorized.status).toBe(302);
    return location(authorized);
  }
  const tokenCalls = () => fake.requests.filter((r) => r === 'POST /api/v1/oauth2/token').length;
  async function expectRefusal(response: Response, status: number, error: string) {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as { error: string; error_description: string };
    expect(body).toEqual({ error, error_description: expect.any(String) });
    // Clean: nothing of the auth centre's or kgkit's internals.
    expect(body.error_description).not.toMatch(/Exception|at .*\.(ts|js|java)|secret|Error:/);
    return body;
  }

  it('lets a synced user in: login → authorize → callback → /me → logout', async () => {
    const b = browser(server.app);
    fake.signedIn = CLAIMS.zhangsan;

    const login = await b.get(`/sso/login/${TENANT_A.tenantId}`);
    expect(login.status).toBe(302);
    const authorize = new URL(location(login));
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${fake.url}/api/v1/oauth2/authorize`);
    const state = authorize.searchParams.get('state')!;
    expect(Object.fromEntries(authorize.searchParams)).toEqual({
      client_id: TENANT_A.clientId,
      redirect_uri: 'http://localhost/sso/callback',
      response_type: 'code',
      scope: 'get_user_info',
      state: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(login.headers.getSetCookie()).toEqual([`kgkit_sso_state=${state}; Max-Age=600; Path=/sso/callback; HttpOnly; SameSite=Lax`]);
    expect((await ssoRows(store)).attempts).toContainEqual(expect.objectContaining({ state_hash: sha256(state), tenant_id: TENANT_A.tenantId }));

    const authorized = await b.visit(authorize.href);
    const callback = new URL(location(authorized));
    expect(callback.searchParams.get('state')).toBe(state);

    const landed = await b.get(callback.href);
    expect(landed.status).toBe(302);
    expect(location(landed)).toBe('/');
    const sessionId = b.jar.get('kgkit_sso')!;
    expect(landed.headers.getSetCookie()).toContain(`kgkit_sso=${sessionId}; Max-Age=${TTL_MS / 1000}; Path=/; HttpOnly; SameSite=Lax`);
    expect(b.jar.has('kgkit_sso_state')).toBe(false);
    // Stored by hash, with the refresh token for later; the state is used up.
    const { attempts, sessions } = await ssoRows(store);
    expect(attempts.map((a) => a.state_hash)).not.toContain(sha256(state));
    expect(sessions).toContainEqual(
      expect.objectContaining({ id_hash: sha256(sessionId), refresh_token: expect.any(String), expires_at: server.clock.now + TTL_MS }),
    );
    expect(JSON.stringify(sessions)).not.toContain(sessionId);

    const me = await b.get('/sso/me');
    expect(me.status).toBe(200);
    const { csrfToken } = (await me.clone().json()) as { csrfToken: string };
    expect(await me.json()).toEqual({
      tenantId: TENANT_A.tenantId,
      tenantName: 'huaiweitest',
      userName: 'zhangsan',
      name: '张三',
      role: 'admin', // authSync's word, not userinfo's
      orgCode: '10000',
      email: 'zhangsan@example.com',
      mobile: null,
      csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      expiresAt: new Date(server.clock.now + TTL_MS).toISOString(),
    });

    // A form of this site posts the token; the answer sends the browser on to the auth centre's logout (303).
    const logout = await b.post('/sso/logout', {
      headers: { origin: 'http://localhost', 'sec-fetch-site': 'same-origin', 'content-type': 'application/x-www-form-urlencoded' },
      body: `csrf_token=${csrfToken}`,
    });
    expect(logout.status).toBe(303);
    expect(logout.headers.get('cache-control')).toBe('no-store');
    expect(location(logout)).toBe(`${fake.url}/api/v1/logout?redirect_url=${encodeURIComponent('http://localhost/')}`);
    expect(b.jar.has('kgkit_sso')).toBe(false);
    expect((await ssoRows(store)).sessions.map((s) => s.id_hash)).not.toContain(sha256(sessionId));
    const signedOut = await b.visit(location(logout));
    expect(location(signedOut)).toBe('http://localhost/');
    expect(fake.signedIn).toBeUndefined();

    await expectRefusal(await b.get('/sso/me'), 401, 'no_session');
    // The old cookie is worth nothing either.
    b.jar.set('kgkit_sso', sessionId);
    await expectRefusal(await b.get('/sso/me'), 401, 'no_session');
    expect(fake.requests.filter((r) => r.startsWith('POST') || r.includes('userinfo'))).toEqual(['POST /api/v1/oauth2/token', 'GET /api/v1/oauth2/userinfo']);
  });

  it('lets each tenant in through its own client', async () => {
    const b = browser(server.app);
    const callback = await toCallback(b, TENANT_B.tenantId, CLAIMS.wangwu);
    expect(location(await b.get(callback))).toBe('/');
    expect(await (await b.get('/sso/me')).json()).toMatchObject({ tenantId: TENANT_B.tenantId, userName: 'wangwu', tenantName: 'othercorp' });
  });

  it('uses SSO_CALLBACK_URL and SSO_LANDING_URL, and sets Secure cookies for an https callback', async () => {
    const configured = startSsoApp(store, directory.reader, { sso: { callbackUrl: 'https://seller.example.com/sso/callback', landingUrl: '/app' } });
    const b = browser(configured.app);
    fake.signedIn = CLAIMS.zhangsan;
    const login = await b.get(`/sso/login/${TENANT_A.tenantId}`);
    expect(new URL(location(login)).searchParams.get('redirect_uri')).toBe('https://seller.example.com/sso/callback');
    expect(login.headers.getSetCookie()[0]).toMatch(/; Secure; SameSite=Lax$/);
    const callback = new URL(location(await b.visit(location(login))));
    expect(callback.origin).toBe('https://seller.example.com');

    const landed = await b.get(`${callback.pathname}${callback.search}`);
    expect(location(landed)).toBe('/app');
    expect(landed.headers.getSetCookie().find((c) => c.startsWith('kgkit_sso='))).toMatch(/; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    const logout = await b.logout('https://seller.example.com');
    expect(logout.status).toBe(303);
    expect(new URL(location(logout)).searchParams.get('redirect_url')).toBe('https://seller.example.com/app');
  });

  it('ends a session at its expiry', async () => {
    const b = browser(server.app);
    await b.get(await toCallback(b, TENANT_A.tenantId, CLAIMS.zhangsan));
    server.clock.now += TTL_MS - 1;
    expect((await b.get('/sso/me')).status).toBe(200);
    server.clock.now += 1;
    await expectRefusal(await b.get('/sso/me'), 401, 'no_session');
  });

  it('signs out, at the next /me, a user the enterprise disabled since login', async () => {
    directory.addUser({ tenantId: TENANT_A.tenantId, userName: 'zhaoliu', name: '赵六', orgCode: '10000', role: 'user', enabled: true });
    const b = browser(server.app);
    await b.get(await toCallback(b, TENANT_A.tenantId, { userName: 'zhaoliu', tenant: TENANT_A.tenantId }));
    expect((await b.get('/sso/me')).status).toBe(200);
    directory.addUser({ tenantId: TENANT_A.tenantId, userName: 'zhaoliu', name: '赵六', orgCode: '10000', role: 'user', enabled: false });
    await expectRefusal(await b.get('/sso/me'), 401, 'no_session');
    expect((await ssoRows(store)).sessions.filter((s) => s.user_name === 'zhaoliu')).toEqual([]);
  });

  it.each([
    ['a tenant never synced', 'ffffffffffffffffffffffffffffffff', 404, 'unknown_tenant'],
    ['a tenantId that is not one', 'a%20b', 400, 'invalid_request'],
    ['a tenantId of 65 characters', 'a'.repeat(65), 400, 'invalid_request'],
  ])('refuses a login for %s, storing nothing', async (_name, tenantId, status, error) => {
    const before = await ssoRows(store);
    await expectRefusal(await browser(server.app).get(`/sso/login/${tenantId}`), status, error);
    expect(await ssoRows(store)).toEqual(before);
  });

  it('refuses a login for a tenant without a bound application', async () => {
    directory.tenants.set('c0ffee', { instanceId: 'inst-c', tenantId: 'c0ffee', tenantCode: 'c', name: 'c', domainName: fake.url });
    const before = await ssoRows(store);
    await expectRefusal(await browser(server.app).get('/sso/login/c0ffee'), 404, 'tenant_not_ready');
    expect(await ssoRows(store)).toEqual(before);
  });

  describe('state', () => {
    it('is single use: replaying the callback is refused and stores nothing', async () => {
      const b = browser(server.app);
      const callback = await toCallback(b, TENANT_A.tenantId, CLAIMS.zhangsan);
      const state = b.jar.get('kgkit_sso_state')!;
      expect((await b.get(callback)).status).toBe(302);
      const after = await ssoRows(store);

      // The same browser: its state cookie is gone.
      await expectRefusal(await b.get(callback), 400, 'invalid_state');
      // Even with the state cookie put back, the state itself is used up.
      b.jar.set('kgkit_sso_state', state);
      const body = await expectRefusal(await b.get(callback), 400, 'invalid_state');
      expect(body.error_description).toMatch(/already used/);
      expect(await ssoRows(store)).toEqual(after);
      expect(tokenCalls()).toBe(1);
    });

    it('expires after 10 minutes', async () => {
      const b = browser(server.app);
      const callback = await toCallback(b, TENANT_A.tenantId, CLAIMS.zhangsan);
      const before = await ssoRows(store);
      server.clock.now += 10 * 60_000;
      const body = await expectRefusal(await b.get(callback), 400, 'invalid_state');
      expect(body.error_description).toMatch(/expired/);
      // The expired attempt is used up; no session.
      expect((await ssoRows(store)).sessions).toEqual(before.sessions);
      expect(tokenCalls()).toBe(0);
    });

    it('completes only in the browser that started the login', async () => {
      const victim = browser(server.app);
      const attacker = browser(server.app);
      const callback = await toCallback(attacker, TENANT_A.tenantId, CLAIMS.zhangsan);
      const before = await ssoRows(store);
      await expectRefusal(await victim.get(callback), 400, 'invalid_state');
      expect(await ssoRows(store)).toEqual(before);
      expect(tokenCalls()).toBe(0);
      // The attempt was not spent by the refusal: its own browser still completes it.
      expect(location(await attacker.get(callback))).toBe('/');
    });

    it('of the newest login wins in a browser that started two', async () => {
      const b = browser(server.app);
      const first = await toCallback(b, TENANT_A.tenantId, CLAIMS.zhangsan);
      const second = await toCallback(b, TENANT_A.tenantId, CLAIMS.zhangsan);
      await expectRefusal(await b.get(first), 400, 'invalid_state');
      expect(location(await b.get(second))).toBe('/');
    });
  });

  describe('code', () => {
    it('is refused once expired at the auth centre', async () => {
      const b = browser(server.app);
      const callback = await toCallback(b, TENANT_A.tenantId, CLAIMS.zhangsan);
      const before = await ssoRows(store);
      fake.clock.now += 60_001;
      await expectRefusal(await b.get(callback), 400, 'invalid_code');
      expect((await ssoRows(store)).sessions).toEqual(before.sessions);
    });

    it('is refused when already redeemed', async () => {
      const b = browser(server.app);
      const first = new URL(await toCallback(b, TENANT_A.tenantId, CLAIMS.zhangsan));
      expect(location(await b.get(first.href))).toBe('/');
      // A second login of the same browser brings back the first login's code with its own state.
      const second = new URL(await toCallback(b, TENANT_A.tenantId, CLAIMS.zhangsan));
      second.searchParams.set('code', first.searchParams.get('code')!);
      const before = await ssoRows(store);
      await expectRefusal(await b.get(second.href), 400, 'invalid_code');
      expect((await ssoRows(store)).sessions).toEqual(before.sessions);
    });
  });

  it.each([
    ['a user the enterprise never authorised', CLAIMS.stranger, 403, 'user_not_authorised'],
    ['a disabled user', CLAIMS.lisi, 403, 'user_not_authorised'],
    ['a user of another tenant', CLAIMS.wangwu, 403, 'wrong_tenant'],
    ['a known userName the auth centre puts in another tenant', CLAIMS.zhangsanOfB, 403, 'wrong_tenant'],
  ])('refuses %s', async (_name, claims, status, error) => {
    const b = browser(server.app);
    const callback = await toCallback(b, TENANT_A.tenantId, claims);
    const before = await ssoRows(store);
    await expectRefusal(await b.get(callback), status, error);
    expect((await ssoRows(store)).sessions).toEqual(before.sessions);
    expect(b.jar.has('kgkit_sso')).toBe(false);
  });

  it('refuses a sign-in the auth centre refused (error=access_denied)', async () => {
    const b = browser(server.app);
    fake.deny = true;
    const callback = await toCallback(b, TENANT_A.tenantId, CLAIMS.zhangsan);
    expect(new URL(callback).searchParams.get('error')).toBe('access_denied');
    await expectRefusal(await b.get(callback), 403, 'access_denied');
    expect(tokenCalls()).toBe(0);
  });

  it.each([
    ['the token endpoint fails (HTTP 500 with a stack trace)', { token: 'error' }, 502, 'auth_centre_error'],
    ['the token endpoint answers HTML', { token: 'notJson' }, 502, 'auth_centre_error'],
    ['the token endpoint hangs past the budget', { token: 'hang' }, 504, 'auth_centre_timeout'],
    ['the userinfo endpoint fails', { userinfo: 'error' }, 502, 'auth_centre_error'],
    ['the userinfo endpoint hangs past the budget', { userinfo: 'hang' }, 504, 'auth_centre_timeout'],
  ] as const)('answers cleanly when %s', async (_name, faults, status, error) => {
    const b = browser(server.app);
    const callback = await toCallback(b, TENANT_A.tenantId, CLAIMS.zhangsan);
    fake.faults = { ...faults };
    const before = await ssoRows(store);
    const started = performance.now();
    await expectRefusal(await b.get(callback), status, error);
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + 1_000);
    expect((await ssoRows(store)).sessions).toEqual(before.sessions);
  });

  it("answers cleanly when the tenant's client secret is wrong (invalid_client)", async () => {
    directory.tenants.set('badc1', { instanceId: 'inst-x', tenantId: 'badc1', tenantCode: 'x', name: 'x', domainName: fake.url });
    directory.applications.set('badc1', {
      instanceId: 'inst-x',
      tenantId: 'badc1',
      appId: 'app-x',
      clientId: TENANT_A.clientId,
      clientSecret: 'not-the-secret',
    });
    const b = browser(server.app);
    const body = await expectRefusal(await b.get(await toCallback(b, 'badc1', CLAIMS.zhangsan)), 502, 'auth_centre_error');
    expect(body.error_description).toMatch(/HTTP 400 invalid_client/);
  });

  it.each([
    ['no cookie', undefined],
    ['a cookie that is not a session ID', 'garbage'],
    ['a well-formed but unknown session ID', 'A'.repeat(43)],
  ])('/me answers 401 with %s', async (_name, cookie) => {
    const b = browser(server.app);
    if (cookie) b.jar.set('kgkit_sso', cookie);
    await expectRefusal(await b.get('/sso/me'), 401, 'no_session');
  });

  it('logout without a session just goes to the landing page', async () => {
    const logout = await browser(server.app).logout();
    expect(logout.status).toBe(303);
    expect(location(logout)).toBe('/');
  });
});
