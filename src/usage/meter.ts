import type { Kysely } from 'kysely';
import { type Logger, silentLogger } from '../log.js';
import type { Database } from '../store/schema.js';
import { type AggregateReport, type SealNow, aggregateWindows } from './aggregate.js';
import type { MeterContext } from './context.js';
import type { JobStats } from '../jobs/runner.js';
import { type BatchSize, type DeliveryReport, type DeliveryRunner, deliverOne, deliverRecords, deliveryRunner } from './deliver.js';
import { type RecordAction, giveUpRecords, retryRecords } from './operator.js';
import type { PushUsage } from './push.js';
import { type RecordResult, type UsageEventInput, recordEvents } from './record.js';
import { type StatusQuery, type UsageInfoEntry, type UsageStatus, usageInfo, usageStatus } from './status.js';
import { type WindowKind, billingWindows } from './windows.js';

export interface UsageMeterOptions {
  db: Kysely<Database>;
  now?: () => number;
  /** Billing window: 'hourly' (default) or 'daily'. Change it only while no event is open (status.openEvents = 0). */
  window?: WindowKind;
  /** Daily windows start at midnight of this UTC offset; 480 (Beijing) by default. */
  dailyUtcOffsetMinutes?: number;
  /** How long after its end a window is sealed; 5 minutes by default (the marketplace wants hourly records within 15). */
  graceMs?: number;
  /** Records a call, at most 1000 (the default). */
  batchSize?: number;
  /** How far ahead of now an occurredAt may be; 2 minutes by default. */
  maxSkewMs?: number;
  /**
   * The instance's charging mode from its order; anything but ON_DEMAND / ON_DEMAND_PKG is refused, undefined (not
   * known) is let through. Asked once per instance of every record call: answer from stored order details.
   */
  chargingModeOf?: (instanceId: string) => Promise<string | undefined>;
  leaseMs?: number;
  retryBaseMs?: number;
  retryCapMs?: number;
  random?: () => number;
  newMeteringSn?: () => string;
  logger?: Logger;
  /** How long an operator's retry waits for the marketplace's answer before it answers with the record still pending; 3 s by default. */
  retryWaitMs?: number;
}

export interface MeterLoopOptions {
  intervalMs: number;
  pushUsage: PushUsage;
  logger?: Logger;
}

export interface SealNowReport extends AggregateReport {
  /** The push made at once, when the meter pushes (start was called); undefined when records wait for a push loop. */
  delivery?: DeliveryReport;
  /** Records still pending afterwards (of the instance asked, or of every instance). */
  pending: number;
}

/** How long seal now waits for its push; what is not accepted by then goes with the loop's next tick. */
const SEAL_NOW_PUSH_MS = 10_000;

/**
 * Usage metering of pay-per-use instances (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649410.html): the seller's product records usage events; the meter seals
 * each closed billing window of an instance into one usage record with a stable metering_sn, and delivers the records
 * to the marketplace until each is accepted exactly once (it dedupes by metering_sn).
 */
export class UsageMeter {
  private readonly ctx: MeterContext;
  private readonly options: UsageMeterOptions;
  private readonly batchSize: BatchSize;
  private readonly delivery: DeliveryRunner;
  /** The push of the running loop, which seal now uses too. */
  private pushUsage: PushUsage | undefined;

  constructor(options: UsageMeterOptions) {
    const batchSize = options.batchSize ?? 1000;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1000) throw new Error('usage meter: batchSize must be an integer from 1 to 1000');
    for (const name of ['graceMs', 'maxSkewMs', 'leaseMs', 'retryBaseMs', 'retryCapMs', 'retryWaitMs', 'dailyUtcOffsetMinutes'] as const) {
      const value = options[name];
      if (value !== undefined && !(Number.isInteger(value) && (value >= 0 || name === 'dailyUtcOffsetMinutes'))) {
        throw new Error(`usage meter: ${name} must be ${name === 'dailyUtcOffsetMinutes' ? 'an integer' : 'a non-negative integer'}`);
      }
    }
    this.options = options;
    this.ctx = {
      db: options.db,
      now: options.now ?? Date.now,
      windows: billingWindows(options.window ?? 'hourly', options.dailyUtcOffsetMinutes ?? 480),
      logger: options.logger ?? silentLogger,
    };
    this.batchSize = { current: batchSize };
    this.delivery = deliveryRunner(
      this.ctx,
      {
        leaseMs: options.leaseMs ?? 5 * 60_000,
        retryBaseMs: options.retryBaseMs ?? 30_000,
        retryCapMs: options.retryCapMs ?? 10 * 60_000,
        random: options.random ?? Math.random,
      },
      this.batchSize,
    );
  }

  /**
   * Records usage of pay-per-use instances, for the seller's product: up to 1000 events a call, one result per event,
   * in order. Idempotent by `eventId`: a resend with the same content answers `duplicate` and counts nothing again;
   * the same id with other content is refused (000002). Refused, with nothing stored: an unknown instance (000003);
   * a malformed event, an instance that is not pay-per-use, or an occurredAt before the instance's creation, after
   * its release, in the future or more than 21 days ago (000002, with a message that says which).
   *
   * ```ts
   * const [result] = await meter.record([{ eventId: 'req-8812', instanceId, quantity: '12.5' }]);
   * if (result.status === 'refused') log(result.code, result.message);
   * ```
   */
  record(events: readonly UsageEventInput[]): Promise<RecordResult[]> {
    return recordEvents(this.ctx, { maxSkewMs: this.options.maxSkewMs ?? 120_000, chargingModeOf: this.options.chargingModeOf }, events);
  }

  /** Seals every closed window (grace period passed) into one usage record per instance, package and window. */
  aggregate(): Promise<AggregateReport> {
    return aggregateWindows(this.ctx, { graceMs: this.options.graceMs ?? 5 * 60_000, newMeteringSn: this.options.newMeteringSn });
  }

  /**
   * Seal now (docs/decisions.md#25): seals the closed windows and the open ones, each open window's record ending at the
   * current second, of one instance or of all; then, when the meter pushes, sends the due records at once.
   */
  async sealNow(scope: SealNow = {}): Promise<SealNowReport> {
    const sealed = await aggregateWindows(this.ctx, { graceMs: this.options.graceMs ?? 5 * 60_000, newMeteringSn: this.options.newMeteringSn }, scope);
    const push = this.pushUsage;
    const delivery = push ? await this.deliver(push, AbortSignal.timeout(SEAL_NOW_PUSH_MS)) : undefined;
    const status = await this.status({ limit: 1, ...(scope.instanceId !== undefined ? { instanceId: scope.instanceId } : {}) });
    return { ...sealed, ...(delivery ? { delivery } : {}), pending: status.counts.pending };
  }

  /** Sends the due pending records to the marketplace with `pushUsage`. */
  deliver(pushUsage: PushUsage, signal?: AbortSignal): Promise<DeliveryReport> {
    return deliverRecords(this.ctx, this.delivery, this.batchSize, pushUsage, signal);
  }

  /** The delivery counters since the meter was made (records attempted, sent, retried, given up, in flight). */
  deliveryStats(): JobStats {
    return this.delivery.stats();
  }

  /**
   * An operator's "retry now": makes pending and rejected records due at once (pending again) and, while the meter runs,
   * sends them, waiting up to `retryWaitMs` for the marketplace. A record already sent, past the 21-day limit, or being
   * sent right now is left as it is; each result says why.
   */
  retry(meteringSns: readonly string[]): Promise<RecordAction[]> {
    const push = this.pushUsage;
    return retryRecords(this.ctx, meteringSns, push ? (due) => this.sendNow(push, due) : undefined);
  }

  /** An operator's "give up": pending records are not sent any more (`rejected`, last code GIVEN_UP); `retry` undoes it. */
  giveUp(meteringSns: readonly string[], reason?: string): Promise<RecordAction[]> {
    return giveUpRecords(this.ctx, meteringSns, reason);
  }

  /** Sends the records one by one, answering after the last or after `retryWaitMs`, whichever comes first; the rest goes on. */
  private async sendNow(push: PushUsage, meteringSns: readonly string[]): Promise<void> {
    const sending = (async () => {
      for (const sn of meteringSns) await deliverOne(this.ctx, this.delivery, this.batchSize, push, sn);
    })().catch((error: unknown) => this.ctx.logger.error("usage: an operator's retry failed", { error: (error as Error).message ?? String(error) }));
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.retryWaitMs ?? 3_000);
      timer.unref();
    });
    await Promise.race([sending, waited]);
    clearTimeout(timer);
  }

  status(query: StatusQuery = {}): Promise<UsageStatus> {
    return usageStatus(this.ctx, query);
  }

  /** queryInstance `usageInfo` of each instance asked (see status.ts usageInfo). */
  usageInfo(instanceIds: readonly string[]): Promise<Map<string, UsageInfoEntry[]>> {
    return usageInfo(this.ctx, instanceIds);
  }

  /**
   * Aggregates and delivers every `intervalMs`, a tick never overlapping the previous one; errors are logged, never
   * thrown. The first tick runs at once (records left pending by a restart go out). Answers the function that stops
   * the loop: it aborts the push in flight and resolves once the current tick is over.
   */
  start(loop: MeterLoopOptions): () => Promise<void> {
    if (!Number.isInteger(loop.intervalMs) || loop.intervalMs < 1) throw new Error('usage meter: intervalMs must be a positive integer');
    const logger = loop.logger ?? this.ctx.logger;
    this.pushUsage = loop.pushUsage;
    const stop = this.delivery.start({
      intervalMs: loop.intervalMs,
      run: async (signal) => {
        try {
          await this.aggregate();
          await this.deliver(loop.pushUsage, signal);
        } catch (error) {
          logger.error('usage: metering tick failed', { error: (error as Error).message ?? String(error) });
        }
      },
    });
    return async () => {
      this.pushUsage = undefined;
      await stop();
    };
  }
}
