import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeOauthServer, startFakeOauthServer } from '../support/fake-oauth-server.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { CLAIMS, FAKE_CLIENTS, TENANT_A, browser, location, seededDirectory, ssoRows, startSsoApp, type SsoTestApp } from './support.js';

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const ORIGIN = 'http://localhost';
const SAME_ORIGIN = { origin: ORIGIN, 'sec-fetch-site': 'same-origin' };
const FORM = 'application/x-www-form-urlencoded';

// Where a POST comes from, as the browser says it; each row is not this site's own page.
const CROSS_SITE: [string, Record<string, string>][] = [
  ['a page of another site (Origin)', { origin: 'https://evil.example' }],
  ['a page of another site (Sec-Fetch-Site)', { 'sec-fetch-site': 'cross-site' }],
  ['a page of another site (both)', { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }],
  ['a sibling subdomain (same-site, another origin)', { origin: 'http://app.localhost', 'sec-fetch-site': 'same-site' }],
  ['an opaque origin (sandboxed frame, data: URL)', { origin: 'null' }],
  ['this host on another scheme', { origin: 'https://localhost' }],
  ['this host on another port', { origin: 'http://localhost:8080' }],
  ['no page at all (Sec-Fetch-Site: none)', { 'sec-fetch-site': 'none' }],
  ['Fetch Metadata saying same-origin, Origin saying another', { origin: 'https://evil.example', 'sec-fetch-site': 'same-origin' }],
];

describe.each(DIALECTS)('logout on %s', (dialect) => {
  let store: TestStore;
  let fake: FakeOauthServer;
  let server: SsoTestApp;

  beforeAll(async () => {
    store = await openTestStore(dialect);
    fake = await startFakeOauthServer({ clients: FAKE_CLIENTS });
    server = startSsoApp(store, seededDirectory(fake).reader);
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

  /** A browser signed in as zhangsan, its session ID and the CSRF token /me gives it. */
  async function signedIn() {
    const b = browser(server.app);
    fake.signedIn = CLAIMS.zhangsan;
    const login = await b.get(`/sso/login/${TENANT_A.tenantId}`);
    expect(location(await b.get(location(await b.visit(location(login)))))).toBe('/');
    const sessionId = b.jar.get('kgkit_sso')!;
    const { csrfToken } = (await (await b.get('/sso/me')).json()) as { csrfToken: string };
    return { b, sessionId, csrfToken };
  }
  /** The session is still there: in the store, in the browser, and /me answers it. */
  async function expectSignedIn(b: ReturnType<typeof browser>, sessionId: string) {
    expect(b.jar.get('kgkit_sso')).toBe(sessionId);
    expect((await ssoRows(store)).sessions.map((s) => s.id_hash)).toContain(sha256(sessionId));
    expect((await b.get('/sso/me')).status).toBe(200);
  }
  async function expectRefusal(response: Response, status: number, error: string) {
    expect(response.status).toBe(status);
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({ error, error_description: expect.any(String) });
  }

  it.each(['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH'])('answers %s /logout 405 with Allow: POST, and the session stays', async (method) => {
    const { b, sessionId } = await signedIn();
    const response = await server.app.request('/sso/logout', { method, headers: { cookie: `kgkit_sso=${sessionId}`, ...SAME_ORIGIN } });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.getSetCookie()).toEqual([]);
    if (method !== 'HEAD')
      expect(await response.json()).toEqual({ error: 'method_not_allowed', error_description: expect.stringMatching(/POST \/sso\/logout/) });
    await expectSignedIn(b, sessionId);
    expect(fake.requests.filter((r) => r.includes('logout'))).toEqual([]);
  });

  it.each(CROSS_SITE)('refuses a POST from %s, even with the right token, and the session stays', async (_name, headers) => {
    const { b, sessionId, csrfToken } = await signedIn();
    await expectRefusal(await b.post('/sso/logout', { headers: { ...headers, 'x-csrf-token': csrfToken } }), 403, 'cross_site_request');
    await expectRefusal(
      await b.post('/sso/logout', { headers: { ...headers, 'content-type': FORM }, body: `csrf_token=${csrfToken}` }),
      403,
      'cross_site_request',
    );
    await expectSignedIn(b, sessionId);
  });

  it.each([
    ['no token', {}, undefined],
    ['an empty token header', { 'x-csrf-token': '' }, undefined],
    ['a made-up token', { 'x-csrf-token': 'A'.repeat(43) }, undefined],
    ['the token of another session', { 'x-csrf-token': '<other>' }, undefined],
    ['the token in the query string only', {}, undefined, '?csrf_token=<token>'],
    ['the token in a JSON body', { 'content-type': 'application/json' }, '{"csrf_token":"<token>"}'],
    ['the token in a form sent as text/plain', { 'content-type': 'text/plain' }, 'csrf_token=<token>'],
    ['the token twice in the form', { 'content-type': FORM }, 'csrf_token=<token>&csrf_token=<token>'],
    ['a form without the token', { 'content-type': FORM }, 'logout=1'],
  ] as [string, Record<string, string>, string | undefined, string?][])(
    'refuses a same-origin POST with %s, and the session stays',
    async (_name, headers, body, query = '') => {
      const { b, sessionId, csrfToken } = await signedIn();
      const other = await signedIn();
      const fill = (text: string) => text.replace('<token>', csrfToken).replace('<other>', other.csrfToken);
      const filled = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, fill(value)]));
      const response = await b.post(`/sso/logout${fill(query)}`, {
        headers: { ...SAME_ORIGIN, ...filled },
        ...(body === undefined ? {} : { body: fill(body) }),
      });
      await expectRefusal(response, 403, 'invalid_csrf_token');
      await expectSignedIn(b, sessionId);
    },
  );

  it('refuses a logout body larger than 4 KiB, and the session stays', async () => {
    const { b, sessionId, csrfToken } = await signedIn();
    const body = `csrf_token=${csrfToken}&padding=${'x'.repeat(5_000)}`;
    await expectRefusal(await b.post('/sso/logout', { headers: { ...SAME_ORIGIN, 'content-type': FORM }, body }), 400, 'invalid_request');
    await expectSignedIn(b, sessionId);
  });

  it('ends the session on a same-origin form POST, and sends the browser on to the auth centre (303)', async () => {
    const { b, sessionId } = await signedIn();
    const logout = await b.logout(ORIGIN, 'form');
    expect(logout.status).toBe(303);
    expect(logout.headers.get('cache-control')).toBe('no-store');
    expect(location(logout)).toBe(`${fake.url}/api/v1/logout?redirect_url=${encodeURIComponent('http://localhost/')}`);
    expect(logout.headers.getSetCookie()).toEqual([expect.stringMatching(/^kgkit_sso=; Max-Age=0; Path=\//)]);
    expect((await ssoRows(store)).sessions.map((s) => s.id_hash)).not.toContain(sha256(sessionId));
    expect((await b.get('/sso/me')).status).toBe(401);
  });

  it('ends the session on a same-origin fetch with the X-CSRF-Token header, answering JSON', async () => {
    const { b, sessionId } = await signedIn();
    const logout = await b.logout(ORIGIN, 'fetch');
    expect(logout.status).toBe(200);
    expect(logout.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await logout.json()).toEqual({ location: `${fake.url}/api/v1/logout?redirect_url=${encodeURIComponent('http://localhost/')}` });
    expect((await ssoRows(store)).sessions.map((s) => s.id_hash)).not.toContain(sha256(sessionId));
  });

  it.each([
    ['Origin only', { origin: ORIGIN }],
    ['Sec-Fetch-Site only', { 'sec-fetch-site': 'same-origin' }],
    ['neither (an older browser): the token alone', {}],
  ])('ends the session with the token and %s', async (_name, headers) => {
    const { b, sessionId, csrfToken } = await signedIn();
    const logout = await b.post('/sso/logout', { headers: { ...headers, 'x-csrf-token': csrfToken } });
    expect(logout.status).toBe(303);
    expect((await ssoRows(store)).sessions.map((s) => s.id_hash)).not.toContain(sha256(sessionId));
  });

  it('ends only its own session: another browser of the same user stays signed in', async () => {
    const one = await signedIn();
    const two = await signedIn();
    expect((await one.b.logout()).status).toBe(303);
    await expectSignedIn(two.b, two.sessionId);
  });

  it('answers a same-origin logout without a session with the landing page, asking for no token', async () => {
    const b = browser(server.app);
    const logout = await b.post('/sso/logout', { headers: SAME_ORIGIN });
    expect(logout.status).toBe(303);
    expect(location(logout)).toBe('/');
    b.jar.set('kgkit_sso', 'A'.repeat(43));
    expect(await (await b.post('/sso/logout', { headers: { ...SAME_ORIGIN, accept: 'application/json' } })).json()).toEqual({ location: '/' });
  });

  it('ends the session of a tenant whose domainName turned plain http, without sending the browser there', async () => {
    const tenantDomain = 'http://auth.example.com';
    const directory = seededDirectory(fake);
    const local = startSsoApp(store, directory.reader);
    const b = browser(local.app);
    fake.signedIn = CLAIMS.zhangsan;
    const login = await b.get(`/sso/login/${TENANT_A.tenantId}`);
    await b.get(location(await b.visit(location(login))));
    directory.tenants.set(TENANT_A.tenantId, { ...directory.tenants.get(TENANT_A.tenantId)!, domainName: tenantDomain });
    const logout = await b.logout();
    expect(logout.status).toBe(303);
    expect(location(logout)).toBe('/');
    expect((await b.get('/sso/me')).status).toBe(401);
  });
});
