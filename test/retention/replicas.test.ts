import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Store, openStore } from '../../src/store/connect.js';
import { rememberNonce } from '../../src/store/nonces.js';
import { UsageMeter } from '../../src/usage/meter.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { addInstance } from '../usage/helpers.js';
import { DAY, NOW, auditEvent, jobOn, keysOf, licenseUpload, orderLookup, usageRecord } from './seed.js';

const OLD = NOW - 60 * DAY;
const INSTANCES = ['pay-a', 'pay-b', 'pay-c'];

/** Old rows of every kind, to be pruned, beside a few that must stay. */
async function seed(store: Store): Promise<void> {
  for (let i = 0; i < 40; i += 1) await auditEvent(store.db, `old-${String(i).padStart(2, '0')}`, OLD + i);
  for (const id of ['new-1', 'new-2']) await auditEvent(store.db, id, NOW);
  for (let i = 0; i < 30; i += 1) await rememberNonce(store.db, 'basic', `expired-${i}`, NOW - 1 - i);
  await rememberNonce(store.db, 'basic', 'live', NOW + 60_000);
  for (let r = 0; r < 12; r += 1) {
    const instanceId = INSTANCES[r % 3]!;
    const events = Array.from({ length: 4 }, (_, e) => ({ id: `r${r}-e${e}`, units: 10_000 * (r + 1) + e, occurredAt: OLD - DAY + r * 3_600_000 + e }));
    await usageRecord(store.db, { sn: `sent-${String(r).padStart(2, '0')}`, instanceId, state: r % 5 === 4 ? 'rejected' : 'sent', updatedAt: OLD, events });
  }
  await usageRecord(store.db, {
    sn: 'pending',
    instanceId: 'pay-a',
    state: 'pending',
    updatedAt: OLD,
    events: [{ id: 'pending-e0', units: 5, occurredAt: OLD }],
  });
  await addInstance(store.db, 'live', { createdAt: 0 });
  for (let i = 0; i < 20; i += 1)
    await orderLookup(store.db, { orderId: `failed-${String(i).padStart(2, '0')}`, instanceId: 'live', state: 'failed', updatedAt: OLD });
  await orderLookup(store.db, { orderId: 'found-of-live', instanceId: 'live', state: 'found', updatedAt: OLD });
  for (let i = 0; i < 20; i += 1)
    await licenseUpload(store.db, { eventId: `uploaded-${String(i).padStart(2, '0')}`, state: 'uploaded', requestedAt: OLD, uploadedAt: OLD });
  await licenseUpload(store.db, { eventId: 'pending', state: 'pending', requestedAt: OLD });
}

// Two replicas' jobs at once on one database: both finish without an error, every old row is deleted exactly once
// (their counts add up to it) and the result is what one job alone leaves. On PostgreSQL each replica has its own pool;
// SQLite serves one process, where two jobs share the connection statement by statement.
describe.each(DIALECTS)('two retention jobs at once on %s', (dialect) => {
  let store: TestStore;
  let second: Store;

  beforeEach(async () => {
    store = await openTestStore(dialect);
    if (dialect === 'postgres') {
      const schema = (await sql<{ schema: string }>`select current_schema() as schema`.execute(store.db)).rows[0]!.schema;
      second = await openStore({ dialect: 'postgres', target: process.env.DATABASE_URL! }, { schema, poolSize: 5 });
    } else {
      second = store;
    }
  });
  afterEach(async () => {
    if (second !== store) await second.close();
    await store.dispose();
  });

  it('share the work, fold each usage event once, and leave what one job would', async () => {
    await seed(store);
    const meter = new UsageMeter({ db: store.db, now: () => NOW });
    const before = await meter.usageInfo(INSTANCES);

    // Small batches, so that the two runs interleave over many statements.
    const [a, b] = await Promise.all([jobOn(store, () => NOW, { batchSize: 3 }).runOnce(), jobOn(second, () => NOW, { batchSize: 3 }).runOnce()]);

    expect([a.failed, b.failed]).toEqual([[], []]);
    const both = (table: string) => (a.pruned[table] ?? 0) + (b.pruned[table] ?? 0);
    expect(
      Object.fromEntries(['events', 'nonces', 'usage_events', 'usage_records', 'order_lookups', 'license_requests'].map((table) => [table, both(table)])),
    ).toEqual({
      events: 40,
      nonces: 30,
      usage_events: 48,
      usage_records: 12,
      order_lookups: 20,
      license_requests: 20,
    });
    expect(await keysOf(store.db, 'events')).toEqual(['new-1', 'new-2']);
    expect(await keysOf(store.db, 'nonces')).toEqual(['live']);
    expect(await keysOf(store.db, 'usage_records')).toEqual(['pending']);
    expect(await keysOf(store.db, 'usage_events')).toEqual(['pending-e0']);
    expect(await keysOf(store.db, 'order_lookups')).toEqual(['found-of-live']);
    expect(await keysOf(store.db, 'license_requests')).toEqual(['pending']);
    expect(await meter.usageInfo(INSTANCES)).toEqual(before);

    // Once done, a further run on either replica finds nothing.
    const again = await jobOn(second, () => NOW).runOnce();
    expect(Object.values(again.pruned).every((count) => count === 0)).toBe(true);
  });
});
