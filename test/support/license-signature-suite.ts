import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS, signedQuery } from './server.js';
import { DIALECTS, openTestStore, type TestStore } from './stores.js';
import { type LicenseFamily, assertFamilyConforms, familyKey, fullState, hasJava, javaSignature, startFamilyServer } from './license-families.js';

/**
 * The signature checks every family signed like SaaS V2.0 basic must pass (docs/decisions.md#1–#5), run against one family:
 * `body` is a valid call of it (a flat JSON object of strings, so SignRequest.java can sign it too), answered
 * `000000`. Every refusal is HTTP 200, contract-conformant, and leaves no trace at all: no business row, no audit
 * event, no nonce.
 */
export function signatureSuite(family: LicenseFamily, body: () => Record<string, string>): void {
  const key = familyKey(family);
  const activity = () => body().activity;
  const otherKeys = Object.entries(KEYS).filter(([, other]) => other !== key);

  describe.each(DIALECTS)(`${family}: request signature on %s`, (dialect) => {
    let store: TestStore;
    const now = Date.UTC(2026, 10, 21, 9, 0, 0);
    beforeAll(async () => {
      store = await openTestStore(dialect);
    });
    afterAll(async () => store.dispose());

    const refusals: [string, '000001' | '000002', (text: string) => { body: string; query: string }][] = [
      [
        'one byte of the body changed after signing',
        '000001',
        (text) => ({ body: text.replace('"}', 'X"}'), query: signedQuery(text, { timestamp: now, key }) }),
      ],
      [
        'a body that is not JSON, with the signature of another body',
        '000001',
        (text) => ({ body: text.slice(0, -1), query: signedQuery(text, { timestamp: now, key }) }),
      ],
      ['signed with a key nobody configured', '000001', (text) => ({ body: text, query: signedQuery(text, { timestamp: now, key: 'another-key-123456' }) })],
      ...otherKeys.map(([name, other]): [string, '000001', (text: string) => { body: string; query: string }] => [
        `signed with another interface's key (${name})`,
        '000001',
        (text) => ({ body: text, query: signedQuery(text, { timestamp: now, key: other }) }),
      ]),
      ['signature missing', '000001', (text) => ({ body: text, query: signedQuery(text, { timestamp: now, key }).replace(/signature=[^&]*&/, '') })],
      ['signature not hex', '000001', (text) => ({ body: text, query: signedQuery(text, { timestamp: now, key }).replace(/signature=[^&]*/, 'signature=zz') })],
      ['timestamp 10 minutes old', '000002', (text) => ({ body: text, query: signedQuery(text, { timestamp: now - 600_000, key }) })],
      ['timestamp 10 minutes ahead', '000002', (text) => ({ body: text, query: signedQuery(text, { timestamp: now + 600_000, key }) })],
      [
        'timestamp in seconds (the guide text says seconds; docs/decisions.md#1)',
        '000002',
        (text) => ({ body: text, query: signedQuery(text, { timestamp: Math.floor(now / 1000), key }) }),
      ],
      ['timestamp missing', '000002', (text) => ({ body: text, query: signedQuery(text, { timestamp: now, key }).replace(/&timestamp=[^&]*/, '') })],
      ['nonce missing', '000002', (text) => ({ body: text, query: signedQuery(text, { timestamp: now, key }).replace(/&nonce=[^&]*/, '') })],
    ];

    it.each(refusals)('%s → %s, no trace', async (_name, code, make) => {
      const server = startFamilyServer(store, family, { now });
      const before = await fullState(store);
      const request = make(JSON.stringify(body()));
      const response = await server.raw(request.body, request.query);
      const json = await response.json();
      assertFamilyConforms(family, activity(), json, response);
      expect(json).toMatchObject({ resultCode: code });
      expect(await fullState(store)).toEqual(before);
    });

    it('refuses a replayed nonce with 000001 and runs the call only once', async () => {
      const server = startFamilyServer(store, family, { now });
      const text = JSON.stringify(body());
      const query = signedQuery(text, { timestamp: now, key, nonce: `REPLAY${family.toUpperCase()}` });
      expect(await (await server.raw(text, query)).json()).toMatchObject({ resultCode: '000000' });
      const before = await fullState(store);
      const replay = await server.raw(text, query);
      const json = await replay.json();
      assertFamilyConforms(family, activity(), json, replay);
      expect(json).toEqual({ resultCode: '000001', resultMsg: 'nonce was already used' });
      expect(await fullState(store)).toEqual(before);
    });

    const sharesBasicKey = key === KEYS.basic;
    it(`${sharesBasicKey ? 'refuses' : 'accepts'} a nonce the SaaS interface saw: nonces are kept per access key, and this family's is ${sharesBasicKey ? 'the basic key' : 'its own'}`, async () => {
      const server = startFamilyServer(store, family, { now });
      const nonce = `SHAREDSCOPE${family.toUpperCase()}`;
      const saas = JSON.stringify({ activity: 'queryInstance', instanceId: 'nobody' });
      await server.app.request(`/saas?${signedQuery(saas, { timestamp: now, key: KEYS.basic, nonce })}`, { method: 'POST', body: saas });
      const text = JSON.stringify(body());
      const answer = await (await server.raw(text, signedQuery(text, { timestamp: now, key, nonce }))).json();
      expect(answer).toMatchObject(sharesBasicKey ? { resultCode: '000001', resultMsg: 'nonce was already used' } : { resultCode: '000000' });
    });

    it('accepts a signature over the raw body bytes as well as over the key-sorted payload (docs/decisions.md#2)', async () => {
      const server = startFamilyServer(store, family, { now });
      const spaced = JSON.stringify(body(), null, 1);
      expect(await (await server.raw(spaced, signedQuery(spaced, { timestamp: now, key, canonical: false }))).json()).toMatchObject({ resultCode: '000000' });
      expect(await (await server.raw(spaced, signedQuery(spaced, { timestamp: now, key }))).json()).toMatchObject({ resultCode: '000000' });
    });

    it.runIf(hasJava)('accepts a request signed live by SignRequest.java (JDK only) with the current time', async () => {
      const server = startFamilyServer(store, family);
      const text = JSON.stringify(body());
      const nonce = `JAVA${Date.now().toString(16).toUpperCase()}`;
      const timestamp = String(server.clock.now);
      const response = await server.raw(text, `signature=${javaSignature(key, nonce, timestamp, text)}&timestamp=${timestamp}&nonce=${nonce}`);
      const json = await response.json();
      assertFamilyConforms(family, activity(), json, response);
      expect(json).toMatchObject({ resultCode: '000000' });
    });

    it("signs every answer with Body-Sign over the exact bytes with the family's key, refusals included", async () => {
      const server = startFamilyServer(store, family, { now });
      const text = JSON.stringify(body());
      for (const query of [signedQuery(text, { timestamp: now, key }), 'signature=00&timestamp=1&nonce=x']) {
        const response = await server.raw(text, query);
        const bytes = Buffer.from(await response.arrayBuffer());
        expect(response.headers.get('body-sign')).toBe(`sign_type="HMAC-SHA256", signature="${createHmac('sha256', key).update(bytes).digest('base64')}"`);
      }
    });
  });
}
