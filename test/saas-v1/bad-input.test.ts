import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encryptCredential } from '../../src/crypto/aes-credentials.js';
import { authToken } from '../../src/crypto/auth-token.js';
import { assertV1Conforms, v1BusinessState, v1Call, v1Query, v1Raw, v1Snapshot, v1TimeStamp } from '../support/saas-v1.js';
import { ACCESS_KEY, startTestServer, type TestServer } from '../support/server.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';

const create = { activity: 'newInstance', businessId: 'bad-1', customerId: 'cust-bad', orderId: 'CSBADV10001' };
const refresh = { activity: 'refreshInstance', instanceId: 'live-v1', orderId: 'CSBADV1R001', expireTime: '20271124023618' };
const upgrade = { activity: 'upgrade', instanceId: 'live-v1', orderId: 'CSBADV1U001', skuCode: 'sku-1', productId: 'OFFI0001' };
const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
// A fixed IV keeps each ciphertext, and so each outcome, the same on every run.
const IV = 'Ab3dEf6hIj9lMn2p';
const sealed = (plaintext: string, key = ACCESS_KEY) => encryptCredential(key, '1', plaintext, IV);
const ids = (n: number) => Array.from({ length: n }, (_, i) => `inst-${i}`).join(',');

// Each row: what is wrong, the parameters (signed as sent), the activity the answer is checked against, the message.
const BAD_QUERIES: [string, Record<string, string>, string | undefined, RegExp][] = [
  ['no activity', { orderId: 'X' }, undefined, /query has no activity/],
  ['unknown activity', { ...create, activity: 'deleteEverything' }, undefined, /unknown activity "deleteEverything"/],
  ['a V2.0 activity on the V1.0 interface', { activity: 'updateInstanceStatus', instanceId: 'live-v1', status: 'FREEZE' }, undefined, /unknown activity/],
  ['activity in the wrong case', { ...create, activity: 'NEWINSTANCE' }, undefined, /unknown activity/],
  ['newInstance without orderId', { ...create, orderId: undefined! }, 'newInstance', /missing "orderId"/],
  ['newInstance without customerId', { ...create, customerId: undefined! }, 'newInstance', /missing "customerId"/],
  ['newInstance without businessId', { ...create, businessId: undefined! }, 'newInstance', /missing "businessId"/],
  ['a V2.0 field (orderLineId)', { ...create, orderLineId: 'CSBADV10001-000001' }, 'newInstance', /unknown field "orderLineId"/],
  ['a field of another activity (instanceId on newInstance)', { ...create, instanceId: 'live-v1' }, 'newInstance', /unknown field "instanceId"/],
  ['expireTime in ISO 8601', { ...create, expireTime: '2027-11-24T02:36:18Z' }, 'newInstance', /expireTime/],
  ['expireTime of 13 digits', { ...refresh, expireTime: '2027112402361' }, 'refreshInstance', /expireTime/],
  ['expireTime 31 February on newInstance', { ...create, expireTime: '20270231000000' }, 'newInstance', /expireTime is not a real UTC date/],
  ['expireTime 31 February on refreshInstance', { ...refresh, expireTime: '20270231000000' }, 'refreshInstance', /expireTime is not a real UTC date/],
  ['refreshInstance without expireTime', { ...refresh, expireTime: undefined! }, 'refreshInstance', /missing "expireTime"/],
  ['trialToFormal 2', { ...refresh, trialToFormal: '2' }, 'refreshInstance', /trialToFormal/],
  ['saasExtendParams not Base64', { ...create, saasExtendParams: 'not base64!' }, 'newInstance', /saasExtendParams/],
  ['saasExtendParams Base64 with broken padding', { ...create, saasExtendParams: 'W3sibmFtZSI6In0' }, 'newInstance', /saasExtendParams is not the Base64/],
  [
    'saasExtendParams Base64 of text that is not JSON',
    { ...create, saasExtendParams: base64('region=north') },
    'newInstance',
    /saasExtendParams is not the Base64/,
  ],
  [
    'saasExtendParams Base64 of a JSON object',
    { ...create, saasExtendParams: base64('{"name":"a","value":"b"}') },
    'newInstance',
    /saasExtendParams is not the Base64/,
  ],
  ['saasExtendParams entry without a name', { ...create, saasExtendParams: base64('[{"value":"b"}]') }, 'newInstance', /saasExtendParams is not the Base64/],
  [
    'saasExtendParams value that is a number',
    { ...create, saasExtendParams: base64('[{"name":"seats","value":10}]') },
    'newInstance',
    /saasExtendParams is not the Base64/,
  ],
  [
    'saasExtendParams of invalid UTF-8',
    { ...create, saasExtendParams: Buffer.from([0x5b, 0xff, 0x5d]).toString('base64') },
    'newInstance',
    /saasExtendParams is not the Base64/,
  ],
  ['email encrypted with another key', { ...create, email: sealed('buyer@example.com', 'another-key-123456') }, 'newInstance', /email cannot be decrypted/],
  [
    'email with a tampered ciphertext',
    { ...create, email: sealed('buyer@example.com').replace(/.(.{4})$/, (_, tail) => `A${tail}`) },
    'newInstance',
    /email cannot be decrypted/,
  ],
  ['email ciphertext of a length no block has', { ...create, email: `${IV}${base64('short')}` }, 'newInstance', /email cannot be decrypted/],
  ['email in plain text', { ...create, email: 'buyer@example.com' }, 'newInstance', /email/],
  [
    'mobilePhone encrypted with AES-128 (encryptType 2)',
    { ...create, mobilePhone: encryptCredential(ACCESS_KEY, '2', '13800138000', IV) },
    'newInstance',
    /mobilePhone cannot be decrypted/,
  ],
  ['customerName of 65 characters', { ...create, customerName: '名'.repeat(65) }, 'newInstance', /customerName/],
  ['customerName with a line break', { ...create, customerName: 'Zhang\nSan' }, 'newInstance', /customerName/],
  ['customerId of 101 characters', { ...create, customerId: 'c'.repeat(101) }, 'newInstance', /customerId/],
  ['orderId of 65 characters', { ...create, orderId: 'C'.repeat(65) }, 'newInstance', /orderId/],
  ['businessId of 65 characters', { ...create, businessId: 'b'.repeat(65) }, 'newInstance', /businessId/],
  ['userName of 65 characters', { ...create, userName: 'u'.repeat(65) }, 'newInstance', /userName/],
  ['email of 513 characters', { ...create, email: `${IV}${'A'.repeat(497)}` }, 'newInstance', /email/],
  ['saasExtendParams of 8193 characters', { ...create, saasExtendParams: 'A'.repeat(8193) }, 'newInstance', /saasExtendParams/],
  ['amount of 8 digits', { ...create, amount: '12345678' }, 'newInstance', /amount/],
  ['diskSize negative', { ...upgrade, diskSize: '-1' }, 'upgrade', /diskSize/],
  ['periodType week', { ...create, periodType: 'week' }, 'newInstance', /periodType/],
  ['periodNumber 0', { ...create, periodNumber: '0' }, 'newInstance', /periodNumber/],
  ['orderAmount negative on newInstance', { ...create, orderAmount: '-1' }, 'newInstance', /orderAmount/],
  ['orderAmount with 4 decimals', { ...refresh, orderAmount: '1.2345' }, 'refreshInstance', /orderAmount/],
  ['orderAmount with a comma', { ...create, orderAmount: '1,5' }, 'newInstance', /orderAmount/],
  ['chargingMode not a number', { ...create, chargingMode: 'PERIOD' }, 'newInstance', /chargingMode/],
  ['testFlag 2', { ...create, testFlag: '2' }, 'newInstance', /testFlag/],
  ['trialFlag yes', { ...create, trialFlag: 'yes' }, 'newInstance', /trialFlag/],
  [
    'instanceStatus UNFREEZE (the V2.0 value)',
    { activity: 'instanceStatus', instanceId: 'live-v1', instanceStatus: 'UNFREEZE' },
    'instanceStatus',
    /instanceStatus/,
  ],
  ['instanceStatus without instanceStatus', { activity: 'instanceStatus', instanceId: 'live-v1' }, 'instanceStatus', /missing "instanceStatus"/],
  ['expireInstance without orderId', { activity: 'expireInstance', instanceId: 'live-v1' }, 'expireInstance', /missing "orderId"/],
  [
    'releaseInstance with an instanceId list',
    { activity: 'releaseInstance', instanceId: 'live-v1,other', orderId: 'CSBADV1X001' },
    'releaseInstance',
    /instanceId/,
  ],
  ['upgrade without skuCode', { ...upgrade, skuCode: undefined! }, 'upgrade', /missing "skuCode"/],
  ['101 instance IDs', { activity: 'queryInstance', instanceId: ids(101) }, 'queryInstance', /instanceId/],
  ['customerName holding U+0000 (PostgreSQL text cannot hold it)', { ...create, customerName: 'Zhang\u0000' }, 'newInstance', /holds U\+0000/],
  ['instance IDs with a blank after the comma', { activity: 'queryInstance', instanceId: 'live-v1, other' }, 'queryInstance', /instanceId/],
];

// Rows that break only kgkit's level (x-kgkit-strict): the default server serves them (docs/decisions.md#16); one with
// STRICT_REQUESTS=true refuses them like the rest.
const KGKIT_LEVEL = new Set([
  'a V2.0 field (orderLineId)',
  'a field of another activity (instanceId on newInstance)',
  'customerName with a line break',
  'testFlag 2',
  'releaseInstance with an instanceId list',
  'instance IDs with a blank after the comma',
]);

describe.each(DIALECTS)('SaaS V1.0 bad input on %s', (dialect) => {
  let store: TestStore;
  let server: TestServer;
  let strict: TestServer;
  beforeAll(async () => {
    store = await openTestStore(dialect);
    server = startTestServer(store);
    strict = startTestServer(store, { config: { strictRequests: true } });
    // Something to break: a live instance the bad calls name.
    await v1Call(server, { activity: 'newInstance', businessId: 'live-v1', customerId: 'cust-live', orderId: 'CSLIVEV10001' });
  });
  afterAll(async () => store.dispose());

  const lastEvent = () => store.db.selectFrom('events').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
  const withoutUndefined = (params: Record<string, string>) => Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined));

  // A correctly signed request is genuine: its authToken is remembered and the audit trail records it with its 000002.
  // What the marketplace bought (instances, applied orders, V1.0 order details) must not change.
  it.each(BAD_QUERIES)('%s → 000002, HTTP 200 JSON with Body-Sign, nothing stored', async (name, params, activity, message) => {
    const before = await v1BusinessState(store);
    const on = KGKIT_LEVEL.has(name) ? strict : server;
    const json = await assertV1Conforms(activity, await v1Raw(on, v1Query(withoutUndefined(params), { at: on.clock.now })));
    expect(json.resultCode).toBe('000002');
    expect(json.resultMsg).toMatch(message);
    expect(json.resultMsg).not.toMatch(/at .*\.ts|Error:/);
    expect(await v1BusinessState(store)).toEqual(before);
    expect(await lastEvent()).toMatchObject({ family: 'saas-v1', result_code: '000002', activity: activity ?? 'unknown' });
  });

  it('treats a parameter sent empty as absent (it is still covered by the authToken)', async () => {
    const { json } = await v1Call(server, {
      activity: 'newInstance',
      businessId: 'empty-1',
      customerId: 'cust-1',
      orderId: 'CSEMPTYV1001',
      email: '',
      mobilePhone: '',
      customerName: '',
    });
    expect(json).toMatchObject({ resultCode: '000000', instanceId: 'empty-1' });
    expect(
      await store.db.selectFrom('saas_v1_orders').select(['email', 'mobile_phone', 'customer_name']).where('instance_id', '=', 'empty-1').executeTakeFirst(),
    ).toEqual({
      email: null,
      mobile_phone: null,
      customer_name: null,
    });
  });

  it('reads a parameter sent twice with its first value, for the authToken and the call alike', async () => {
    const params = { activity: 'queryInstance', instanceId: 'live-v1', timeStamp: v1TimeStamp(server.clock.now - 7) };
    const query = `${new URLSearchParams({ ...params, authToken: authToken(ACCESS_KEY, params.timeStamp, params) })}&instanceId=nope`;
    expect(await assertV1Conforms('queryInstance', await v1Raw(server, query))).toMatchObject({ resultCode: '000000', info: [{ instanceId: 'live-v1' }] });
  });

  it('answers 000005 without details, with Body-Sign, when the store fails, and keeps working afterwards', async () => {
    const failing = startTestServer(store);
    const original = failing.lifecycle.create.bind(failing.lifecycle);
    failing.lifecycle.create = async () => {
      throw new Error('relation "instances" does not exist at /srv/app/store.ts:12');
    };
    const before = await v1BusinessState(store);
    const { json } = await v1Call(failing, { ...create, businessId: 'bad-5' });
    expect(json).toEqual({ resultCode: '000005', resultMsg: 'internal error' });
    expect(await v1BusinessState(store)).toEqual(before);
    failing.lifecycle.create = original;
    expect((await v1Call(failing, { ...create, businessId: 'bad-6' })).json).toMatchObject({ resultCode: '000000', instanceId: 'bad-6' });
  });

  it('answers a POST on the V1.0 path with a JSON 404 and leaves nothing behind', async () => {
    const before = await v1Snapshot(store);
    const response = await server.app.request(`/saas-v1?${v1Query(create, { at: server.clock.now })}`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ resultCode: '000002' });
    expect(await v1Snapshot(store)).toEqual(before);
  });
});
