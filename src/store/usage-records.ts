import { type ExpressionBuilder, type Kysely, type Selectable, sql } from 'kysely';
import { jobLeases } from './job-leases.js';
import type { Database } from './schema.js';
import type { UsageRecordState, UsageRecordsTable } from './tables/usage.js';
import type { UsageKey } from './usage-events.js';

export type UsageRecordRow = Selectable<UsageRecordsTable>;

export interface SealRequest extends UsageKey {
  meteringSn: string;
  windowStart: number;
  windowEnd: number;
  beginAt: number;
  endAt: number;
  recordAt: number;
}

/**
 * Seals windows into records, in one transaction: each record is inserted (the unique window key makes a second sealer,
 * on any replica, insert nothing for that window), the window's open events are marked with its metering_sn, and its
 * usage is the sum of exactly the events marked. An event that comes after this stays open and is moved on later.
 * Answers the records made, with their usage.
 */
export async function sealWindows(db: Kysely<Database>, seals: readonly SealRequest[]): Promise<Map<string, bigint>> {
  if (seals.length === 0) return new Map();
  return db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('usage_records')
      .values(
        seals.map((seal) => ({
          metering_sn: seal.meteringSn,
          instance_id: seal.instanceId,
          package_instance_id: seal.packageInstanceId,
          window_start: seal.windowStart,
          window_end: seal.windowEnd,
          begin_at: seal.beginAt,
          end_at: seal.endAt,
          record_at: seal.recordAt,
          usage: 0,
          state: 'pending' as const,
          attempts: 0,
          next_attempt_at: seal.recordAt,
          lease_owner: null,
          lease_until: null,
          last_code: null,
          last_error: null,
          sent_at: null,
          updated_at: seal.recordAt,
        })),
      )
      .onConflict((oc) => oc.columns(['instance_id', 'package_instance_id', 'window_start']).doNothing())
      .returning('metering_sn')
      .execute();
    if (inserted.length === 0) return new Map();
    const sns = inserted.map((row) => row.metering_sn);
    await trx
      .updateTable('usage_events')
      .from('usage_records')
      .set((eb) => ({ metering_sn: eb.ref('usage_records.metering_sn') }))
      .whereRef('usage_events.instance_id', '=', 'usage_records.instance_id')
      .whereRef('usage_events.package_instance_id', '=', 'usage_records.package_instance_id')
      .whereRef('usage_events.window_start', '=', 'usage_records.window_start')
      .where('usage_records.metering_sn', 'in', sns)
      .where('usage_events.metering_sn', 'is', null)
      .where('usage_events.unbillable', 'is', null)
      .execute();
    const sums = await trx
      .updateTable('usage_records')
      .set({ usage: sql<number>`(select coalesce(sum(quantity), 0) from usage_events where usage_events.metering_sn = usage_records.metering_sn)` })
      .where('metering_sn', 'in', sns)
      .returning(['metering_sn', 'usage'])
      .execute();
    // A window whose events all went elsewhere in the meantime makes no record (zero sums make none).
    await trx.deleteFrom('usage_records').where('metering_sn', 'in', sns).where('usage', '=', 0).execute();
    return new Map(sums.filter((row) => Number(row.usage) > 0).map((row) => [row.metering_sn, BigInt(row.usage)]));
  });
}

export const usageKeyId = (key: UsageKey): string => `${key.instanceId}\n${key.packageInstanceId}`;

/** Pending records whose begin_time is past the marketplace's limit are never sent: they become `expired`. */
export async function expireRecords(db: Kysely<Database>, beganBefore: number, now: number, reason: string): Promise<number> {
  const result = await db
    .updateTable('usage_records')
    .set({ state: 'expired', last_error: reason, lease_owner: null, lease_until: null, updated_at: now })
    .where('state', '=', 'pending')
    .where('begin_at', '<', beganBefore)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Delivery to the marketplace: a record's lease key is [metering_sn]; oldest window first. */
export const usageRecordLeases = jobLeases({
  table: 'usage_records',
  key: ['metering_sn'],
  state: 'state',
  waiting: 'pending',
  nextAttemptAt: 'next_attempt_at',
  leaseOwner: 'lease_owner',
  leaseUntil: 'lease_until',
  order: ['begin_at', 'metering_sn'],
});

interface Settled {
  owner: string;
  now: number;
}

const held = (sns: readonly string[]) => sns.map((sn) => [sn]);

export async function markRecordsSent(db: Kysely<Database>, sns: readonly string[], settled: Settled): Promise<void> {
  if (sns.length === 0) return;
  await db
    .updateTable('usage_records')
    .set({
      state: 'sent',
      sent_at: settled.now,
      attempts: sql<number>`attempts + 1`,
      lease_owner: null,
      lease_until: null,
      last_code: null,
      last_error: null,
      updated_at: settled.now,
    })
    .where(usageRecordLeases.heldBy(held(sns), settled.owner))
    .execute();
}

/** A failed push: pending again at `nextAttemptAt`, or `rejected` when the marketplace refused the record. */
export async function markRecordsFailed(
  db: Kysely<Database>,
  sns: readonly string[],
  failure: Settled & { state: 'pending' | 'rejected'; nextAttemptAt?: number; code: string | null; error: string },
): Promise<void> {
  if (sns.length === 0) return;
  await db
    .updateTable('usage_records')
    .set({
      state: failure.state,
      attempts: sql<number>`attempts + 1`,
      ...(failure.nextAttemptAt === undefined ? {} : { next_attempt_at: failure.nextAttemptAt }),
      last_code: failure.code,
      last_error: failure.error.slice(0, 1000),
      lease_owner: null,
      lease_until: null,
      updated_at: failure.now,
    })
    .where(usageRecordLeases.heldBy(held(sns), failure.owner))
    .execute();
}

export interface RecordFilter {
  state?: UsageRecordState;
  instanceId?: string;
}

export async function countRecordsByState(db: Kysely<Database>, filter: RecordFilter): Promise<Map<UsageRecordState, number>> {
  let query = db
    .selectFrom('usage_records')
    .select(['state', sql<number>`count(*)`.as('count')])
    .groupBy('state');
  if (filter.instanceId !== undefined) query = query.where('instance_id', '=', filter.instanceId);
  const rows = await query.execute();
  return new Map(rows.map((row) => [row.state, Number(row.count)]));
}

export async function countPendingBeganBefore(db: Kysely<Database>, beganBefore: number, instanceId?: string): Promise<number> {
  let query = db.selectFrom('usage_records').select(sql<number>`count(*)`.as('count')).where('state', '=', 'pending').where('begin_at', '<', beganBefore);
  if (instanceId !== undefined) query = query.where('instance_id', '=', instanceId);
  return Number((await query.executeTakeFirst())?.count ?? 0);
}

/** Newest windows first. */
export async function listRecords(db: Kysely<Database>, filter: RecordFilter & { limit: number }): Promise<UsageRecordRow[]> {
  let query = db
    .selectFrom('usage_records')
    .selectAll()
    .orderBy('window_start', 'desc')
    .orderBy('instance_id')
    .orderBy('package_instance_id')
    .limit(filter.limit);
  if (filter.state !== undefined) query = query.where('state', '=', filter.state);
  if (filter.instanceId !== undefined) query = query.where('instance_id', '=', filter.instanceId);
  return query.execute();
}

// ---- an operator's actions (the kgkit API's retryUsageRecords, giveUpUsageRecords) ----

/** The records of these metering_sns that exist. */
export async function findRecords(db: Kysely<Database>, sns: readonly string[]): Promise<UsageRecordRow[]> {
  if (sns.length === 0) return [];
  return db
    .selectFrom('usage_records')
    .selectAll()
    .where('metering_sn', 'in', [...sns])
    .execute();
}

/** Not held by a delivery run right now: what an operator may change. */
const unleased = (now: number) => (eb: ExpressionBuilder<Database, 'usage_records'>) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]);

/**
 * Makes pending or rejected records due at `now` (pending again), unless a delivery run holds them or their window began
 * before `beganAfter` (the marketplace's limit). Answers the metering_sns it changed.
 */
export async function requeueRecords(db: Kysely<Database>, sns: readonly string[], at: { now: number; beganAfter: number }): Promise<string[]> {
  if (sns.length === 0) return [];
  const rows = await db
    .updateTable('usage_records')
    .set({ state: 'pending', next_attempt_at: at.now, lease_owner: null, lease_until: null, updated_at: at.now })
    .where('metering_sn', 'in', [...sns])
    .where('state', 'in', ['pending', 'rejected'])
    .where('begin_at', '>=', at.beganAfter)
    .where(unleased(at.now))
    .returning('metering_sn')
    .execute();
  return rows.map((row) => row.metering_sn);
}

/** Stops sending pending records no delivery run holds: `rejected` with `code`. Answers the metering_sns it changed. */
export async function abandonRecords(db: Kysely<Database>, sns: readonly string[], give: { now: number; code: string; error: string }): Promise<string[]> {
  if (sns.length === 0) return [];
  const rows = await db
    .updateTable('usage_records')
    .set({ state: 'rejected', last_code: give.code, last_error: give.error.slice(0, 1000), lease_owner: null, lease_until: null, updated_at: give.now })
    .where('metering_sn', 'in', [...sns])
    .where('state', '=', 'pending')
    .where(unleased(give.now))
    .returning('metering_sn')
    .execute();
  return rows.map((row) => row.metering_sn);
}
