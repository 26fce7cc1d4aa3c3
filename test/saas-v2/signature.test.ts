import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicSignature } from '../../src/crypto/basic-signature.js';
import { fixtures } from '../crypto/fixtures.js';
import { assertConforms } from '../support/contract.js';
import { ACCESS_KEY, freshNonce, signedQuery, startTestServer } from '../support/server.js';
import { DIALECTS, openTestStore, snapshot, type TestStore } from '../support/stores.js';

// Requests signed outside the project: fixtures made by test/fixtures/crypto/MakeFixtures.java (JDK only), and, when a
// JDK is on the machine, a live signature from test/fixtures/crypto/SignRequest.java.
const documented = fixtures.basicSignature[0]!;
const hasJava = (() => {
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.each(DIALECTS)('request signature on %s', (dialect) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore(dialect);
  });
  afterAll(async () => store.dispose());

  describe('signed by an independent implementation', () => {
    it('accepts the documented newInstance example signed by Java', async () => {
      const server = startTestServer(store, { config: { accessKey: documented.accessKey }, now: Number(documented.timestamp) });
      const query = `signature=${documented.signatureOverCanonical}&timestamp=${documented.timestamp}&nonce=${documented.nonce}`;
      const response = await server.raw(documented.body, query);
      const json = await response.json();
      assertConforms('newInstance', json, response);
      expect(json).toMatchObject({ resultCode: '000000', instanceId: '87b94795-0603-4e24-8ae5-69420d60e3c8' });
    });

    it.each(fixtures.basicSignature.filter((c) => c.body.includes('"activity"')).map((c) => [c.name, c] as const))(
      'passes the signature check for Java fixture: %s (canonical and raw-body signatures)',
      async (_name, fixture) => {
        const server = startTestServer(store, { config: { accessKey: fixture.accessKey }, now: Number(fixture.timestamp) });
        for (const signature of [fixture.signatureOverCanonical, fixture.signatureOverRaw, fixture.signatureOverCanonical.toLowerCase()]) {
          // The fixture's nonce is part of what Java signed: forget it between the attempts.
          await store.db.deleteFrom('nonces').execute();
          const query = `signature=${signature}&timestamp=${fixture.timestamp}&nonce=${fixture.nonce}`;
          const json = (await (await server.raw(fixture.body, query)).json()) as { resultCode: string; resultMsg: string };
          // Past the check, the body meets the contract (some fixtures carry extra fields on purpose: 000002 from validation).
          expect(json.resultCode).not.toBe('000001');
          expect(json.resultMsg).not.toMatch(/signature|timestamp|nonce/);
        }
      },
    );

    it.runIf(hasJava)('accepts a request signed live by SignRequest.java with the current time', async () => {
      const server = startTestServer(store);
      const body = JSON.stringify({
        activity: 'newInstance',
        orderId: 'CSJAVA0001',
        orderLineId: 'CSJAVA0001-000001',
        businessId: 'java-live-1',
        testFlag: '1',
      });
      const dir = mkdtempSync(join(tmpdir(), 'kgkit-java-'));
      writeFileSync(join(dir, 'body.json'), body);
      const nonce = freshNonce();
      const timestamp = String(server.clock.now);
      const script = new URL('../fixtures/crypto/SignRequest.java', import.meta.url).pathname;
      const signature = execFileSync('java', [script, ACCESS_KEY, nonce, timestamp, join(dir, 'body.json')], { encoding: 'utf8' }).trim();
      const response = await server.raw(body, `signature=${signature}&timestamp=${timestamp}&nonce=${nonce}`);
      expect(await response.json()).toMatchObject({ resultCode: '000000', instanceId: 'java-live-1' });
    });
  });

  describe('refusals leave no trace in the store', () => {
    const body = JSON.stringify({ activity: 'newInstance', orderId: 'CSREFUSED01', orderLineId: 'CSREFUSED01-000001', businessId: 'refused-1' });
    const now = Date.UTC(2026, 10, 21, 9, 0, 0);
    const cases: [string, '000001' | '000002', () => { body: string; query: string }][] = [
      [
        'one byte of the body changed after signing',
        '000001',
        () => ({ body: body.replace('refused-1', 'refused-2'), query: signedQuery(body, { timestamp: now }) }),
      ],
      ['a body that is not JSON, with the signature of another body', '000001', () => ({ body: '{"activity":', query: signedQuery(body, { timestamp: now }) })],
      ['signed with another key', '000001', () => ({ body, query: signedQuery(body, { timestamp: now, key: 'another-key-123456' }) })],
      ['signature missing', '000001', () => ({ body, query: signedQuery(body, { timestamp: now }).replace(/signature=[^&]*&/, '') })],
      ['signature not hex', '000001', () => ({ body, query: signedQuery(body, { timestamp: now }).replace(/signature=[^&]*/, 'signature=zz') })],
      ['timestamp 10 minutes old', '000002', () => ({ body, query: signedQuery(body, { timestamp: now - 600_000 }) })],
      ['timestamp 10 minutes ahead', '000002', () => ({ body, query: signedQuery(body, { timestamp: now + 600_000 }) })],
      ['timestamp in seconds', '000002', () => ({ body, query: signedQuery(body, { timestamp: Math.floor(now / 1000) }) })],
      ['timestamp missing', '000002', () => ({ body, query: signedQuery(body, { timestamp: now }).replace(/&timestamp=[^&]*/, '') })],
      ['timestamp not a number', '000002', () => ({ body, query: signedQuery(body, { timestamp: now }).replace(/timestamp=\d+/, 'timestamp=abc') })],
      ['nonce missing', '000002', () => ({ body, query: signedQuery(body, { timestamp: now }).replace(/&nonce=[^&]*/, '') })],
    ];

    it.each(cases)('%s → %s', async (_name, code, make) => {
      const server = startTestServer(store, { now });
      const before = await snapshot(store);
      const request = make();
      const response = await server.raw(request.body, request.query);
      const json = await response.json();
      assertConforms('newInstance', json, response);
      expect(json).toMatchObject({ resultCode: code });
      expect(await snapshot(store)).toEqual(before);
    });

    it('refuses a replayed nonce with 000001 and runs the call only once', async () => {
      const server = startTestServer(store, { now });
      const query = signedQuery(body, { timestamp: now, nonce: 'REPLAYED0001' });
      expect(await (await server.raw(body, query)).json()).toMatchObject({ resultCode: '000000' });
      const before = await snapshot(store);
      const replay = await server.raw(body, query);
      const json = await replay.json();
      assertConforms('newInstance', json, replay);
      expect(json).toEqual({ resultCode: '000001', resultMsg: 'nonce was already used' });
      expect(await snapshot(store)).toEqual(before);
    });

    it('shares nonces between replicas on one database', async () => {
      const replicaA = startTestServer(store, { now });
      const replicaB = startTestServer(store, { now });
      const other = JSON.stringify({ activity: 'queryInstance', instanceId: 'refused-1' });
      const query = signedQuery(other, { timestamp: now, nonce: 'SHARED0001' });
      expect(await (await replicaA.raw(other, query)).json()).toMatchObject({ resultCode: '000000' });
      expect(await (await replicaB.raw(other, query)).json()).toMatchObject({ resultCode: '000001' });
    });

    it('accepts a nonce again only after it has left the window', async () => {
      const server = startTestServer(store, { now });
      const other = JSON.stringify({ activity: 'queryInstance', instanceId: 'refused-1' });
      const nonce = 'WINDOW0001';
      expect(await (await server.raw(other, signedQuery(other, { timestamp: now, nonce }))).json()).toMatchObject({ resultCode: '000000' });
      // Same nonce with a fresh timestamp 61 s later: the nonce is still remembered (kept 2 × window).
      server.clock.now = now + 61_000;
      expect(await (await server.raw(other, signedQuery(other, { timestamp: now + 61_000, nonce }))).json()).toMatchObject({ resultCode: '000001' });
    });
  });

  it('signs every answer with Body-Sign over the exact bytes, refusals included', async () => {
    const { createHmac } = await import('node:crypto');
    const server = startTestServer(store);
    const text = JSON.stringify({ activity: 'queryInstance', instanceId: 'nope' });
    for (const query of [signedQuery(text, { timestamp: server.clock.now }), 'signature=00&timestamp=1&nonce=x']) {
      const response = await server.raw(text, query);
      const bytes = Buffer.from(await response.arrayBuffer());
      const expected = createHmac('sha256', ACCESS_KEY).update(bytes).digest('base64');
      expect(response.headers.get('body-sign')).toBe(`sign_type="HMAC-SHA256", signature="${expected}"`);
    }
    const unsigned = startTestServer(store, { config: { bodySign: false } });
    expect((await unsigned.raw(text, signedQuery(text, { timestamp: unsigned.clock.now }))).headers.get('body-sign')).toBeNull();
  });

  it('computes the same signature as Java for the documented example (sanity of the test helper)', () => {
    expect(basicSignature(documented.accessKey, documented.nonce, documented.timestamp, documented.body)).toBe(documented.signatureOverRaw);
  });
});
