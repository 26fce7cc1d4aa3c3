import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ssoSite } from '../../src/sso/site.js';
import { type FakeOauthServer, startFakeOauthServer } from '../support/fake-oauth-server.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { CLAIMS, FAKE_CLIENTS, TENANT_A, browser, location, seededDirectory, ssoRows, startSsoApp, type SsoTestApp } from './support.js';

// Host values an attacker may send; none may become part of a redirect_uri, and none is on any list below.
const HOSTILE_HOSTS: [string, string][] = [
  ['another domain', 'evil.example'],
  ['another domain on 443', 'evil.example:443'],
  ['a domain that starts like the loopback', 'localhost.evil.example'],
  ['the loopback address as a subdomain', '127.0.0.1.evil.example'],
  ['userinfo before the loopback', 'evil.example@localhost'],
  ['userinfo after the loopback', 'localhost@evil.example'],
  ['a path', 'localhost/evil.example'],
  ['a path of another domain', 'evil.example/sso/callback'],
  ['a query', 'localhost?evil.example'],
  ['a fragment', 'localhost#evil.example'],
  ['a backslash', 'localhost\\evil.example'],
  ['a scheme', 'https://evil.example'],
  ['two hosts', 'localhost,evil.example'],
  ['a space', 'localhost evil.example'],
  ['an IPv6 address', '[2001:db8::e]'],
  ['an IPv6 address with a port', '[2001:db8::e]:8443'],
  ['an IPv6 address without brackets', '2001:db8::e'],
  ['the IPv6 loopback in long form', '[0:0:0:0:0:0:0:1]'],
  ['an IPv4-mapped IPv6 loopback', '[::ffff:127.0.0.1]'],
  ['an IPv4 shorthand of the loopback', '127.1'],
  ['the loopback as one number', '2130706433'],
  ['the loopback in hex', '0x7f.0.0.1'],
  ['a port out of range', 'localhost:99999'],
  ['an empty port', 'localhost:'],
  ['a very long name', `${`${'e'.repeat(60)}.`.repeat(150)}example`],
  ['empty', ''],
];
const ROUTES: [string, string][] = [
  ['GET', `/sso/login/${TENANT_A.tenantId}`],
  ['GET', `/sso/callback?state=${'a'.repeat(64)}&code=abc`],
  ['GET', '/sso/me'],
  ['POST', '/sso/logout'],
];
const ALLOWED = ['app.example.com', 'app2.example.com:8443'];
// Hosts an absolute-form request target (or an HTTP/2 :authority) may name: the URL parser reads each back as itself.
const HOSTILE_AUTHORITIES = [
  'evil.example',
  'evil.example:443',
  'localhost.evil.example',
  '127.0.0.1.evil.example',
  '[2001:db8::e]',
  '[2001:db8::e]:8443',
  `${'e'.repeat(60)}.evil.example`,
];

/**
 * A request with this Host header, its URL built from it as @hono/node-server builds it; a Host node-server would
 * refuse itself (userinfo, a path…) keeps the URL of app.request(), to show kgkit's own check stands alone.
 */
function requestWithHost(server: SsoTestApp, host: string, path: string, init: { method?: string; headers?: Record<string, string> } = {}) {
  const built = URL.canParse(`http://${host}${path}`) ? new URL(`http://${host}${path}`) : undefined;
  const asNodeServerBuildsIt = built && (built.hostname.length === host.length || built.hostname === host.replace(/:\d+$/, ''));
  return server.app.request(asNodeServerBuildsIt ? built.href : path, { ...init, headers: { host, ...init.headers } });
}

describe.each(DIALECTS)('the callback URL never comes from an arbitrary Host, on %s', (dialect) => {
  let store: TestStore;
  let fake: FakeOauthServer;
  let directory: ReturnType<typeof seededDirectory>;
  let loopbackOnly: SsoTestApp;
  let allowList: SsoTestApp;
  let fixed: SsoTestApp;

  beforeAll(async () => {
    store = await openTestStore(dialect);
    fake = await startFakeOauthServer({ clients: FAKE_CLIENTS });
    directory = seededDirectory(fake);
    loopbackOnly = startSsoApp(store, directory.reader);
    allowList = startSsoApp(store, directory.reader, { sso: { allowedHosts: ALLOWED } });
    fixed = startSsoApp(store, directory.reader, { sso: { callbackUrl: 'https://seller.example.com/sso/callback' } });
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

  /** The redirect_uri a login started with these headers sends to the auth centre. */
  async function redirectUri(server: SsoTestApp, host: string, headers: Record<string, string> = {}) {
    const login = await requestWithHost(server, host, `/sso/login/${TENANT_A.tenantId}`, { headers });
    expect(login.status).toBe(302);
    return new URL(location(login)).searchParams.get('redirect_uri');
  }
  /** A refusal of the Host: clean JSON, no redirect, no cookie, nothing stored, nothing asked of the auth centre. */
  async function expectHostRefused(
    response: Response,
    before: Awaited<ReturnType<typeof ssoRows>>,
    hostile: string,
    setting = /SSO_CALLBACK_URL|SSO_ALLOWED_HOSTS|host name|two different hosts/,
  ) {
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ error: 'host_not_allowed', error_description: expect.stringMatching(setting) });
    // The hostile value is not echoed back.
    if (hostile.length > 0) expect(text).not.toContain('evil');
    expect(text.length).toBeLessThan(300);
    expect(await ssoRows(store)).toEqual(before);
    expect(fake.requests).toEqual([]);
  }

  describe('with neither SSO_CALLBACK_URL nor SSO_ALLOWED_HOSTS: the loopback only', () => {
    it.each(HOSTILE_HOSTS)('refuses %s in the Host header on every route', async (_name, hostile) => {
      const before = await ssoRows(store);
      for (const [method, path] of ROUTES) {
        await expectHostRefused(await requestWithHost(loopbackOnly, hostile, path, { method }), before, hostile);
      }
    });

    it.each(HOSTILE_AUTHORITIES)('refuses %s as the host of the request target, without a Host header (absolute-form, HTTP/2 :authority)', async (hostile) => {
      const before = await ssoRows(store);
      await expectHostRefused(await loopbackOnly.app.request(`http://${hostile}/sso/login/${TENANT_A.tenantId}`), before, hostile);
    });

    it('refuses a request whose target and Host header name different hosts', async () => {
      const before = await ssoRows(store);
      await expectHostRefused(
        await loopbackOnly.app.request(`http://evil.example/sso/login/${TENANT_A.tenantId}`, { headers: { host: 'localhost' } }),
        before,
        'evil.example',
      );
      await expectHostRefused(
        await loopbackOnly.app.request(`http://localhost/sso/login/${TENANT_A.tenantId}`, { headers: { host: 'evil.example' } }),
        before,
        'evil.example',
      );
      await expectHostRefused(
        await loopbackOnly.app.request(`http://localhost:3000/sso/login/${TENANT_A.tenantId}`, { headers: { host: 'localhost:3001' } }),
        before,
        '',
      );
    });

    it('names the setting to set in its refusal', async () => {
      const response = await requestWithHost(loopbackOnly, 'app.example.com', `/sso/login/${TENANT_A.tenantId}`);
      expect(((await response.json()) as { error_description: string }).error_description).toMatch(
        /only on localhost, 127\.0\.0\.1 or \[::1\] until SSO_CALLBACK_URL or SSO_ALLOWED_HOSTS/,
      );
    });

    it.each([
      ['localhost', 'http://localhost/sso/callback'],
      ['localhost:8080', 'http://localhost:8080/sso/callback'],
      ['127.0.0.1', 'http://127.0.0.1/sso/callback'],
      ['127.0.0.1:3000', 'http://127.0.0.1:3000/sso/callback'],
      ['[::1]', 'http://[::1]/sso/callback'],
      ['[::1]:8443', 'http://[::1]:8443/sso/callback'],
    ])('accepts the loopback Host %s: redirect_uri %s, cookies not Secure', async (host, expected) => {
      const login = await requestWithHost(loopbackOnly, host, `/sso/login/${TENANT_A.tenantId}`);
      expect(new URL(location(login)).searchParams.get('redirect_uri')).toBe(expected);
      expect(login.headers.getSetCookie()[0]).not.toMatch(/Secure/);
    });

    it('keeps https for the loopback reached over TLS', async () => {
      const login = await loopbackOnly.app.request(`https://localhost:8443/sso/login/${TENANT_A.tenantId}`, { headers: { host: 'localhost:8443' } });
      expect(new URL(location(login)).searchParams.get('redirect_uri')).toBe('https://localhost:8443/sso/callback');
      expect(login.headers.getSetCookie()[0]).toMatch(/; Secure; SameSite=Lax$/);
    });

    it('ignores X-Forwarded-Host, X-Forwarded-Proto and Forwarded: any client can send them', async () => {
      const forwarded = { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https', forwarded: 'host=evil.example;proto=https' };
      expect(await redirectUri(loopbackOnly, 'localhost', forwarded)).toBe('http://localhost/sso/callback');
      const before = await ssoRows(store);
      const response = await requestWithHost(loopbackOnly, 'evil.example', `/sso/login/${TENANT_A.tenantId}`, {
        headers: { 'x-forwarded-host': 'localhost', forwarded: 'host=localhost' },
      });
      await expectHostRefused(response, before, 'evil');
    });
  });

  describe('with SSO_ALLOWED_HOSTS', () => {
    it.each([
      ['app.example.com', 'https://app.example.com/sso/callback'],
      ['APP.Example.COM', 'https://app.example.com/sso/callback'],
      ['app.example.com:443', 'https://app.example.com/sso/callback'],
      ['app2.example.com:8443', 'https://app2.example.com:8443/sso/callback'],
    ])('accepts %s: redirect_uri %s (https, whatever the request came in as), cookies Secure', async (host, expected) => {
      const login = await requestWithHost(allowList, host, `/sso/login/${TENANT_A.tenantId}`);
      expect(new URL(location(login)).searchParams.get('redirect_uri')).toBe(expected);
      expect(login.headers.getSetCookie()[0]).toMatch(/; Secure; SameSite=Lax$/);
    });

    it.each([
      ['a listed host on another port', 'app2.example.com'],
      ['a listed host on another port', 'app.example.com:8443'],
      ['the loopback, not listed', 'localhost'],
      ['the loopback with a port, not listed', '127.0.0.1:8080'],
      ['a subdomain of a listed host', 'evil.app.example.com'],
      ['a listed host as a subdomain', 'app.example.com.evil.example'],
      ...HOSTILE_HOSTS,
    ])('refuses %s (%s)', async (_name, hostile) => {
      const before = await ssoRows(store);
      const response = await requestWithHost(allowList, hostile, `/sso/login/${TENANT_A.tenantId}`);
      await expectHostRefused(response, before, hostile.includes('evil') ? hostile : '', /SSO_ALLOWED_HOSTS|host name|two different hosts/);
    });

    it('does not let X-Forwarded-Host pick a listed host', async () => {
      const before = await ssoRows(store);
      const response = await requestWithHost(allowList, 'evil.example', `/sso/login/${TENANT_A.tenantId}`, {
        headers: { 'x-forwarded-host': 'app.example.com' },
      });
      await expectHostRefused(response, before, 'evil');
      expect(await redirectUri(allowList, 'app.example.com', { 'x-forwarded-host': 'evil.example' })).toBe('https://app.example.com/sso/callback');
    });

    it('completes a login on a listed host and signs out from its own origin only', async () => {
      const b = browser(allowList.app, { host: 'app2.example.com:8443' });
      const login = await b.get(`/sso/login/${TENANT_A.tenantId}`);
      const callback = new URL(location(await b.visit(location(login))));
      expect(callback.origin).toBe('https://app2.example.com:8443');
      const landed = await b.get(callback.href);
      expect(landed.headers.getSetCookie().find((c) => c.startsWith('kgkit_sso='))).toMatch(/; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
      expect((await b.get('/sso/me')).status).toBe(200);
      // Another listed host is another origin.
      expect((await b.logout('https://app.example.com')).status).toBe(403);
      expect((await b.get('/sso/me')).status).toBe(200);
      const logout = await b.logout('https://app2.example.com:8443');
      expect(logout.status).toBe(303);
      expect(new URL(location(logout)).searchParams.get('redirect_url')).toBe('https://app2.example.com:8443/');
    });
  });

  describe('with SSO_CALLBACK_URL', () => {
    it.each(HOSTILE_HOSTS)('uses it whatever the Host: %s', async (_name, hostile) => {
      expect(await redirectUri(fixed, hostile)).toBe('https://seller.example.com/sso/callback');
    });
  });
});

describe('a forged Host through a listening server (@hono/node-server reads the Host header itself)', () => {
  let store: TestStore;
  let fake: FakeOauthServer;
  let server: ReturnType<typeof serve>;
  let port: number;

  beforeAll(async () => {
    store = await openTestStore('sqlite');
    fake = await startFakeOauthServer({ clients: FAKE_CLIENTS });
    const { app } = startSsoApp(store, seededDirectory(fake).reader);
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((resolve) => server.once('listening', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      (server as unknown as { closeAllConnections(): void }).closeAllConnections();
    });
    await fake.close();
    await store.dispose();
  });

  /** Sends the request line and headers as written, byte for byte; the whole raw answer. */
  function raw(requestLine: string, headers: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let answer = '';
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => (answer += chunk));
      socket.on('end', () => resolve(answer));
      socket.on('error', reject);
      socket.write(`${requestLine}\r\n${[...headers, 'Connection: close'].join('\r\n')}\r\n\r\n`);
    });
  }
  const LOGIN = `/sso/login/${TENANT_A.tenantId}`;

  it('sends the loopback Host it was reached on as redirect_uri, ignoring X-Forwarded-Host', async () => {
    const answer = await raw(`GET ${LOGIN} HTTP/1.1`, [`Host: localhost:${port}`, 'X-Forwarded-Host: evil.example', 'X-Forwarded-Proto: https']);
    expect(answer).toMatch(/^HTTP\/1\.1 302 /);
    const locationHeader = /\r\nlocation: (\S+)\r\n/i.exec(answer)![1]!;
    expect(new URL(locationHeader).searchParams.get('redirect_uri')).toBe(`http://localhost:${port}/sso/callback`);
  });

  it('without a Host header (HTTP/1.0) uses the address it listens on, never another', async () => {
    const answer = await raw(`GET ${LOGIN} HTTP/1.0`, []);
    const locationHeader = /\r\nlocation: (\S+)\r\n/i.exec(answer)![1]!;
    expect(new URL(locationHeader).searchParams.get('redirect_uri')).toBe('http://127.0.0.1/sso/callback');
  });

  it.each([
    ...HOSTILE_HOSTS.filter(([, hostile]) => !/[ #?]/.test(hostile)).map(([name, hostile]) => [name, `GET ${LOGIN} HTTP/1.1`, [`Host: ${hostile}`]] as const),
    ['two Host headers', `GET ${LOGIN} HTTP/1.1`, ['Host: localhost', 'Host: evil.example']] as const,
    ['an absolute-form target of another host', `GET http://evil.example${LOGIN} HTTP/1.1`, ['Host: localhost']] as const,
    ['an absolute-form target of the loopback, with another Host', `GET http://localhost${LOGIN} HTTP/1.1`, ['Host: evil.example']] as const,
  ])('refuses %s: a 4xx without a Location, nothing stored', async (_name, requestLine, headers) => {
    const before = await ssoRows(store);
    const answer = await raw(requestLine, [...headers]);
    expect(answer).toMatch(/^HTTP\/1\.[01] 4\d\d /);
    expect(answer).not.toMatch(/\r\nlocation:/i);
    expect(answer).not.toContain('evil.example');
    expect(await ssoRows(store)).toEqual(before);
    expect(fake.requests).toEqual([]);
  });
});

describe('ssoSite at start-up', () => {
  it.each([
    [{ callbackUrl: 'http://seller.example.com/sso/callback' }, /SSO_CALLBACK_URL must be https/],
    [{ callbackUrl: '/sso/callback' }, /SSO_CALLBACK_URL must be a URL/],
    [{ allowedHosts: ['https://app.example.com'] }, /SSO_ALLOWED_HOSTS: "https:\/\/app.example.com"/],
    [{ allowedHosts: ['*.example.com'] }, /SSO_ALLOWED_HOSTS/],
  ])('throws on %o, as config.ts would have refused it', (options, message) => {
    expect(() => ssoSite({ basePath: '/sso', ...options })).toThrow(message);
  });
});
