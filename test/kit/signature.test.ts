import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenantDirectoryReader } from '../../src/tenants/directory-reader.js';
import {
  KIT_RSA_PRIVATE_KEY,
  assertKitConforms,
  authTokenHeader,
  kitFixtures,
  kitSnapshot,
  kitTimeStamp,
  startKitServer,
  xSignHeaders,
} from '../support/kit.js';
import { tenant } from '../support/kit-bodies.js';
import { KEYS, TEST_DATA_KEYS, signedQuery, startTestServer } from '../support/server.js';
import { DIALECTS, type TestStore, openTestStore } from '../support/stores.js';

// Requests signed outside the project: test/fixtures/crypto/KitFixtures.java (JDK only) made kit-fixtures.json.
const NOW = Date.UTC(2026, 10, 21, 9, 0, 0);
/** Epoch ms of a Kit `timeStamp` (yyyyMMddHHmmssSSS, UTC+8). */
const fromKitTimeStamp = (t: string) =>
  Date.UTC(+t.slice(0, 4), +t.slice(4, 6) - 1, +t.slice(6, 8), +t.slice(8, 10), +t.slice(10, 12), +t.slice(12, 14), +t.slice(14, 17)) - 8 * 3_600_000;

describe.each(DIALECTS)('Kit signatures on %s', (dialect) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore(dialect);
  });
  afterAll(async () => store.dispose());

  describe('V2 x-sign (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649476.html)', () => {
    it.each(kitFixtures.xSign.map((c) => [c.name, c] as const))(
      'accepts the Java signature of: %s (canonical, raw bytes, lower-case hex)',
      async (_name, fixture) => {
        const server = startKitServer(store, {
          now: Number(fixture.timestamp),
          config: { kit: { accessKey: fixture.accessKey, rsaPrivateKeyPem: KIT_RSA_PRIVATE_KEY } },
        });
        for (const signature of [fixture.signatureOverCanonical, fixture.signatureOverRaw, fixture.signatureOverCanonical.toLowerCase()]) {
          // The fixture's nonce is part of what Java signed: forget it between the attempts.
          await store.db.deleteFrom('nonces').execute();
          const response = await server.post('v2', fixture.operation, fixture.body, {
            'x-sign': signature,
            'x-timestamp': fixture.timestamp,
            'x-nonce': fixture.nonce,
          });
          const json = (await response.json()) as { resultCode: string; resultMsg: string };
          assertKitConforms('v2', fixture.operation, json, response);
          // One fixture carries null and unknown members on purpose: past the check, validation answers 000002.
          expect(json.resultCode).toBe(fixture.name.startsWith('null members') ? '000002' : '000000');
          expect(json.resultMsg).not.toMatch(/sign|timestamp|nonce/);
        }
      },
    );

    it('stores the Java-encrypted clientSecret of a Java-signed applicationSync, decrypted', async () => {
      const fixture = kitFixtures.xSign.find((c) => c.operation === 'applicationSync')!;
      const server = startKitServer(store, {
        now: Number(fixture.timestamp),
        config: { kit: { accessKey: fixture.accessKey, rsaPrivateKeyPem: KIT_RSA_PRIVATE_KEY } },
      });
      await store.db.deleteFrom('nonces').execute();
      await server.post('v2', 'applicationSync', fixture.body, {
        'x-sign': fixture.signatureOverRaw,
        'x-timestamp': fixture.timestamp,
        'x-nonce': fixture.nonce,
      });
      const application = await tenantDirectoryReader(store.db, TEST_DATA_KEYS).findApplication('68cbc86abc2018ab880d92f36422fa0e');
      expect(application?.clientSecret).toBe('kit-client-secret-0001');
    });

    const body = JSON.stringify(tenant({ tenantId: 'refused-tenant' }));
    const REFUSALS: [string, '000001' | '000002', () => { body: string; headers: Record<string, string> }][] = [
      [
        'one byte of the body changed after signing',
        '000001',
        () => ({ body: body.replace('refused-tenant', 'refused-tenanT'), headers: xSignHeaders(body, { timestamp: NOW }) }),
      ],
      ['signed with the basic interfaces key', '000001', () => ({ body, headers: xSignHeaders(body, { timestamp: NOW, key: KEYS.basic }) })],
      ['signed with another key', '000001', () => ({ body, headers: xSignHeaders(body, { timestamp: NOW, key: 'another-kit-key-123' }) })],
      [
        'signed the basic way (inner HMAC)',
        '000001',
        () => {
          const q = new URLSearchParams(signedQuery(body, { timestamp: NOW, key: KEYS.kit }));
          return { body, headers: { 'x-sign': q.get('signature')!, 'x-timestamp': q.get('timestamp')!, 'x-nonce': q.get('nonce')! } };
        },
      ],
      ['x-sign missing', '000001', () => ({ body, headers: { ...xSignHeaders(body, { timestamp: NOW }), 'x-sign': '' } })],
      ['x-sign not hex', '000001', () => ({ body, headers: { ...xSignHeaders(body, { timestamp: NOW }), 'x-sign': 'zz'.repeat(32) } })],
      ['a body that is not JSON, with the signature of another body', '000001', () => ({ body: '{"flag":', headers: xSignHeaders(body, { timestamp: NOW }) })],
      ['x-timestamp 61 s old', '000002', () => ({ body, headers: xSignHeaders(body, { timestamp: NOW - 61_000 }) })],
      ['x-timestamp 61 s ahead', '000002', () => ({ body, headers: xSignHeaders(body, { timestamp: NOW + 61_000 }) })],
      ['x-timestamp in seconds', '000002', () => ({ body, headers: xSignHeaders(body, { timestamp: Math.floor(NOW / 1000) }) })],
      ['x-timestamp missing', '000002', () => ({ body, headers: { ...xSignHeaders(body, { timestamp: NOW }), 'x-timestamp': '' } })],
      ['x-timestamp not a number', '000002', () => ({ body, headers: { ...xSignHeaders(body, { timestamp: NOW }), 'x-timestamp': 'yesterday' } })],
      ['x-nonce missing', '000002', () => ({ body, headers: { ...xSignHeaders(body, { timestamp: NOW }), 'x-nonce': '' } })],
    ];

    it.each(REFUSALS)('refuses %s with %s and leaves no trace, nonce included', async (_name, code, make) => {
      const server = startKitServer(store, { now: NOW });
      const before = await kitSnapshot(store);
      const request = make();
      const response = await server.post('v2', 'tenantSync', request.body, request.headers);
      const json = await response.json();
      assertKitConforms('v2', 'tenantSync', json, response);
      expect(json).toMatchObject({ resultCode: code });
      expect(await kitSnapshot(store)).toEqual(before);
    });

    it('refuses a replayed nonce with 000001; the call ran once', async () => {
      const server = startKitServer(store, { now: NOW });
      const headers = xSignHeaders(body, { timestamp: NOW, nonce: 'KITREPLAY0001' });
      expect(await (await server.post('v2', 'tenantSync', body, headers)).json()).toMatchObject({ resultCode: '000000' });
      const before = await kitSnapshot(store);
      const replay = await server.post('v2', 'tenantSync', body, headers);
      const json = await replay.json();
      assertKitConforms('v2', 'tenantSync', json, replay);
      expect(json).toEqual({ resultCode: '000001', resultMsg: 'nonce was already used' });
      expect(await kitSnapshot(store)).toEqual(before);
    });

    it('shares nonces between replicas, and keeps them apart from the basic interfaces', async () => {
      const [a, b] = [startKitServer(store, { now: NOW }), startKitServer(store, { now: NOW })];
      const headers = xSignHeaders(body, { timestamp: NOW, nonce: 'KITSHARED0001' });
      expect(await (await a.post('v2', 'tenantSync', body, headers)).json()).toMatchObject({ resultCode: '000000' });
      expect(await (await b.post('v2', 'tenantSync', body, headers)).json()).toMatchObject({ resultCode: '000001' });
      const basic = startTestServer(store, { now: NOW });
      const query = JSON.stringify({ activity: 'queryInstance', instanceId: 'nope' });
      expect(await (await basic.raw(query, signedQuery(query, { timestamp: NOW, nonce: 'KITSHARED0001' }))).json()).toMatchObject({ resultCode: '000003' });
    });

    it('signs V2 answers with Body-Sign (Kit key) when BODY_SIGN is true, refusals included; not when false', async () => {
      for (const headers of [xSignHeaders(body, { timestamp: NOW }), { 'x-sign': '00', 'x-timestamp': String(NOW), 'x-nonce': 'x' }]) {
        const response = await startKitServer(store, { now: NOW }).post('v2', 'tenantSync', body, headers);
        const expected = createHmac('sha256', KEYS.kit)
          .update(Buffer.from(await response.arrayBuffer()))
          .digest('base64');
        expect(response.headers.get('body-sign')).toBe(`sign_type="HMAC-SHA256", signature="${expected}"`);
      }
      const unsigned = startKitServer(store, { now: NOW, config: { bodySign: false } });
      expect((await unsigned.post('v2', 'tenantSync', body, xSignHeaders(body, { timestamp: NOW }))).headers.get('body-sign')).toBeNull();
    });
  });

  describe('V1 authToken (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649156.html, https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649109.html)', () => {
    it.each(kitFixtures.authToken.map((c) => [c.name, c] as const))('accepts the Java authToken of: %s', async (_name, fixture) => {
      const server = startKitServer(store, {
        now: fromKitTimeStamp(fixture.timeStamp),
        config: { kit: { accessKey: fixture.accessKey, rsaPrivateKeyPem: KIT_RSA_PRIVATE_KEY } },
      });
      await store.db.deleteFrom('nonces').execute();
      const response = await server.post('v1', fixture.operation, fixture.body, { authToken: fixture.authToken });
      const json = await response.json();
      assertKitConforms('v1', fixture.operation, json, response);
      expect(json).toEqual({ resultCode: '000000', resultMsg: 'success' });
    });

    const signed = (over: Record<string, unknown> = {}) => ({ ...tenant({ tenantId: 'refused-v1' }), timeStamp: kitTimeStamp(NOW), ...over });
    const REFUSALS: [string, '000001' | '000002', () => { body: string; headers: Record<string, string> }][] = [
      [
        'one byte of the body changed after signing',
        '000001',
        () => ({ body: JSON.stringify(signed({ name: 'huaiweitesT' })), headers: authTokenHeader(signed()) }),
      ],
      ['flag changed after signing', '000001', () => ({ body: JSON.stringify(signed({ flag: 0 })), headers: authTokenHeader(signed()) })],
      ['signed with the basic interfaces key', '000001', () => ({ body: JSON.stringify(signed()), headers: authTokenHeader(signed(), KEYS.basic) })],
      ['signed with another key', '000001', () => ({ body: JSON.stringify(signed()), headers: authTokenHeader(signed(), 'another-kit-key-123') })],
      ['authToken missing', '000001', () => ({ body: JSON.stringify(signed()), headers: {} })],
      ['authToken not Base64', '000001', () => ({ body: JSON.stringify(signed()), headers: { authToken: '%%%' } })],
      [
        'timeStamp 61 s old',
        '000002',
        () => ({
          body: JSON.stringify(signed({ timeStamp: kitTimeStamp(NOW - 61_000) })),
          headers: authTokenHeader(signed({ timeStamp: kitTimeStamp(NOW - 61_000) })),
        }),
      ],
      [
        'timeStamp 61 s ahead',
        '000002',
        () => ({
          body: JSON.stringify(signed({ timeStamp: kitTimeStamp(NOW + 61_000) })),
          headers: authTokenHeader(signed({ timeStamp: kitTimeStamp(NOW + 61_000) })),
        }),
      ],
      [
        'timeStamp written in UTC instead of UTC+8',
        '000002',
        () => {
          const utc = new Date(NOW).toISOString().replace(/\D/g, '').slice(0, 17);
          return { body: JSON.stringify(signed({ timeStamp: utc })), headers: authTokenHeader(signed({ timeStamp: utc })) };
        },
      ],
      [
        'timeStamp not a date (month 13)',
        '000002',
        () => ({ body: JSON.stringify(signed({ timeStamp: '20261321170000000' })), headers: authTokenHeader(signed({ timeStamp: '20261321170000000' })) }),
      ],
      [
        'timeStamp missing',
        '000002',
        () => {
          const { timeStamp: _, ...rest } = signed();
          return { body: JSON.stringify(rest), headers: authTokenHeader(signed()) };
        },
      ],
      [
        'timeStamp an integer',
        '000002',
        () => ({ body: JSON.stringify(signed({ timeStamp: Number(kitTimeStamp(NOW)) })), headers: authTokenHeader(signed()) }),
      ],
      ['a body that is not JSON', '000002', () => ({ body: '{"timeStamp":', headers: authTokenHeader(signed()) })],
    ];

    it.each(REFUSALS)('refuses %s with %s and leaves no trace', async (_name, code, make) => {
      const server = startKitServer(store, { now: NOW });
      const before = await kitSnapshot(store);
      const request = make();
      const response = await server.post('v1', 'tenantSync', request.body, request.headers);
      const json = await response.json();
      assertKitConforms('v1', 'tenantSync', json, response);
      expect(json).toMatchObject({ resultCode: code });
      expect(await kitSnapshot(store)).toEqual(before);
    });

    it('refuses a replayed authToken with 000001; the call ran once; replicas share what they saw', async () => {
      const [a, b] = [startKitServer(store, { now: NOW }), startKitServer(store, { now: NOW })];
      const body = signed({ tenantId: 'replayed-v1' });
      const request = [JSON.stringify(body), authTokenHeader(body)] as const;
      expect(await (await a.post('v1', 'tenantSync', ...request)).json()).toMatchObject({ resultCode: '000000' });
      const before = await kitSnapshot(store);
      for (const replica of [a, b]) {
        const replay = await replica.post('v1', 'tenantSync', ...request);
        const json = await replay.json();
        assertKitConforms('v1', 'tenantSync', json, replay);
        expect(json).toEqual({ resultCode: '000001', resultMsg: 'authToken was already used' });
      }
      expect(await kitSnapshot(store)).toEqual(before);
    });
  });
});
