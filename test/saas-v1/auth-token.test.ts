import { createDecipheriv } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authToken } from '../../src/crypto/auth-token.js';
import { nonceScope } from '../../src/security/signed-request-check.js';
import { fixtures } from '../crypto/fixtures.js';
import { assertV1Conforms, expectedBodySign, v1Call, v1Fixtures, v1Instant, v1Query, v1Raw, v1Snapshot, v1TimeStamp } from '../support/saas-v1.js';
import { ACCESS_KEY, startTestServer } from '../support/server.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { shortId } from '../../src/provisioning/builtin-provisioner.js';

// Requests signed outside the project: test/fixtures/crypto/saas-v1-requests.json, made by SaasV1Request.java with
// the JDK alone (TreeMap + javax.crypto.Mac for authToken, KeyGenerator + SHA1PRNG + Cipher for mobilePhone/email,
// java.net.URLEncoder for the query), sent with the test clock set to their timeStamp; and, when a JDK is on the
// machine, a request signed live by the same program with the current time.
const hasJava = (() => {
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const JAVA_PROGRAM = new URL('../fixtures/crypto/SaasV1Request.java', import.meta.url).pathname;
const [created, queried, cancelled] = v1Fixtures as [(typeof v1Fixtures)[0], (typeof v1Fixtures)[0], (typeof v1Fixtures)[0]];
// The AES keys the JDK itself derived for the fixtures' access key (test/fixtures/crypto/fixtures.json, aesKeys).
const javaKeys = fixtures.aesKeys.find((k) => k.accessKey === created.accessKey)!;
const decryptWithJavaKey = (value: string) => {
  const decipher = createDecipheriv('aes-256-cbc', Buffer.from(javaKeys.key256, 'hex'), Buffer.from(value.slice(0, 16), 'utf8'));
  return Buffer.concat([decipher.update(Buffer.from(value.slice(16), 'base64')), decipher.final()]).toString('utf8');
};

describe.each(DIALECTS)('SaaS V1.0 authToken on %s', (dialect) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore(dialect);
  });
  afterAll(async () => store.dispose());

  describe('signed by an independent implementation', () => {
    it('newInstance signed by Java: a Body-Sign an independent HMAC accepts, credentials that decrypt with the key Java derived', async () => {
      const server = startTestServer(store, { config: { accessKey: created.accessKey }, now: v1Instant(created.timeStamp) + 500 });
      const response = await v1Raw(server, created.query);
      const bytes = Buffer.from(await response.clone().arrayBuffer());
      expect(response.headers.get('body-sign')).toBe(expectedBodySign(created.accessKey, bytes));
      const json = await assertV1Conforms('newInstance', response, created.accessKey);
      expect(json).toMatchObject({ resultCode: '000000', instanceId: created.params.businessId, encryptType: '1' });
      const appInfo = json.appInfo as Record<string, string>;
      expect(decryptWithJavaKey(appInfo.userName!)).toBe(`admin_${shortId(created.params.businessId!)}`);
      expect(decryptWithJavaKey(appInfo.password!)).toMatch(/^[A-Za-z0-9]{16}$/);
      // What Java encrypted and Base64-encoded arrives decrypted, with the URL-encoded Chinese and '+' intact.
      expect(await store.db.selectFrom('saas_v1_orders').selectAll().where('instance_id', '=', created.params.businessId!).executeTakeFirst()).toMatchObject({
        customer_name: '华为用户 Test',
        mobile_phone: created.plain.mobilePhone,
        email: created.plain.email,
        extend_params: JSON.stringify(JSON.parse(created.plain.saasExtendParams!)),
        order_amount: '1200.5',
      });
    });

    it('queryInstance and a renewal cancellation signed by Java pass the check and reach their activity', async () => {
      // The instance they name (created by the newInstance fixture above when the whole file runs; idempotent).
      const setup = startTestServer(store, { config: { accessKey: created.accessKey }, now: v1Instant(queried.timeStamp) });
      const { businessId, orderId } = created.params;
      await v1Call(setup, { activity: 'newInstance', businessId: businessId!, customerId: 'cust-setup', orderId: orderId! }, { key: created.accessKey });
      for (const fixture of [queried, cancelled]) {
        const server = startTestServer(store, { config: { accessKey: fixture.accessKey }, now: v1Instant(fixture.timeStamp) - 30_000 });
        const json = await assertV1Conforms(fixture.params.activity, await v1Raw(server, fixture.query), fixture.accessKey);
        expect(json.resultCode).toBe('000000');
      }
      const applied = await store.db.selectFrom('instance_orders').select('scene').where('order_id', '=', cancelled.params.orderId!).execute();
      expect(applied).toEqual([{ scene: 'UNSUBSCRIBE_RENEWAL_PERIOD' }]);
    });

    it('computes the authToken Java computed (sanity of the test helper)', () => {
      const { authToken: token, ...signed } = created.params;
      expect(authToken(created.accessKey, created.timeStamp, signed)).toBe(token);
    });

    it.runIf(hasJava)('accepts a request signed live by SaasV1Request.java with the current time; Java decrypts the answer', async () => {
      const server = startTestServer(store);
      const iv = 'LiveIv0123456789';
      const query = execFileSync(
        'java',
        [
          JAVA_PROGRAM,
          ACCESS_KEY,
          v1TimeStamp(server.clock.now),
          iv,
          'activity=newInstance',
          'businessId=java-live-1',
          'customerId=cust-java',
          'orderId=CSJAVAV10001',
          'customerName=Li Si',
          'enc:email=li+si@example.com',
          'testFlag=1',
        ],
        { encoding: 'utf8' },
      ).trim();
      const json = await assertV1Conforms('newInstance', await v1Raw(server, query));
      expect(json).toMatchObject({ resultCode: '000000', instanceId: 'java-live-1' });
      const userName = execFileSync('java', [JAVA_PROGRAM, '--decrypt', ACCESS_KEY, '1', (json.appInfo as Record<string, string>).userName!], {
        encoding: 'utf8',
      }).trim();
      expect(userName).toBe(`admin_${shortId('java-live-1')}`);
      expect(
        await store.db.selectFrom('saas_v1_orders').select(['customer_name', 'email']).where('instance_id', '=', 'java-live-1').executeTakeFirst(),
      ).toEqual({
        customer_name: 'Li Si',
        email: 'li+si@example.com',
      });
    });
  });

  describe('refusals leave no trace in the store', () => {
    const now = Date.UTC(2026, 10, 21, 11, 0, 0);
    const params = { activity: 'newInstance', businessId: 'forged-1', customerId: 'cust-forged', orderId: 'CSFORGED0001' };
    const signed = (overrides: { at?: number; key?: string; timeStamp?: string } = {}) => v1Query(params, { at: overrides.at ?? now, ...overrides });
    const edit = (query: string, change: (q: URLSearchParams) => void) => {
      const q = new URLSearchParams(query);
      change(q);
      return q.toString();
    };
    const cases: [string, '000001' | '000002', () => string][] = [
      ['one parameter changed after signing', '000001', () => edit(signed(), (q) => q.set('orderId', 'CSFORGED0002'))],
      ['a parameter added after signing', '000001', () => edit(signed(), (q) => q.set('testFlag', '1'))],
      ['a parameter removed after signing', '000001', () => edit(signed(), (q) => q.delete('customerId'))],
      [
        'timeStamp changed after signing, still fresh',
        '000001',
        () => edit(signed(), (q) => q.set('timeStamp', v1TimeStamp(v1Instant(q.get('timeStamp')!) + 1))),
      ],
      ['signed with another key', '000001', () => signed({ key: 'another-key-123456' })],
      [
        'signed with accessKey alone, not accessKey + timeStamp',
        '000001',
        () => edit(signed(), (q) => q.set('authToken', authToken(ACCESS_KEY, '', { ...params, timeStamp: q.get('timeStamp')! }))),
      ],
      ['authToken missing', '000001', () => edit(signed(), (q) => q.delete('authToken'))],
      ['authToken empty', '000001', () => edit(signed(), (q) => q.set('authToken', ''))],
      ['authToken not Base64', '000001', () => edit(signed(), (q) => q.set('authToken', 'not a token'))],
      [
        'authToken in hex, as V2.0 signs',
        '000001',
        () => edit(signed(), (q) => q.set('authToken', Buffer.from(q.get('authToken')!, 'base64').toString('hex'))),
      ],
      ['timeStamp 10 minutes old', '000002', () => signed({ at: now - 600_000 })],
      ['timeStamp 10 minutes ahead', '000002', () => signed({ at: now + 600_000 })],
      ['timeStamp 61 seconds old', '000002', () => signed({ at: now - 61_000 })],
      ['timeStamp in local time (UTC+8)', '000002', () => signed({ at: now + 8 * 3_600_000 })],
      ['timeStamp missing', '000002', () => edit(signed(), (q) => q.delete('timeStamp'))],
      ['timeStamp as UNIX milliseconds (V2.0 style)', '000002', () => signed({ timeStamp: String(now) })],
      ['timeStamp of 15 digits (the documented example form)', '000002', () => signed({ timeStamp: '202611211100000' })],
      ['timeStamp of 14 digits, without milliseconds', '000002', () => signed({ timeStamp: '20261121110000' })],
      ['timeStamp 31 November', '000002', () => signed({ timeStamp: '20261131110000000' })],
      [
        'a V2.0 signature instead of an authToken',
        '000002',
        () =>
          'signature=11C4CD6279191DE931DEF5C51531DFFA9D37969F4E356B8A3A6D8DE4FB357A48&timestamp=1680508066618&nonce=ABC&activity=queryInstance&instanceId=x',
      ],
    ];

    it.each(cases)('%s → %s, HTTP 200 JSON with Body-Sign, nothing stored', async (_name, code, make) => {
      const server = startTestServer(store, { now });
      const before = await v1Snapshot(store);
      const json = await assertV1Conforms(undefined, await v1Raw(server, make()));
      expect(json).toMatchObject({ resultCode: code, resultMsg: expect.stringMatching(code === '000001' ? /authToken/ : /timeStamp/) });
      expect(await v1Snapshot(store)).toEqual(before);
    });

    it('refuses a replayed authToken with 000001 and runs the call only once', async () => {
      const server = startTestServer(store, { now });
      const query = v1Query({ activity: 'newInstance', businessId: 'replayed-1', customerId: 'cust-1', orderId: 'CSREPLAY0001' }, { at: now });
      expect(await assertV1Conforms('newInstance', await v1Raw(server, query))).toMatchObject({ resultCode: '000000', instanceId: 'replayed-1' });
      const before = await v1Snapshot(store);
      expect(await assertV1Conforms(undefined, await v1Raw(server, query))).toEqual({ resultCode: '000001', resultMsg: 'authToken was already used' });
      expect(await v1Snapshot(store)).toEqual(before);
    });

    it('refuses concurrent copies of one authToken but once', async () => {
      const server = startTestServer(store, { now });
      const query = v1Query({ activity: 'queryInstance', instanceId: 'never-created' }, { at: now });
      const codes = await Promise.all(Array.from({ length: 8 }, async () => (await assertV1Conforms('queryInstance', await v1Raw(server, query))).resultCode));
      expect(codes.sort()).toEqual(['000001', '000001', '000001', '000001', '000001', '000001', '000001', '000003']);
    });

    it('shares used authTokens between replicas on one database, in the nonce space of their key', async () => {
      const replicaA = startTestServer(store, { now });
      const replicaB = startTestServer(store, { now });
      const query = v1Query({ activity: 'queryInstance', instanceId: 'never-created' }, { at: now });
      expect(await assertV1Conforms('queryInstance', await v1Raw(replicaA, query))).toMatchObject({ resultCode: '000003' });
      expect(await assertV1Conforms(undefined, await v1Raw(replicaB, query))).toMatchObject({ resultCode: '000001' });
      const token = new URLSearchParams(query).get('authToken')!;
      expect(await store.db.selectFrom('nonces').select(['scope', 'expires_at']).where('nonce', '=', token).execute()).toEqual([
        { scope: nonceScope(ACCESS_KEY), expires_at: now + 120_000 },
      ]);
    });
  });

  it('signs every answer with Body-Sign over the exact bytes, refusals included, even with BODY_SIGN=false (V2.0’s setting)', async () => {
    for (const config of [{}, { bodySign: false }]) {
      const server = startTestServer(store, { config });
      for (const query of [v1Query({ activity: 'queryInstance', instanceId: 'nope' }, { at: server.clock.now }), 'activity=queryInstance', '']) {
        const response = await v1Raw(server, query);
        const bytes = new Uint8Array(await response.arrayBuffer());
        expect(response.headers.get('body-sign')).toBe(expectedBodySign(ACCESS_KEY, bytes));
      }
    }
  });
});
