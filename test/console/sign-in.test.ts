import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountConsole } from '../../src/console/mount.js';
import { silentLogger } from '../../src/log.js';
import { kgkitApiMount } from '../../src/kgkit-api/mount.js';
import { mountSaasV2 } from '../../src/saas-v2/mount.js';
import { UsageMeter } from '../../src/usage/meter.js';
import { CONSOLE_TOKEN, type ConsoleWorld, consoleWorld } from '../support/console-world.js';
import { startTestServer } from '../support/server.js';
import { openTestStore, type TestStore } from '../support/stores.js';
import { ORIGIN, SAME_ORIGIN, consoleClient, signedIn } from './client.js';

// Signing in, the session cookie and the checks on every form post. They do not depend on the store (the pages do:
// pages.test.ts runs them on both), so SQLite alone.
describe('console sign-in', () => {
  let store: TestStore;
  let world: ConsoleWorld;

  beforeAll(async () => {
    store = await openTestStore('sqlite');
    world = consoleWorld(store);
  });
  afterAll(async () => store.dispose());

  it('sends a browser without a session to the sign-in form, in the language it asks for', async () => {
    const client = consoleClient(world.app);
    const page = await client.get('/console/instances');
    expect([page.status, page.headers.get('location')]).toEqual([303, '/console/sign-in']);
    expect(await client.text('/console/sign-in')).toContain('Sign in with this server&#39;s kgkit API token');
    const chinese = await client.text('/console/sign-in', 200, { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8' });
    expect(chinese).toContain('<html lang="zh-CN">');
    expect(chinese).toContain('使用本服务器的 kgkit API 令牌');
    expect((await client.get('/console/')).headers.get('location')).toBe('/console/instances');
  });

  it('signs in with KGKIT_API_TOKEN: an HttpOnly, SameSite=Strict cookie of /console, Secure only over https', async () => {
    const client = consoleClient(world.app);
    const response = await client.post('/console/sign-in', { token: CONSOLE_TOKEN });
    expect([response.status, response.headers.get('location')]).toEqual([303, '/console/instances']);
    const [cookie] = response.headers.getSetCookie();
    expect(cookie).toMatch(/^kgkit_console=[A-Za-z0-9_-]{43}; Max-Age=28800; Path=\/console; HttpOnly; SameSite=Strict$/);
    expect(cookie).not.toContain(CONSOLE_TOKEN);
    expect(await client.text('/console/instances')).toContain('<h1>Instances</h1>');

    const https = consoleClient(world.app, 'https://console.example.com');
    const secure = await https.post('/console/sign-in', { token: CONSOLE_TOKEN }, { origin: 'https://console.example.com' });
    expect(secure.headers.getSetCookie()[0]).toMatch(/; Path=\/console; HttpOnly; Secure; SameSite=Strict$/);
  });

  it.each([
    ['an empty token', '', 400, 'Enter the token.'],
    ['a wrong token', 'x'.repeat(32), 401, 'That is not this server&#39;s KGKIT_API_TOKEN.'],
    ['a token with a space', `${CONSOLE_TOKEN} x`, 401, 'That is not this server&#39;s KGKIT_API_TOKEN.'],
    ['a token with a Chinese character', `${CONSOLE_TOKEN}令`, 401, 'That is not this server&#39;s KGKIT_API_TOKEN.'],
  ])('refuses %s with the form again and no cookie', async (_, token, status, message) => {
    const response = await consoleClient(world.app).post('/console/sign-in', { token });
    expect(response.status).toBe(status);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(await response.text()).toContain(message);
  });

  it('signs out: the cookie is cleared and the session no longer opens a page', async () => {
    const client = await signedIn(world.app);
    const session = client.cookies.get('kgkit_console')!;
    const out = await client.post('/console/sign-out', {});
    expect([out.status, out.headers.get('location')]).toEqual([303, '/console/sign-in?bye=1']);
    expect(out.headers.getSetCookie()[0]).toMatch(/^kgkit_console=; Max-Age=0; Path=\/console/);
    const stale = consoleClient(world.app);
    stale.cookies.set('kgkit_console', session);
    expect((await stale.get('/console/instances')).headers.get('location')).toBe('/console/sign-in?ended=1');
  });

  it('ends a session after an hour without a page, and after eight hours whatever happens', async () => {
    const idle = await signedIn(world.app);
    world.clock.now += 61 * 60_000;
    expect((await idle.get('/console/instances')).headers.get('location')).toBe('/console/sign-in?ended=1');
    const busy = await signedIn(world.app);
    for (let i = 0; i < 9; i++) {
      world.clock.now += 55 * 60_000;
      expect((await busy.get('/console/instances')).status).toBe(i < 8 ? 200 : 303);
    }
  });

  it('switches the language with a post, back to the page it came from, and only to console pages', async () => {
    const client = await signedIn(world.app);
    const switched = await client.post('/console/language', { to: 'zh-CN', back: '/console/usage?state=rejected' });
    expect([switched.status, switched.headers.get('location')]).toEqual([303, '/console/usage?state=rejected']);
    expect(switched.headers.getSetCookie()[0]).toMatch(/^kgkit_console_lang=zh-CN; Max-Age=31536000; Path=\/console; HttpOnly; SameSite=Strict$/);
    expect(await client.text('/console/instances', 200, { 'accept-language': 'en' })).toContain('<h1>实例</h1>');
    for (const back of ['https://evil.example/', '//evil.example/console', '/console//evil.example', '/other', '/console\n']) {
      expect((await client.post('/console/language', { to: 'en', back })).headers.get('location')).toBe('/console/instances');
    }
    expect((await client.post('/console/language', { to: 'fr', back: '/console/instances' })).status).toBe(400);
  });

  it('answers every page with headers that forbid scripts, framing and caching', async () => {
    const client = await signedIn(world.app);
    for (const path of ['/console/instances', '/console/sign-in', '/console/no-such-page']) {
      const response = await client.get(path);
      expect(response.headers.get('content-security-policy')).toBe(
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      );
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('cache-control')).toBe('no-store');
    }
    expect((await client.get('/console/no-such-page')).status).toBe(404);
    const css = await client.get('/console/console.css');
    expect([css.status, css.headers.get('content-type')]).toEqual([200, 'text/css; charset=utf-8']);
  });

  const POSTS: [string, Record<string, string>][] = [
    ['/console/sign-in', { token: CONSOLE_TOKEN }],
    ['/console/sign-out', {}],
    ['/console/language', { to: 'en', back: '/console/instances' }],
    ['/console/usage/retry', { meteringSn: 'sn-1', back: '/console/usage' }],
    ['/console/usage/give-up', { meteringSn: 'sn-1', back: '/console/usage' }],
  ];
  const CROSS_SITE: [string, Record<string, string>][] = [
    ['neither Origin nor Sec-Fetch-Site', {}],
    ['Sec-Fetch-Site cross-site', { 'sec-fetch-site': 'cross-site', origin: ORIGIN }],
    ['Sec-Fetch-Site same-site (a sibling subdomain)', { 'sec-fetch-site': 'same-site' }],
    ['Sec-Fetch-Site none', { 'sec-fetch-site': 'none' }],
    ['an Origin of another site', { origin: 'https://evil.example' }],
    ['an Origin of another port', { origin: 'http://localhost:8081' }],
    ['Origin null (a sandboxed frame)', { origin: 'null' }],
    ['an Origin that is not a URL', { origin: 'localhost' }],
  ];
  it.each(POSTS.flatMap(([path, form]) => CROSS_SITE.map(([why, headers]) => [path, why, form, headers] as const)))(
    'refuses POST %s with %s (403), changing nothing',
    async (path, _why, form, headers) => {
      const client = await signedIn(world.app);
      const response = await client.post(path, form, headers);
      expect(response.status).toBe(403);
      expect(await response.text()).toMatch(/^refused: .+; use the console's own pages$/);
      expect(response.headers.getSetCookie()).toEqual([]);
      expect((await client.get('/console/instances')).status).toBe(200);
    },
  );

  it.each([
    ['Sec-Fetch-Site same-origin alone', { 'sec-fetch-site': 'same-origin' }],
    ['Sec-Fetch-Site same-origin behind a proxy that renamed the host', { 'sec-fetch-site': 'same-origin', origin: 'https://public.example.com' }],
    ['the same Origin without Sec-Fetch-Site (an older browser)', { origin: ORIGIN }],
  ])('accepts a form with %s', async (_, headers) => {
    const response = await consoleClient(world.app).post('/console/sign-in', { token: CONSOLE_TOKEN }, headers);
    expect(response.status).toBe(303);
  });

  it('slows down guessing: after ten wrong tokens in a minute every sign-in waits for the minute to pass', async () => {
    const client = consoleClient(world.app);
    for (let i = 0; i < 10; i++) expect((await client.post('/console/sign-in', { token: `wrong-${i}-0123456789abcdef` })).status).toBe(401);
    expect((await client.post('/console/sign-in', { token: CONSOLE_TOKEN })).status).toBe(429);
    world.clock.now += 61_000;
    expect((await client.post('/console/sign-in', { token: CONSOLE_TOKEN })).status).toBe(303);
  });

  it('says so when the kgkit API is off (no KGKIT_API_TOKEN) or not served', async () => {
    const off = startTestServer(store, { families: [kgkitApiMount({ meter: new UsageMeter({ db: store.db }) })] });
    const answer = await consoleClient(off.app).post('/console/sign-in', { token: CONSOLE_TOKEN });
    expect(answer.status).toBe(503);
    expect(await answer.text()).toContain('The kgkit API is off on this server: set KGKIT_API_TOKEN');
    const without = startTestServer(store, { config: { apiToken: CONSOLE_TOKEN }, families: [mountSaasV2] });
    const missing = await consoleClient(without.app).post('/console/sign-in', { token: CONSOLE_TOKEN });
    expect(missing.status).toBe(503);
    expect(await missing.text()).toContain('This server does not serve the kgkit API');
  });

  it('signs the operator out once the API no longer takes the token (KGKIT_API_TOKEN changed)', async () => {
    let accepted = true;
    const app = new Hono();
    mountConsole(app, {
      api: () =>
        accepted
          ? Response.json({ resultCode: '000000', resultMsg: 'success', total: 0, instances: [] })
          : Response.json({ resultCode: '000001', resultMsg: 'authentication failed' }, { status: 401 }),
      logger: silentLogger,
      now: () => 0,
    });
    const client = await signedIn(app);
    expect((await client.get('/console/instances')).status).toBe(200);
    accepted = false;
    const ended = await client.get('/console/instances');
    expect([ended.status, ended.headers.get('location')]).toEqual([303, '/console/sign-in?ended=1']);
    expect(client.cookies.has('kgkit_console')).toBe(false);
  });

  it('refuses a form larger than 16 KiB', async () => {
    const response = await consoleClient(world.app).post('/console/sign-in', { token: 'x'.repeat(17 * 1024) }, SAME_ORIGIN);
    expect(response.status).toBe(413);
  });
});
