import { abandonRecords, findRecords, requeueRecords, type UsageRecordRow } from '../store/usage-records.js';
import type { MeterContext } from './context.js';
import { type UsageRecordStatus, recordStatus } from './status.js';
import { RECORD_AGE_LIMIT_MS } from './windows.js';

/** The `last_code` of a record an operator gave up: not the marketplace's, so that nobody reads it as its refusal (docs/decisions.md#26). */
export const GIVEN_UP = 'GIVEN_UP';

/** What an operator's retry or give-up did to one record (the kgkit API's UsageRecordActionResult). */
export interface RecordAction {
  meteringSn: string;
  status: 'retried' | 'given-up' | 'unknown' | 'refused';
  /** Why a record was left as it was. */
  message?: string;
  /** The record afterwards. */
  record?: UsageRecordStatus;
}

/** Sends records made due now, waiting for the attempt as long as the meter allows. */
export type SendNow = (meteringSns: readonly string[]) => Promise<void>;

/**
 * Makes pending and rejected records due now, then sends them when this server pushes usage. A record already sent, past
 * the marketplace's 21-day limit (MKT.9004, https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649410.html), or held by a delivery run is left as it is.
 */
export async function retryRecords(ctx: MeterContext, meteringSns: readonly string[], sendNow?: SendNow): Promise<RecordAction[]> {
  const now = ctx.now();
  const before = byKey(await findRecords(ctx.db, meteringSns));
  const changed = new Set(await requeueRecords(ctx.db, meteringSns, { now, beganAfter: now - RECORD_AGE_LIMIT_MS }));
  if (changed.size > 0) ctx.logger.info('usage: records made due by an operator', { records: changed.size });
  if (sendNow && changed.size > 0) await sendNow([...changed]);
  return outcomes(ctx, meteringSns, before, changed, 'retried', (row) => whyNotRetried(row, now));
}

/** Stops sending pending records no delivery run holds: `rejected` with GIVEN_UP and the operator's reason. */
export async function giveUpRecords(ctx: MeterContext, meteringSns: readonly string[], reason?: string): Promise<RecordAction[]> {
  const now = ctx.now();
  const before = byKey(await findRecords(ctx.db, meteringSns));
  const error = `given up by an operator${reason ? `: ${reason}` : ''}`;
  const changed = new Set(await abandonRecords(ctx.db, meteringSns, { now, code: GIVEN_UP, error }));
  if (changed.size > 0) ctx.logger.warn('usage: records given up by an operator; the marketplace will not bill them', { records: changed.size, reason });
  return outcomes(ctx, meteringSns, before, changed, 'given-up', whyNotGivenUp);
}

const byKey = (rows: UsageRecordRow[]) => new Map(rows.map((row) => [row.metering_sn, row]));

async function outcomes(
  ctx: MeterContext,
  meteringSns: readonly string[],
  before: Map<string, UsageRecordRow>,
  changed: Set<string>,
  done: 'retried' | 'given-up',
  why: (row: UsageRecordRow) => string,
): Promise<RecordAction[]> {
  const now = ctx.now();
  const after = byKey(await findRecords(ctx.db, meteringSns));
  return meteringSns.map((meteringSn): RecordAction => {
    const row = after.get(meteringSn);
    if (!before.has(meteringSn) || !row) return { meteringSn, status: 'unknown', message: 'no usage record has this metering_sn' };
    const record = recordStatus(row, now);
    return changed.has(meteringSn) ? { meteringSn, status: done, record } : { meteringSn, status: 'refused', message: why(before.get(meteringSn)!), record };
  });
}

function whyNotRetried(row: UsageRecordRow, now: number): string {
  if (row.state === 'sent') return 'the marketplace accepted this record already';
  if (row.state === 'expired' || row.begin_at < now - RECORD_AGE_LIMIT_MS)
    return 'its window began more than 21 days ago: the marketplace refuses it (MKT.9004), so it cannot be sent';
  return 'it is being sent right now; look again in a moment';
}

function whyNotGivenUp(row: UsageRecordRow): string {
  if (row.state !== 'pending') return `it is ${row.state}, not pending: there is nothing to stop`;
  return 'it is being sent right now; look again in a moment';
}
