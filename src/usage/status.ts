import { jobStatus } from '../jobs/status.js';
import { countOpenEvents, usageTotals } from '../store/usage-events.js';
import { type UsageRecordRow, countPendingBeganBefore, countRecordsByState, listRecords } from '../store/usage-records.js';
import type { UsageRecordState } from '../store/tables/usage.js';
import type { MeterContext } from './context.js';
import { formatUnits } from './quantity.js';
import { AT_RISK_AGE_MS, statisticalTime, wireTime } from './windows.js';

export const RECORD_STATES: readonly UsageRecordState[] = ['pending', 'sent', 'rejected', 'expired'];

export interface StatusQuery {
  state?: UsageRecordState;
  instanceId?: string;
  /** Records to list, newest window first: 1 to 10000, 100 by default. */
  limit?: number;
}

export interface UsageRecordStatus {
  meteringSn: string;
  instanceId: string;
  packageInstanceId?: string;
  /** As sent: UTC yyyyMMdd'T'HHmmss'Z'. */
  beginTime: string;
  endTime: string;
  recordTime: string;
  usageValue: string;
  state: UsageRecordState;
  attempts: number;
  lastCode: string | null;
  lastError: string | null;
  /** ISO time of the next attempt, while pending. */
  nextAttemptAt: string | null;
  sentAt: string | null;
  /** Pending and older than 18 days: three days left before the marketplace refuses it. */
  atRisk: boolean;
}

export interface UsageStatus {
  /** Records per state (of one instance when asked). */
  counts: Record<UsageRecordState, number>;
  atRisk: number;
  /** Events whose window is not sealed yet, and late events that can no longer be billed. */
  openEvents: number;
  unbillableEvents: number;
  records: UsageRecordStatus[];
}

export async function usageStatus(ctx: MeterContext, query: StatusQuery = {}): Promise<UsageStatus> {
  const now = ctx.now();
  const { counts, items } = await jobStatus<UsageRecordState, UsageRecordStatus, StatusQuery>(
    {
      states: RECORD_STATES,
      count: ({ instanceId }) => countRecordsByState(ctx.db, instanceId === undefined ? {} : { instanceId }),
      newest: async (filter, limit) => (await listRecords(ctx.db, { ...filter, limit })).map((row) => recordStatus(row, now)),
    },
    query,
  );
  const atRisk = await countPendingBeganBefore(ctx.db, now - AT_RISK_AGE_MS, query.instanceId);
  const events = await countOpenEvents(ctx.db, query.instanceId);
  return { counts, atRisk, openEvents: events.open, unbillableEvents: events.unbillable, records: items };
}

export function recordStatus(row: UsageRecordRow, now: number): UsageRecordStatus {
  const pending = row.state === 'pending';
  return {
    meteringSn: row.metering_sn,
    instanceId: row.instance_id,
    ...(row.package_instance_id === '' ? {} : { packageInstanceId: row.package_instance_id }),
    beginTime: wireTime(row.begin_at),
    endTime: wireTime(row.end_at),
    recordTime: wireTime(row.record_at),
    usageValue: formatUnits(row.usage),
    state: row.state,
    attempts: row.attempts,
    lastCode: row.last_code,
    lastError: row.last_error,
    nextAttemptAt: pending ? new Date(row.next_attempt_at).toISOString() : null,
    sentAt: row.sent_at === null ? null : new Date(row.sent_at).toISOString(),
    atRisk: pending && row.begin_at < now - AT_RISK_AGE_MS,
  };
}

/** One `usageInfo` entry of queryInstance (UsageInfo, https://support.huaweicloud.com/intl/en-us/accessg-marketplace/topic_0070649093.html). */
export interface UsageInfoEntry {
  /** For a package instance: the pay-per-use instance the usage was deducted for. */
  relatedInstanceId?: string;
  /** Cumulative, at most 4 decimals. */
  usageValue: string;
  /** UTC yyyyMMddHHmmssSSS: the time of the latest event counted. */
  statisticalTime: string;
}

/**
 * queryInstance's usage info from the recorded events (sealed or not, so it is real time): a pay-per-use instance
 * gets one entry with its cumulative usage; a package instance one entry per instance whose usage it carried, with
 * that instance as relatedInstanceId. An instance without usage gets no entry. Huawei's table (https://support.huaweicloud.com/intl/en-us/accessg-marketplace/topic_0070649093.html) says only "on-demand:
 * cumulative total; package: amount used, one entry per billing item"; reading relatedInstanceId as the pay-per-use
 * instance and statisticalTime as the latest event counted is UNCONFIRMED.
 */
export async function usageInfo(ctx: MeterContext, instanceIds: readonly string[]): Promise<Map<string, UsageInfoEntry[]>> {
  const info = new Map<string, UsageInfoEntry[]>(instanceIds.map((id) => [id, []]));
  const own = new Map<string, { units: bigint; last: number }>();
  for (const total of await usageTotals(ctx.db, 'instance_id', instanceIds)) {
    const sum = own.get(total.instanceId) ?? { units: 0n, last: 0 };
    own.set(total.instanceId, { units: sum.units + total.units, last: Math.max(sum.last, total.lastOccurredAt) });
  }
  for (const [instanceId, sum] of own) info.get(instanceId)?.push({ usageValue: formatUnits(sum.units), statisticalTime: statisticalTime(sum.last) });
  for (const total of await usageTotals(
    ctx.db,
    'package_instance_id',
    instanceIds.filter((id) => id !== ''),
  )) {
    info.get(total.packageInstanceId)?.push({
      relatedInstanceId: total.instanceId,
      usageValue: formatUnits(total.units),
      statisticalTime: statisticalTime(total.lastOccurredAt),
    });
  }
  return info;
}

/** Where queryInstance reads usage from (the UsageMeter). */
export interface UsageInfoSource {
  usageInfo(instanceIds: readonly string[]): Promise<Map<string, UsageInfoEntry[]>>;
}
