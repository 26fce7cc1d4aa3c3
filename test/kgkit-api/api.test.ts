import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { InstanceLifecycle } from '../../src/instances/lifecycle.js';
import { kgkitApiMount } from '../../src/kgkit-api/mount.js';
import { silentLogger } from '../../src/log.js';
import { sqlNonceRegistry } from '../../src/security/nonce-registry.js';
import { SqlInstanceRepository } from '../../src/store/instances.js';
import { UsageMeter } from '../../src/usage/meter.js';
import { assertSchema } from '../support/family-contract.js';
import { fakeProvisioner } from '../support/fake-provisioner.js';
import { TEST_CONFIG, TEST_DATA_KEYS } from '../support/server.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';

const TOKEN = 'test-api-token-0123456789-abcdef';
const RESPONSES: Record<string, string> = {
  '/kgkit/v1/usage-events': 'RecordUsageResponse',
  '/kgkit/v1/usage-records': 'ListUsageRecordsResponse',
  '/kgkit/v1/usage-records/seal': 'SealUsageResponse',
  '/kgkit/v1/order-lookups': 'ListOrderLookupsResponse',
  '/kgkit/v1/license-uploads': 'ListLicenseUploadsResponse',
};

describe.each(DIALECTS)('kgkit API on %s', (dialect) => {
  let store: TestStore;
  let app: ReturnType<typeof buildApp>;
  let clock: number;

  /** Sends a call; checks the answer against openapi/kgkit (200 answers) or the refusal schema (401). */
  const call = async (path: string, init: { method?: string; body?: unknown; raw?: string; token?: string | null } = {}) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (init.token !== null) headers.authorization = `Bearer ${init.token ?? TOKEN}`;
    const response = await app.request(path, {
      method: init.method ?? (init.body !== undefined || init.raw !== undefined ? 'POST' : 'GET'),
      headers,
      ...(init.raw !== undefined ? { body: init.raw } : init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
    const json = (await response.json()) as Record<string, any>;
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    assertSchema('kgkit', response.status === 401 ? 'RefusedResponse' : RESPONSES[path.split('?')[0]!]!, json);
    return { status: response.status, json };
  };

  beforeAll(async () => {
    store = await openTestStore(dialect);
    clock = Date.UTC(2026, 10, 21, 9, 0, 0);
    const now = () => clock;
    const lifecycle = new InstanceLifecycle({
      repository: new SqlInstanceRepository(store.db, TEST_DATA_KEYS),
      provisioner: fakeProvisioner().provisioner,
      now,
    });
    await lifecycle.create({ orderId: 'MOCKONDEMAND', orderLineId: 'MOCKONDEMAND-000001', businessId: 'ppu-1', test: false });
    const meter = new UsageMeter({ db: store.db, now });
    app = buildApp({
      config: { ...TEST_CONFIG, apiToken: TOKEN },
      db: store.db,
      lifecycle,
      nonces: sqlNonceRegistry(store.db),
      logger: silentLogger,
      now,
      families: [kgkitApiMount({ meter })],
    });
  });
  afterAll(async () => store.dispose());

  it('records usage events once each, and lists them as they are sealed into records', async () => {
    clock += 60_000;
    const events = [
      { eventId: 'e-1', instanceId: 'ppu-1', quantity: '12.5', occurredAt: '2026-11-21T09:00:30Z' },
      { eventId: 'e-2', instanceId: 'ppu-1', quantity: '7', occurredAt: '2026-11-21T09:00:40Z' },
    ];
    const first = await call('/kgkit/v1/usage-events', { body: { events } });
    expect(first.json).toMatchObject({
      resultCode: '000000',
      results: [
        { eventId: 'e-1', status: 'recorded' },
        { eventId: 'e-2', status: 'recorded' },
      ],
    });
    const again = await call('/kgkit/v1/usage-events', { body: { events } });
    expect(again.json.results.map((r: { status: string }) => r.status)).toEqual(['duplicate', 'duplicate']);
    const listed = await call('/kgkit/v1/usage-records?instanceId=ppu-1');
    expect(listed.json).toMatchObject({ resultCode: '000000', counts: { pending: 0, sent: 0, rejected: 0, expired: 0 }, openEvents: 2 });
  });

  it('refuses single events with their own code and keeps the others', async () => {
    const { json } = await call('/kgkit/v1/usage-events', {
      body: {
        events: [
          { eventId: 'u-1', instanceId: 'no-such-instance', quantity: '1' },
          { eventId: 'u-2', instanceId: 'ppu-1', quantity: '0' },
          { eventId: 'u-3', instanceId: 'ppu-1', quantity: '2' },
        ],
      },
    });
    expect(json.resultMsg).toBe('2 of 3 events refused; see results');
    expect(json.results.map((r: { status: string; resultCode: string }) => `${r.status}/${r.resultCode}`)).toEqual([
      'refused/000003',
      'refused/000002',
      'recorded/000000',
    ]);
  });

  it('seals the open window now (docs/decisions.md#25): one record ending at the current second, pending while kgkit does not push', async () => {
    const sealed = await call('/kgkit/v1/usage-records/seal', { body: { instanceId: 'ppu-1' } });
    expect(sealed.json).toEqual({
      resultCode: '000000',
      resultMsg: '1 record sealed, not pushed (USAGE_PUSH=false), 1 pending',
      sealed: 1,
      sent: 0,
      pending: 1,
      pushed: false,
    });
    const listed = await call('/kgkit/v1/usage-records?instanceId=ppu-1');
    expect(listed.json).toMatchObject({
      openEvents: 0,
      records: [{ beginTime: '20261121T090000Z', endTime: '20261121T090100Z', usageValue: '21.5', state: 'pending' }],
    });
    expect((await call('/kgkit/v1/usage-records/seal', { body: {} })).json).toMatchObject({ resultCode: '000000', sealed: 0, pending: 1 });
  });

  it.each([
    ['not JSON', { raw: '{"instanceId":' }],
    ['an array body', { body: [] }],
    ['an empty instanceId', { body: { instanceId: '' } }],
    ['two instances in one', { body: { instanceId: 'ppu-1,ppu-2' } }],
    ['a number', { body: { instanceId: 7 } }],
    ['null', { body: { instanceId: null } }],
    ['an unknown field', { body: { instanceId: 'ppu-1', window: 'hour' } }],
  ])('refuses to seal with %s: 000002, nothing sealed', async (_, init) => {
    const { status, json } = await call('/kgkit/v1/usage-records/seal', init);
    expect([status, json.resultCode]).toEqual([200, '000002']);
    expect(json.sealed).toBeUndefined();
  });

  it.each([
    ['no token', { token: null }],
    ['a wrong token', { token: 'x'.repeat(32) }],
    ['a token with a different length', { token: 'short' }],
  ])('refuses %s with 000001 and HTTP 401', async (_, init) => {
    for (const path of Object.keys(RESPONSES)) {
      const { status, json } = await call(path, {
        ...init,
        ...(path.endsWith('usage-events') ? { body: { events: [{ eventId: 'x', instanceId: 'ppu-1', quantity: '1' }] } } : {}),
        ...(path.endsWith('/seal') ? { body: {} } : {}),
      });
      expect([status, json.resultCode]).toEqual([401, '000001']);
    }
  });

  it.each([
    ['not JSON', { raw: '{"events":' }],
    ['an empty object', { body: {} }],
    ['no events', { body: { events: [] } }],
    ['1001 events', { body: { events: Array.from({ length: 1001 }, (_, i) => ({ eventId: `b-${i}`, instanceId: 'ppu-1', quantity: '1' })) } }],
    ['an unknown field', { body: { events: [{ eventId: 'b', instanceId: 'ppu-1', quantity: '1', unit: 'calls' }] } }],
    ['a negative quantity', { body: { events: [{ eventId: 'b', instanceId: 'ppu-1', quantity: -1 }] } }],
    ['a quantity with a unit', { body: { events: [{ eventId: 'b', instanceId: 'ppu-1', quantity: '1 GB' }] } }],
    ['a quantity with 5 decimals', { body: { events: [{ eventId: 'b', instanceId: 'ppu-1', quantity: '1.23456' }] } }],
    ['a date that is not RFC 3339', { body: { events: [{ eventId: 'b', instanceId: 'ppu-1', quantity: '1', occurredAt: 'yesterday' }] } }],
    ['an eventId with spaces', { body: { events: [{ eventId: 'a b', instanceId: 'ppu-1', quantity: '1' }] } }],
    ['an array body', { body: [] }],
  ])('refuses %s with 000002 and stores nothing', async (_, init) => {
    const before = await store.db
      .selectFrom('usage_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const { status, json } = await call('/kgkit/v1/usage-events', init);
    expect([status, json.resultCode]).toEqual([200, '000002']);
    const after = await store.db
      .selectFrom('usage_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  // The contract's quantity is a decimal string (openapi/kgkit UsageEvent): what is billed is what the product wrote,
  // never a float of the caller's. Anything else refuses the whole call, naming the field and the contract's example.
  const NOT_A_STRING = 'events.0.quantity must be string, such as "37.5"';
  const NOT_THE_FORM = 'events.0.quantity must match pattern "^(0|[1-9][0-9]{0,7})(\\.[0-9]{1,4})?$", such as "37.5"';
  it.each([
    ['a JSON number', 7, NOT_A_STRING],
    ['a JSON number with decimals', 12.5, NOT_A_STRING],
    ['a negative number', -1, NOT_A_STRING],
    ['null', null, NOT_A_STRING],
    ['a boolean', true, NOT_A_STRING],
    ['an object', { value: '1' }, NOT_A_STRING],
    ['a list', ['1'], NOT_A_STRING],
    ['an empty string', '', NOT_THE_FORM],
    ['an exponent', '1e3', NOT_THE_FORM],
    ['a leading zero', '01', NOT_THE_FORM],
    ['a space', ' 1', NOT_THE_FORM],
    ['a sign', '-1', NOT_THE_FORM],
    ['a trailing dot', '1.', NOT_THE_FORM],
    ['no whole part', '.5', NOT_THE_FORM],
    ['5 decimals', '1.23456', NOT_THE_FORM],
    ['more than 99999999.9999', '100000000', NOT_THE_FORM],
    ['a unit', '12.5 GB', NOT_THE_FORM],
  ])('refuses a quantity that is %s with 000002 and the reason, and stores nothing', async (_, quantity, reason) => {
    const count = async () =>
      Number(
        (
          await store.db
            .selectFrom('usage_events')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    const { status, json } = await call('/kgkit/v1/usage-events', { body: { events: [{ eventId: 'q-1', instanceId: 'ppu-1', quantity }] } });
    expect([status, json]).toEqual([200, { resultCode: '000002', resultMsg: reason }]);
    expect(await count()).toBe(before);
  });

  it.each([
    ['/kgkit/v1/usage-records?state=lost'],
    ['/kgkit/v1/usage-records?limit=-1'],
    ['/kgkit/v1/order-lookups?state=done'],
    ['/kgkit/v1/license-uploads?limit=ten'],
    ['/kgkit/v1/license-uploads?color=red'],
    ['/kgkit/v1/usage-records?limit=0'],
    ['/kgkit/v1/usage-records?limit=1001'],
    ['/kgkit/v1/usage-records?limit=0100'],
    ['/kgkit/v1/order-lookups?limit=9999'],
    ['/kgkit/v1/order-lookups?orderId=CS%20123'],
    ['/kgkit/v1/order-lookups?orderId=-CS123'],
    ['/kgkit/v1/order-lookups?instanceId=a%2Cb'],
    [`/kgkit/v1/order-lookups?instanceId=${'a'.repeat(65)}`],
    ['/kgkit/v1/usage-records?instanceId=%E5%AE%9E%E4%BE%8B'],
    ['/kgkit/v1/usage-records?instanceId='],
    ['/kgkit/v1/order-lookups?state=Pending'],
  ])('refuses the query %s with 000002', async (path) => {
    const { json } = await call(path);
    expect(json.resultCode).toBe('000002');
  });

  it('lists order lookups and License uploads', async () => {
    expect((await call('/kgkit/v1/order-lookups')).json).toMatchObject({ resultCode: '000000', counts: { pending: 0, found: 0, failed: 0 }, lookups: [] });
    expect((await call('/kgkit/v1/license-uploads?state=pending&limit=10')).json).toMatchObject({
      resultCode: '000000',
      counts: { pending: 0, uploaded: 0, rejected: 0, skipped: 0 },
      uploads: [],
    });
  });

  it.each([
    ['Bearer', 'the scheme as RFC 6750 writes it'],
    ['bearer', 'lower case (RFC 7235 §2.1: the scheme is case-insensitive)'],
    ['BEARER', 'upper case'],
    ['Bearer  ', 'two spaces before the token (1*SP)'],
  ])('accepts the scheme written %j: %s', async (scheme) => {
    const response = await app.request('/kgkit/v1/usage-records', { headers: { authorization: `${scheme} ${TOKEN}` } });
    expect(response.status).toBe(200);
  });

  it.each([
    ['Basic', `Basic ${TOKEN}`],
    ['no space', `Bearer${TOKEN}`],
    ['the token twice', `Bearer ${TOKEN} ${TOKEN}`],
  ])('refuses an Authorization header with %s', async (_name, authorization) => {
    const response = await app.request('/kgkit/v1/usage-records', { headers: { authorization } });
    expect(response.status).toBe(401);
  });

  it('answers 000001 for every call while KGKIT_API_TOKEN is not set', async () => {
    const lifecycle = new InstanceLifecycle({ repository: new SqlInstanceRepository(store.db, TEST_DATA_KEYS), provisioner: fakeProvisioner().provisioner });
    const off = buildApp({
      config: TEST_CONFIG,
      db: store.db,
      lifecycle,
      nonces: sqlNonceRegistry(store.db),
      logger: silentLogger,
      families: [kgkitApiMount({ meter: new UsageMeter({ db: store.db }) })],
    });
    const response = await off.request('/kgkit/v1/usage-records', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ resultCode: '000001', resultMsg: 'the kgkit API is off: set KGKIT_API_TOKEN' });
  });
});
