import { randomUUID } from 'node:crypto';
import {
  type UsageRecordRow,
  claimDueRecords,
  countPendingBeganBefore,
  expireRecords,
  extendLease,
  markRecordsForRetry,
  markRecordsRejected,
  markRecordsSent,
  releaseRecords,
} from '../store/usage-records.js';
import type { MeterContext } from './context.js';
import { verdictOf } from './outcomes.js';
import type { PushOutcome, PushUsage, UsageRecordWire } from './push.js';
import { formatUnits } from './quantity.js';
import { AT_RISK_AGE_MS, RECORD_AGE_LIMIT_MS, wireTime } from './windows.js';

export interface DeliverRules {
  /** How long one delivery run holds the records it sends; longer than the transport's timeouts and retries. */
  leaseMs: number;
  /** Backoff after a failed attempt: doubles from base up to cap, with jitter (half to all of it). */
  retryBaseMs: number;
  retryCapMs: number;
  random: () => number;
}

/** The batch size in use: it starts at the configured one and is halved whenever the marketplace answers MKT.9003. */
export interface BatchSize {
  current: number;
}

export interface DeliveryReport {
  /** Calls made to the marketplace, and the size of each. */
  calls: number;
  batchSizes: number[];
  sent: number;
  rejected: number;
  /** Records that stay pending for a later attempt. */
  retried: number;
  expired: number;
  /** Pending records older than 18 days. */
  atRisk: number;
}

const EXPIRED_REASON = 'begin_time is more than 21 days old: the marketplace refuses such records (MKT.9004), so it was never sent';

function toWire(row: UsageRecordRow): UsageRecordWire {
  return {
    instance_id: row.instance_id,
    record_time: wireTime(row.record_at),
    begin_time: wireTime(row.begin_at),
    end_time: wireTime(row.end_at),
    usage_value: formatUnits(row.usage),
    metering_sn: row.metering_sn,
    ...(row.package_instance_id === '' ? {} : { relate_pkg_instance: row.package_instance_id }),
  };
}

export function retryDelay(attempts: number, rules: DeliverRules): number {
  const ceiling = Math.min(rules.retryCapMs, rules.retryBaseMs * 2 ** Math.min(Math.max(attempts - 1, 0), 30));
  return Math.round(ceiling / 2 + (rules.random() * ceiling) / 2);
}

/**
 * Sends due pending records, oldest first, in leased batches, until none is due or an attempt fails for a reason that
 * is not in the records (the next run tries again after the backoff). A record is sent again with the same
 * metering_sn until the marketplace accepts it, refuses it, or it passes the 21-day limit.
 */
export async function deliverRecords(ctx: MeterContext, rules: DeliverRules, size: BatchSize, push: PushUsage, signal?: AbortSignal): Promise<DeliveryReport> {
  const report: DeliveryReport = { calls: 0, batchSizes: [], sent: 0, rejected: 0, retried: 0, expired: 0, atRisk: 0 };
  const start = ctx.now();
  report.expired = await expireRecords(ctx.db, start - RECORD_AGE_LIMIT_MS, start, EXPIRED_REASON);
  if (report.expired > 0) ctx.logger.error('usage: records expired before they could be delivered', { records: report.expired });
  report.atRisk = await countPendingBeganBefore(ctx.db, start - AT_RISK_AGE_MS);
  if (report.atRisk > 0) ctx.logger.warn('usage: pending records are close to the 21-day limit', { records: report.atRisk });

  let claimed = 0;
  const send = async (records: UsageRecordRow[], owner: string): Promise<boolean> => {
    const leased = { sns: records.map((record) => record.metering_sn), owner };
    if (signal?.aborted) return (await releaseRecords(ctx.db, { ...leased, now: ctx.now() }), false);
    if (records.length < claimed) await extendLease(ctx.db, owner, ctx.now() + rules.leaseMs);
    let outcome: PushOutcome;
    try {
      outcome = (await push(records.map(toWire), signal)) ?? { kind: 'unreachable', message: 'pushUsage answered no outcome' };
    } catch (error) {
      outcome = { kind: 'unreachable', message: (error as Error).message ?? String(error) };
    }
    report.calls += 1;
    report.batchSizes.push(records.length);
    const verdict = verdictOf(outcome);
    const now = ctx.now();
    const retry = async (code: string | null, error: string) => {
      const attempts = Math.max(...records.map((record) => record.attempts)) + 1;
      await markRecordsForRetry(ctx.db, { ...leased, now, nextAttemptAt: now + retryDelay(attempts, rules), code, error });
      report.retried += records.length;
      return false;
    };
    const halves = async () => {
      const middle = Math.ceil(records.length / 2);
      if (await send(records.slice(0, middle), owner)) return send(records.slice(middle), owner);
      await releaseRecords(ctx.db, { sns: records.slice(middle).map((record) => record.metering_sn), owner, now });
      return false;
    };
    switch (verdict.kind) {
      case 'accepted':
        await markRecordsSent(ctx.db, { ...leased, now });
        report.sent += records.length;
        return true;
      case 'retry':
        if (verdict.auth) ctx.logger.error('usage: the marketplace refused kgkit\'s credentials; the records stay pending', { code: verdict.code, message: verdict.message });
        else ctx.logger.warn('usage: push failed; the records stay pending', { code: verdict.code, message: verdict.message, records: records.length });
        return retry(verdict.code, verdict.message);
      case 'split':
        size.current = Math.max(1, Math.min(size.current, Math.floor(records.length / 2)));
        ctx.logger.warn('usage: the marketplace wants fewer records a call; halving the batch', { batchSize: size.current });
        return records.length === 1 ? retry(verdict.code, verdict.message) : halves();
      case 'record':
        if (records.length > 1) return halves();
        await markRecordsRejected(ctx.db, { ...leased, now, code: verdict.code, error: verdict.message });
        ctx.logger.warn('usage: the marketplace refused a record', { meteringSn: leased.sns[0], code: verdict.code });
        report.rejected += 1;
        return true;
    }
  };

  while (!signal?.aborted) {
    const owner = randomUUID();
    const now = ctx.now();
    const batch = await claimDueRecords(ctx.db, { now, limit: size.current, owner, leaseUntil: now + rules.leaseMs });
    claimed = batch.length;
    if (batch.length === 0 || !(await send(batch, owner))) break;
  }
  return report;
}
