import { type Kysely, type Selectable, sql } from 'kysely';
import { fixedSql, textList } from './fixed-sql.js';
import type { Database } from './schema.js';
import type { UsageEventsTable } from './tables/usage.js';

export type UsageEventRow = Selectable<UsageEventsTable>;

/** An instance and package: the key usage is summed under ('' package for none). */
export interface UsageKey {
  instanceId: string;
  packageInstanceId: string;
}

export interface WindowSum extends UsageKey {
  windowStart: number;
  units: bigint;
}

// pg answers sum(bigint) as a numeric string, SQLite as a number: both read exactly as a bigint.
const toBigInt = (value: unknown): bigint => BigInt(value === null || value === undefined ? 0 : String(value));

export async function findUsageEvents(db: Kysely<Database>, eventIds: readonly string[]): Promise<UsageEventRow[]> {
  if (eventIds.length === 0) return [];
  return db.selectFrom('usage_events').selectAll().where('event_id', 'in', eventIds).execute();
}

/** Inserts the events whose id is new; answers the ids it inserted (a concurrent caller may have taken the others). */
export async function insertUsageEvents(db: Kysely<Database>, rows: UsageEventRow[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const inserted = await db
    .insertInto('usage_events')
    .values(rows)
    .onConflict((oc) => oc.column('event_id').doNothing())
    .returning('event_id')
    .execute();
  return new Set(inserted.map((row) => row.event_id));
}

/** The unsealed sums of these instances' windows from `fromWindow` on. */
export async function openWindowSums(db: Kysely<Database>, instanceIds: readonly string[], fromWindow: number): Promise<WindowSum[]> {
  if (instanceIds.length === 0) return [];
  const rows = await db
    .selectFrom('usage_events')
    .select(['instance_id', 'package_instance_id', 'window_start', sql<string>`sum(quantity)`.as('units')])
    .where('instance_id', 'in', instanceIds)
    .where('window_start', '>=', fromWindow)
    .where('metering_sn', 'is', null)
    .groupBy(['instance_id', 'package_instance_id', 'window_start'])
    .execute();
  return rows.map((row) => ({
    instanceId: row.instance_id,
    packageInstanceId: row.package_instance_id,
    windowStart: row.window_start,
    units: toBigInt(row.units),
  }));
}

/** The windows holding unsealed events that started at or before `latestStart` (i.e. are closed), oldest first. */
export async function closedOpenWindows(db: Kysely<Database>, latestStart: number, limit: number): Promise<(UsageKey & { windowStart: number })[]> {
  const rows = await db
    .selectFrom('usage_events')
    .select(['instance_id', 'package_instance_id', 'window_start'])
    .where('metering_sn', 'is', null)
    .where('unbillable', 'is', null)
    .where('window_start', '<=', latestStart)
    .groupBy(['instance_id', 'package_instance_id', 'window_start'])
    .orderBy('window_start')
    .orderBy('instance_id')
    .orderBy('package_instance_id')
    .limit(limit)
    .execute();
  return rows.map((row) => ({ instanceId: row.instance_id, packageInstanceId: row.package_instance_id, windowStart: row.window_start }));
}

/** Moves a sealed window's late events to the window they now count in. */
export async function moveOpenEvents(db: Kysely<Database>, key: UsageKey, fromWindow: number, toWindow: number): Promise<number> {
  const result = await db
    .updateTable('usage_events')
    .set({ window_start: toWindow })
    .where('instance_id', '=', key.instanceId)
    .where('package_instance_id', '=', key.packageInstanceId)
    .where('window_start', '=', fromWindow)
    .where('metering_sn', 'is', null)
    .where('unbillable', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function markUnbillable(db: Kysely<Database>, key: UsageKey, windowStart: number, reason: string): Promise<number> {
  const result = await db
    .updateTable('usage_events')
    .set({ unbillable: reason.slice(0, 500) })
    .where('instance_id', '=', key.instanceId)
    .where('package_instance_id', '=', key.packageInstanceId)
    .where('window_start', '=', windowStart)
    .where('metering_sn', 'is', null)
    .where('unbillable', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export interface UsageTotal {
  instanceId: string;
  packageInstanceId: string;
  units: bigint;
  lastOccurredAt: number;
}

/**
 * Every billable event of these instances (sealed or not), summed per instance and package, with the sums of the events
 * the retention job pruned (usage_totals): one statement, so a prune running meanwhile neither hides nor doubles any.
 */
export async function usageTotals(db: Kysely<Database>, column: 'instance_id' | 'package_instance_id', ids: readonly string[]): Promise<UsageTotal[]> {
  if (ids.length === 0) return [];
  const list = textList(db, ids);
  const { rows } = await USAGE_TOTALS[column](db, [list, list]);
  return rows.map((row) => ({
    instanceId: row.instance_id,
    packageInstanceId: row.package_instance_id,
    units: toBigInt(row.units),
    lastOccurredAt: Number(row.last),
  }));
}

/** Kept events not yet pruned plus what pruning folded into usage_totals: queryInstance runs it for every call. */
function usageTotalsBy(column: 'instance_id' | 'package_instance_id') {
  const sumOf = (inList: string) =>
    'select instance_id, package_instance_id, cast(sum(units) as text) as units, max(last) as last from (' +
    `select instance_id, package_instance_id, quantity as units, occurred_at as last from usage_events where ${column} ${inList} and unbillable is null ` +
    `union all select instance_id, package_instance_id, units, last_occurred_at as last from usage_totals where ${column} ${inList}` +
    ') as kept group by instance_id, package_instance_id';
  return fixedSql<{ instance_id: string; package_instance_id: string; units: string; last: number }>({
    sqlite: sumOf('in (select value from json_each(?))'),
    postgres: sumOf('= any(?::text[])'),
  });
}
const USAGE_TOTALS = { instance_id: usageTotalsBy('instance_id'), package_instance_id: usageTotalsBy('package_instance_id') };

export async function countOpenEvents(db: Kysely<Database>, instanceId?: string): Promise<{ open: number; unbillable: number }> {
  let query = db
    .selectFrom('usage_events')
    .select([
      sql<number>`sum(case when unbillable is null then 1 else 0 end)`.as('open'),
      sql<number>`sum(case when unbillable is null then 0 else 1 end)`.as('unbillable'),
    ])
    .where('metering_sn', 'is', null);
  if (instanceId !== undefined) query = query.where('instance_id', '=', instanceId);
  const row = await query.executeTakeFirst();
  return { open: Number(row?.open ?? 0), unbillable: Number(row?.unbillable ?? 0) };
}
