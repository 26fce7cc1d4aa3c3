import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_TOKEN, type ConsoleWorld, SEEDED, WORLD_START, consoleWorld, seed } from '../support/console-world.js';
import { assertSchema } from '../support/family-contract.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';

// What an operator reads and steers through the kgkit API (the console's only way in): every answer is checked against
// openapi/kgkit.
const RESPONSES: Record<string, string> = {
  '/kgkit/v1/instances': 'ListInstancesResponse',
  '/kgkit/v1/events': 'ListEventsResponse',
  '/kgkit/v1/refusals': 'ListRefusalsResponse',
  '/kgkit/v1/kit-tenants': 'ListKitTenantsResponse',
  '/kgkit/v1/kit-directory': 'GetKitDirectoryResponse',
  '/kgkit/v1/usage-records': 'ListUsageRecordsResponse',
  '/kgkit/v1/license-uploads': 'ListLicenseUploadsResponse',
  '/kgkit/v1/usage-records/retry': 'UsageRecordActionResponse',
  '/kgkit/v1/usage-records/give-up': 'UsageRecordActionResponse',
};

describe.each(DIALECTS)('the operator API on %s', (dialect) => {
  let store: TestStore;
  let world: ConsoleWorld;

  const call = async (path: string, body?: unknown) => {
    const response = await world.app.request(path, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${CONSOLE_TOKEN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    expect(response.status).toBe(200);
    const json = (await response.json()) as Record<string, any>;
    assertSchema('kgkit', RESPONSES[path.split('?')[0]!]!, json);
    return json;
  };

  beforeAll(async () => {
    store = await openTestStore(dialect);
    world = consoleWorld(store);
  });
  afterAll(async () => store.dispose());

  it('answers every list of an empty store', async () => {
    expect(await call('/kgkit/v1/instances')).toMatchObject({ resultCode: '000000', total: 0, instances: [], counts: { active: 0, frozen: 0 } });
    expect(await call('/kgkit/v1/events')).toMatchObject({ resultCode: '000000', hasMore: false, events: [] });
    expect(await call('/kgkit/v1/refusals')).toMatchObject({ resultCode: '000000', refused: 0, groups: [] });
    expect(await call('/kgkit/v1/kit-tenants')).toMatchObject({ resultCode: '000000', total: 0, tenants: [] });
    expect(await call(`/kgkit/v1/kit-directory?instanceId=&tenantId=${SEEDED.tenantId}`)).toMatchObject({ resultCode: '000003' });
    expect(await call('/kgkit/v1/usage-records/retry', { meteringSns: ['nope'] })).toMatchObject({ results: [{ meteringSn: 'nope', status: 'unknown' }] });
  });

  it('lists the seeded instances with their state, filtered and paged', async () => {
    await seed(world);
    const all = await call('/kgkit/v1/instances');
    expect(all).toMatchObject({ total: 4, counts: { provisioning: 0, active: 3, failed: 0, released: 1, frozen: 1 } });
    expect(all.instances.map((i: { instanceId: string }) => i.instanceId).sort()).toEqual(
      [SEEDED.released, SEEDED.frozen, SEEDED.payPerUse, SEEDED.yearly].sort(),
    );
    expect((await call('/kgkit/v1/instances?frozen=true')).instances).toMatchObject([{ instanceId: SEEDED.frozen, frozen: true, state: 'active' }]);
    expect((await call('/kgkit/v1/instances?state=released')).instances).toMatchObject([{ instanceId: SEEDED.released }]);
    expect((await call(`/kgkit/v1/instances?instanceId=${SEEDED.yearly}`)).instances).toMatchObject([
      { productId: 'OFFI820112655598186496', expiresAt: '2027-11-21T01:00:00.000Z' },
    ]);
    const pages = [await call('/kgkit/v1/instances?limit=3'), await call('/kgkit/v1/instances?limit=3&offset=3')];
    expect(pages.map((p) => [p.total, p.instances.length])).toEqual([
      [4, 3],
      [4, 1],
    ]);
    expect(JSON.stringify(all)).not.toContain('password');
  });

  it('lists the audit trail of an instance and finds a refused call by its reason', async () => {
    const trail = await call(`/kgkit/v1/events?instanceId=${SEEDED.yearly}`);
    expect(trail.events.map((e: { activity: string; code: string }) => `${e.activity} ${e.code}`)).toEqual([
      'refreshInstance 000002',
      'refreshInstance 000000',
      'newInstance 000000',
    ]);
    const refusals = await call(`/kgkit/v1/refusals?reason=${SEEDED.refusedReason.toUpperCase()}`);
    expect(refusals).toMatchObject({ refused: 1, groups: [{ family: 'saas-v2', activity: 'refreshInstance', code: '000002', calls: 1 }] });
    const reason = refusals.groups[0].reason as string;
    expect(reason).toContain(SEEDED.refusedReason);
    const found = await call(`/kgkit/v1/events?outcome=refused&reason=${encodeURIComponent(reason)}`);
    expect(found.events).toMatchObject([{ instanceId: SEEDED.yearly, code: '000002' }]);
    expect((await call('/kgkit/v1/refusals')).groups.map((g: { code: string }) => g.code).sort()).toEqual(['000002', '000003']);
    expect((await call('/kgkit/v1/events?outcome=accepted&limit=2')).hasMore).toBe(true);
    // % and _ are text in a reason, not wildcards.
    expect((await call('/kgkit/v1/events?reason=%25')).events).toEqual([]);
  });

  it('lists the Kit tenants and one tenant directory without its secrets', async () => {
    expect(await call('/kgkit/v1/kit-tenants')).toMatchObject({ total: 1, tenants: [{ tenantId: SEEDED.tenantId, applications: 1, users: 3, orgUnits: 3 }] });
    const directory = await call(`/kgkit/v1/kit-directory?instanceId=${SEEDED.kitInstance}&tenantId=${SEEDED.tenantId}`);
    expect(directory).toMatchObject({ resultCode: '000000', applications: [{ appId: 'app-0001', clientId: 'client-0001' }] });
    expect(directory.users).toHaveLength(3);
    expect(directory.orgUnits).toEqual([
      { orgCode: '10000', orgName: '总部' },
      { orgCode: '10001', orgName: '研发部', parentCode: '10000' },
      { orgCode: '10002', orgName: '市场部', parentCode: '10000' },
    ]);
    expect(JSON.stringify(directory)).not.toMatch(/clientSecret|secret/i);
  });

  it('retries a refused record once the marketplace knows its instance, and gives up a pending one', async () => {
    const records = (await call('/kgkit/v1/usage-records?instanceId=ppu-1')).records as { meteringSn: string; state: string; lastCode?: string }[];
    const rejected = records.find((r) => r.state === 'rejected')!;
    const pending = records.find((r) => r.state === 'pending')!;
    const sent = records.find((r) => r.state === 'sent')!;
    expect([rejected.lastCode, pending.lastCode]).toEqual(['MKT.9001', 'MKT.0999']);

    // Without a running meter the retry only makes the records due.
    expect(await call('/kgkit/v1/usage-records/retry', { meteringSns: [rejected.meteringSn, sent.meteringSn, 'nope'] })).toMatchObject({
      results: [
        {
          meteringSn: rejected.meteringSn,
          status: 'retried',
          record: { state: 'pending', nextAttemptAt: new Date(WORLD_START + 11 * 3_600_000).toISOString() },
        },
        { meteringSn: sent.meteringSn, status: 'refused', message: 'the marketplace accepted this record already', record: { state: 'sent' } },
        { meteringSn: 'nope', status: 'unknown' },
      ],
    });
    expect(await call('/kgkit/v1/usage-records/give-up', { meteringSns: [pending.meteringSn, sent.meteringSn], reason: 'a test instance' })).toMatchObject({
      results: [
        { status: 'given-up', record: { state: 'rejected', lastCode: 'GIVEN_UP', lastError: 'given up by an operator: a test instance' } },
        { status: 'refused', message: 'it is sent, not pending: there is nothing to stop' },
      ],
    });

    // With the meter running, a retry sends at once and answers how it went.
    const stop = world.meter.start({ intervalMs: 3_600_000, pushUsage: world.double.push });
    try {
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await call('/kgkit/v1/usage-records/retry', { meteringSns: [pending.meteringSn] })).toMatchObject({
        results: [{ status: 'retried', record: { state: 'sent' } }],
      });
      expect(world.double.billed.has(pending.meteringSn)).toBe(true);
    } finally {
      await stop();
    }
  });

  it.each([
    ['/kgkit/v1/instances?state=ACTIVE'],
    ['/kgkit/v1/instances?frozen=yes'],
    ['/kgkit/v1/instances?offset=-1'],
    ['/kgkit/v1/instances?offset=1000000'],
    ['/kgkit/v1/instances?instanceId=a%20b'],
    ['/kgkit/v1/events?family=saas'],
    ['/kgkit/v1/events?outcome=maybe'],
    ['/kgkit/v1/events?reason='],
    ['/kgkit/v1/events?reason=a%0Ab'],
    [`/kgkit/v1/events?reason=${'r'.repeat(256)}`],
    ['/kgkit/v1/refusals?days=0'],
    ['/kgkit/v1/refusals?days=1000'],
    ['/kgkit/v1/kit-directory?tenantId=t-1'],
    ['/kgkit/v1/kit-tenants?tenantId=%E7%A7%9F'],
  ])('refuses the query %s with 000002', async (path) => {
    expect((await call(path)).resultCode).toBe('000002');
  });

  it.each([
    ['no records', { meteringSns: [] }],
    ['101 records', { meteringSns: Array.from({ length: 101 }, (_, i) => `sn-${i}`) }],
    ['the same record twice', { meteringSns: ['sn-1', 'sn-1'] }],
    ['a metering_sn with a space', { meteringSns: ['sn 1'] }],
    ['an unknown field', { meteringSns: ['sn-1'], force: true }],
  ])('refuses a retry with %s with 000002', async (_, body) => {
    expect((await call('/kgkit/v1/usage-records/retry', body)).resultCode).toBe('000002');
  });

  it.each([
    ['an empty reason', { meteringSns: ['sn-1'], reason: '' }],
    ['a reason of 201 characters', { meteringSns: ['sn-1'], reason: 'r'.repeat(201) }],
    ['a reason with a line break', { meteringSns: ['sn-1'], reason: 'a\nb' }],
  ])('refuses a give-up with %s with 000002', async (_, body) => {
    expect((await call('/kgkit/v1/usage-records/give-up', body)).resultCode).toBe('000002');
  });
});
