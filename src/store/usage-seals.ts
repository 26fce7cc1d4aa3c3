import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { UsageKey } from './usage-events.js';
import { usageKeyId } from './usage-records.js';

/**
 * The sealed windows of these instances from `fromWindow` on, as "instance\npackage" → window start → the end_at of its
 * record: a window sealed early (seal now) ends before the hour, and its rest is a window of its own.
 */
export async function sealedSpans(db: Kysely<Database>, instanceIds: readonly string[], fromWindow: number): Promise<Map<string, Map<number, number>>> {
  const sealed = new Map<string, Map<number, number>>();
  if (instanceIds.length === 0) return sealed;
  const rows = await db
    .selectFrom('usage_records')
    .select(['instance_id', 'package_instance_id', 'window_start', 'end_at'])
    .where('instance_id', 'in', instanceIds)
    .where('window_start', '>=', fromWindow)
    .execute();
  for (const row of rows) {
    const key = usageKeyId({ instanceId: row.instance_id, packageInstanceId: row.package_instance_id });
    const spans = sealed.get(key) ?? new Map<number, number>();
    spans.set(row.window_start, row.end_at);
    sealed.set(key, spans);
  }
  return sealed;
}

/** The windows of one instance that hold unsealed, billable events and start at or before `latestStart`, oldest first. */
export async function openWindowsOf(
  db: Kysely<Database>,
  instanceId: string,
  latestStart: number,
  limit: number,
): Promise<(UsageKey & { windowStart: number })[]> {
  const rows = await db
    .selectFrom('usage_events')
    .select(['instance_id', 'package_instance_id', 'window_start'])
    .where('instance_id', '=', instanceId)
    .where('metering_sn', 'is', null)
    .where('unbillable', 'is', null)
    .where('window_start', '<=', latestStart)
    .groupBy(['instance_id', 'package_instance_id', 'window_start'])
    .orderBy('window_start')
    .orderBy('package_instance_id')
    .limit(limit)
    .execute();
  return rows.map((row) => ({ instanceId: row.instance_id, packageInstanceId: row.package_instance_id, windowStart: row.window_start }));
}
