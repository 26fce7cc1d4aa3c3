import type { Batch, JobItem, JobStore } from '../jobs/job-store.js';
import { JobRunner } from '../jobs/runner.js';
import { type UsageRecordRow, countPendingBeganBefore, expireRecords, markRecordsFailed, markRecordsSent, usageRecordLeases } from '../store/usage-records.js';
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
  /** Records still pending after the run that began more than 18 days ago. */
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

/** A usage record on its way to the marketplace: its key is its metering_sn. */
interface Delivery extends JobItem {
  wire: UsageRecordWire;
}

/** usage_records as the job runner sees it: a record refused by the marketplace is `rejected`, one too old `expired`. */
function deliveryStore(ctx: MeterContext): JobStore<Delivery, void> {
  const sns = (items: readonly Delivery[]) => items.map((item) => item.key);
  const keys = (items: readonly Delivery[]) => items.map((item) => [item.key]);
  return {
    async claim({ key, ...claim }) {
      const rows = await usageRecordLeases.claim(ctx.db, { ...claim, ...(key === undefined ? {} : { key: [key] }) });
      return rows.map((row) => ({ key: row.metering_sn, attempts: Number(row.attempts), wire: toWire(row) }));
    },
    extend: (items, lease) => usageRecordLeases.extend(ctx.db, keys(items), lease),
    release: (items, holder) => usageRecordLeases.release(ctx.db, keys(items), holder),
    succeed: (items, holder) => markRecordsSent(ctx.db, sns(items), holder),
    retry: (items, failure) => markRecordsFailed(ctx.db, sns(items), { ...failure, state: 'pending' }),
    giveUp: (items, failure) => markRecordsFailed(ctx.db, sns(items), { ...failure, state: 'rejected' }),
    expire: (before, now) => expireRecords(ctx.db, before, now, EXPIRED_REASON),
  };
}

export type DeliveryRunner = JobRunner<Delivery>;

/**
 * Delivery on the job runner: batches of the current batch size, the doubling backoff with jitter (half to all of the
 * wait), no limit of attempts (a record is never dropped for failures that are not its own), and a pending record past
 * the 21-day limit expires untried.
 */
export function deliveryRunner(ctx: MeterContext, rules: DeliverRules, size: BatchSize): DeliveryRunner {
  return new JobRunner({
    kind: 'usage record',
    store: deliveryStore(ctx),
    backoff: { baseMs: rules.retryBaseMs, capMs: rules.retryCapMs, jitter: 0.5 },
    giveUp: { maxAgeMs: RECORD_AGE_LIMIT_MS },
    leaseMs: rules.leaseMs,
    claimSize: () => size.current,
    logger: ctx.logger,
    now: ctx.now,
    random: rules.random,
  });
}

/**
 * Sends due pending records, oldest first, in leased batches, until none is due or an attempt fails for a reason that
 * is not in the records (the next run tries again after the backoff). A record is sent again with the same
 * metering_sn until the marketplace accepts it, refuses it, or it passes the 21-day limit.
 */
export async function deliverRecords(
  ctx: MeterContext,
  runner: DeliveryRunner,
  size: BatchSize,
  push: PushUsage,
  signal?: AbortSignal,
): Promise<DeliveryReport> {
  const report: DeliveryReport = { calls: 0, batchSizes: [], sent: 0, rejected: 0, retried: 0, expired: 0, atRisk: 0 };
  const run = await runner.runDue((batch) => pushBatch(ctx, batch, size, push, report), signal);
  Object.assign(report, { sent: run.succeeded, rejected: run.gaveUp, retried: run.retried, expired: run.expired });
  if (report.expired > 0) ctx.logger.error('usage: records expired before they could be delivered', { records: report.expired });
  report.atRisk = await countPendingBeganBefore(ctx.db, ctx.now() - AT_RISK_AGE_MS);
  if (report.atRisk > 0) ctx.logger.warn('usage: pending records are close to the 21-day limit', { records: report.atRisk });
  return report;
}

/**
 * Sends one record now if it is due and no run holds it (an operator's retry); when this process is already sending it,
 * waits for that attempt instead.
 */
export function deliverOne(ctx: MeterContext, runner: DeliveryRunner, size: BatchSize, push: PushUsage, meteringSn: string): Promise<void> {
  const report: DeliveryReport = { calls: 0, batchSizes: [], sent: 0, rejected: 0, retried: 0, expired: 0, atRisk: 0 };
  return runner.runOne(meteringSn, (batch) => pushBatch(ctx, batch, size, push, report));
}

/** One claimed batch: pushed whole, halved while the marketplace wants fewer records or refuses one of them. */
async function pushBatch(ctx: MeterContext, batch: Batch<Delivery, void>, size: BatchSize, push: PushUsage, report: DeliveryReport): Promise<boolean> {
  const send = async (records: readonly Delivery[]): Promise<boolean> => {
    if (batch.signal.aborted) return false;
    if (records.length < batch.items.length) await batch.keepLease();
    let outcome: PushOutcome;
    try {
      outcome = (await push(
        records.map((record) => record.wire),
        batch.signal,
      )) ?? { kind: 'unreachable', message: 'pushUsage answered no outcome' };
    } catch (error) {
      outcome = { kind: 'unreachable', message: (error as Error).message ?? String(error) };
    }
    report.calls += 1;
    report.batchSizes.push(records.length);
    const verdict = verdictOf(outcome);
    const retry = async (code: string | null, error: string) => (await batch.failed(records, { code, error }), false);
    switch (verdict.kind) {
      case 'accepted':
        await batch.succeeded(records);
        return true;
      case 'retry':
        if (verdict.auth)
          ctx.logger.error("usage: the marketplace refused kgkit's credentials; the records stay pending", { code: verdict.code, message: verdict.message });
        else ctx.logger.warn('usage: push failed; the records stay pending', { code: verdict.code, message: verdict.message, records: records.length });
        return retry(verdict.code, verdict.message);
      case 'split':
        size.current = Math.max(1, Math.min(size.current, Math.floor(records.length / 2)));
        ctx.logger.warn('usage: the marketplace wants fewer records a call; halving the batch', { batchSize: size.current });
        return records.length === 1 ? retry(verdict.code, verdict.message) : halves(records);
      case 'record':
        if (records.length > 1) return halves(records);
        await batch.refused(records, { code: verdict.code, error: verdict.message });
        ctx.logger.warn('usage: the marketplace refused a record', { meteringSn: records[0]!.key, code: verdict.code });
        return true;
    }
  };
  // The second half waits for the first: when the first fails, the run ends and the second goes back untried.
  const halves = async (records: readonly Delivery[]) => {
    const middle = Math.ceil(records.length / 2);
    return (await send(records.slice(0, middle))) && send(records.slice(middle));
  };
  return send(batch.items);
}
