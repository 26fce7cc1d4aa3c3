import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOauthServer, startFakeOauthServer } from '../support/fake-oauth-server.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { CLAIMS, FAKE_CLIENTS, TENANT_A, browser, location, seededDirectory, ssoRows, startSsoApp, type SsoTestApp } from './support.js';

const FORGED = 'f'.repeat(64);
const LIVE = '<live>'; // the state of a login really started in this browser

// Each row: what is wrong, the callback's query, the state cookie the browser holds, the status and error it gets.
const BAD_CALLBACKS: [string, string, string | undefined, number, string][] = [
  ['no query at all', '', LIVE, 400, 'invalid_request'],
  ['no state', 'code=abc', LIVE, 400, 'invalid_request'],
  ['an empty state', 'state=&code=abc', LIVE, 400, 'invalid_request'],
  ['no code', `state=${LIVE}`, LIVE, 400, 'invalid_request'],
  ['an empty code', `state=${LIVE}&code=`, LIVE, 400, 'invalid_request'],
  ['a state with SQL in it', `state=${encodeURIComponent("x' OR '1'='1")}&code=abc`, LIVE, 400, 'invalid_request'],
  ['a state of 129 characters', `state=${'a'.repeat(129)}&code=abc`, LIVE, 400, 'invalid_request'],
  ['the state twice', `state=${LIVE}&state=${LIVE}&code=abc`, LIVE, 400, 'invalid_request'],
  ['the code twice', `state=${LIVE}&code=abc&code=abd`, LIVE, 400, 'invalid_request'],
  ['a code of 513 characters', `state=${LIVE}&code=${'c'.repeat(513)}`, LIVE, 400, 'invalid_request'],
  ['a code with a space', `state=${LIVE}&code=a%20b`, LIVE, 400, 'invalid_request'],
  ['a code with a newline', `state=${LIVE}&code=a%0Ab`, LIVE, 400, 'invalid_request'],
  ['both code and error', `state=${LIVE}&code=abc&error=access_denied`, LIVE, 400, 'invalid_request'],
  ['an error of 65 characters', `state=${LIVE}&error=${'e'.repeat(65)}`, LIVE, 400, 'invalid_request'],
  ['a forged state (well-formed, never issued)', `state=${FORGED}&code=abc`, FORGED, 400, 'invalid_state'],
  ['a forged state, no state cookie', `state=${FORGED}&code=abc`, undefined, 400, 'invalid_state'],
  ["the live state without the browser's cookie", `state=${LIVE}&code=abc`, undefined, 400, 'invalid_state'],
  ['the live state, the cookie of another login', `state=${LIVE}&code=abc`, FORGED, 400, 'invalid_state'],
  ['the live state in upper case', `state=<LIVE>&code=abc`, '<LIVE>', 400, 'invalid_state'],
];

describe.each(DIALECTS)('callback with bad input on %s', (dialect) => {
  let store: TestStore;
  let fake: FakeOauthServer;
  let server: SsoTestApp;
  let liveState: string;

  beforeAll(async () => {
    store = await openTestStore(dialect);
    fake = await startFakeOauthServer({ clients: FAKE_CLIENTS });
    server = startSsoApp(store, seededDirectory(fake).reader);
    // A login in progress: no bad callback may spend it.
    fake.signedIn = CLAIMS.zhangsan;
    liveState = new URL(location(await browser(server.app).get(`/sso/login/${TENANT_A.tenantId}`))).searchParams.get('state')!;
  });
  afterAll(async () => {
    await fake.close();
    await store.dispose();
  });
  afterEach(() => expect(fake.violations).toEqual([]));

  const fill = (text: string) => text.replaceAll('<LIVE>', liveState.toUpperCase()).replaceAll(LIVE, liveState);

  it.each(BAD_CALLBACKS)('%s: refused, nothing stored, nothing asked of the auth centre', async (_name, query, cookie, status, error) => {
    const b = browser(server.app);
    if (cookie !== undefined) b.jar.set('kgkit_sso_state', fill(cookie));
    const before = await ssoRows(store);
    const requests = fake.requests.length;

    const response = await b.get(`/sso/callback?${fill(query)}`);
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.json()) as { error: string; error_description: string };
    expect(body).toEqual({ error, error_description: expect.any(String) });
    expect(body.error_description).not.toContain(liveState);
    expect(await ssoRows(store)).toEqual(before);
    expect(fake.requests.length).toBe(requests);
    expect(b.jar.has('kgkit_sso')).toBe(false);
  });
});
