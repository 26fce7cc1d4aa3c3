import type { Kysely } from 'kysely';
import type { JobItem, JobStore, Work } from '../jobs/job-store.js';
import { JobRunner, type JobStats } from '../jobs/runner.js';
import type { Logger } from '../log.js';
import type { MarketplaceAnswer } from '../marketplace/answer.js';
import {
  findOrderLookup,
  latestFoundOrderLookup,
  markOrderLookupsFailed,
  markOrderLookupsFound,
  orderLookupLeases,
  requestOrderLookup,
} from '../store/order-lookups.js';
import type { Database } from '../store/schema.js';
import { type OrderDetails, orderDetailsOf } from './order-details.js';
import { detailsOfRow, foundColumnsOf } from './lookup-rows.js';

export type QueryOrder = (orderId: string, orderLineId: string, signal?: AbortSignal) => Promise<MarketplaceAnswer<{ orderInfo?: Record<string, unknown> }>>;

export type LookupReason = 'newInstance' | 'upgradeInstance' | 'orderNotify';

export interface OrderLookupsOptions {
  db: Kysely<Database>;
  queryOrder: QueryOrder;
  logger: Logger;
  now?: () => number;
  /** Attempts before a lookup is `failed` (it is tried again on the next trigger); with the backoff below, ~4 h. */
  maxAttempts?: number;
  firstRetryMs?: number;
  maxRetryMs?: number;
  /** How long one attempt owns its row before another replica may take it over. */
  leaseMs?: number;
}

interface Lookup extends JobItem {
  orderId: string;
  orderLineId: string;
}

const keyOf = (orderId: string, orderLineId: string) => JSON.stringify([orderId, orderLineId]);

/** The order_lookups table as the job runner sees it. */
function lookupStore(db: Kysely<Database>): JobStore<Lookup, OrderDetails> {
  const keys = (items: readonly Lookup[]) => items.map((item) => [item.orderId, item.orderLineId]);
  return {
    async claim({ key, ...claim }) {
      const rows = await orderLookupLeases.claim(db, { ...claim, ...(key === undefined ? {} : { key: JSON.parse(key) as string[] }) });
      return rows.map((row) => ({
        key: keyOf(row.order_id, row.order_line_id),
        attempts: Number(row.attempts),
        orderId: row.order_id,
        orderLineId: row.order_line_id,
      }));
    },
    extend: (items, lease) => orderLookupLeases.extend(db, keys(items), lease),
    release: (items, holder) => orderLookupLeases.release(db, keys(items), holder),
    succeed: (items, holder, details) => markOrderLookupsFound(db, keys(items), holder, foundColumnsOf(details)),
    retry: (items, failure) => markOrderLookupsFailed(db, keys(items), { ...failure, state: 'pending' }),
    giveUp: (items, failure) => markOrderLookupsFailed(db, keys(items), { ...failure, state: 'failed' }),
  };
}

/**
 * Order enrichment: the marketplace's calls carry only IDs, so kgkit looks every new, upgraded or notified order line
 * up with Query Order, in the background, and keeps what it finds (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649350.html). A lookup that fails is retried
 * with backoff, on any replica (src/jobs/: rows are claimed with a lease), and stays visible with its last error.
 */
export class OrderLookups {
  private readonly db: Kysely<Database>;
  private readonly queryOrder: QueryOrder;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly runner: JobRunner<Lookup, OrderDetails>;

  constructor({
    db,
    queryOrder,
    logger,
    now = Date.now,
    maxAttempts = 24,
    firstRetryMs = 10_000,
    maxRetryMs = 15 * 60_000,
    leaseMs = 60_000,
  }: OrderLookupsOptions) {
    this.db = db;
    this.queryOrder = queryOrder;
    this.logger = logger;
    this.now = now;
    this.runner = new JobRunner({
      kind: 'order lookup',
      store: lookupStore(db),
      backoff: { baseMs: firstRetryMs, capMs: maxRetryMs, jitter: 0 },
      giveUp: { maxAttempts },
      leaseMs,
      maxPerRun: 50,
      logger,
      now,
    });
  }

  /**
   * Asks for the order line to be looked up (once: a resend of the same call changes nothing) and starts the lookup in
   * the background; a lookup that had given up starts over. Resolves once the request is stored, not when it is done.
   */
  async track(order: { orderId: string; orderLineId: string; instanceId?: string; reason: LookupReason }): Promise<void> {
    const state = await requestOrderLookup(this.db, { ...order, instanceId: order.instanceId ?? null, now: this.now() });
    if (state !== 'pending') return;
    this.runner
      .runOne(keyOf(order.orderId, order.orderLineId), this.lookUp)
      .catch((error: unknown) => this.logger.error('order lookup failed', { error: (error as Error).message }));
  }

  /** The stored details of an order line, if it was found. */
  async details(orderId: string, orderLineId: string): Promise<OrderDetails | undefined> {
    const row = await findOrderLookup(this.db, orderId, orderLineId);
    return row?.state === 'found' ? detailsOfRow(row) : undefined;
  }

  /** The details, looked up now when they are not stored yet (provisioning that needs them waits on this). */
  async require(orderId: string, orderLineId: string, signal?: AbortSignal): Promise<OrderDetails | undefined> {
    const stored = await this.details(orderId, orderLineId);
    if (stored) return stored;
    await this.runner.runOne(keyOf(orderId, orderLineId), this.lookUp, signal);
    return this.details(orderId, orderLineId);
  }

  /** The latest order found for an instance: its creation, or the upgrade after it. */
  async forInstance(instanceId: string): Promise<OrderDetails | undefined> {
    const row = await latestFoundOrderLookup(this.db, instanceId);
    return row ? detailsOfRow(row) : undefined;
  }

  /** Looks up pending order lines whose retry time has come (50 at most); returns how many it tried. */
  async runDue(): Promise<number> {
    return (await this.runner.runDue(this.lookUp)).claimed;
  }

  /** Runs `runDue` every `intervalMs` until the returned function is called; it waits for the lookups in flight. */
  start(intervalMs = 5_000): () => Promise<void> {
    return this.runner.start({
      intervalMs,
      run: (signal) => this.runner.runDue(this.lookUp, signal),
      onError: (error) => this.logger.error('order lookups failed', { error: (error as Error).message }),
    });
  }

  /** Resolves when every lookup started in the background has finished (tests, shutdown). */
  settle(): Promise<void> {
    return this.runner.idle();
  }

  stats(): JobStats {
    return this.runner.stats();
  }

  /** One Query Order call per line: found, or failed (retried, or given up after the last attempt). */
  private readonly lookUp: Work<Lookup, OrderDetails> = async (batch) => {
    for (const lookup of batch.items) {
      const { orderId, orderLineId } = lookup;
      const answer = await this.queryOrder(orderId, orderLineId, batch.signal);
      const details = answer.ok && answer.data.orderInfo ? orderDetailsOf(answer.data.orderInfo, orderLineId) : undefined;
      if (details) {
        await batch.succeeded([lookup], details);
        continue;
      }
      const failure = { code: answer.code, error: answer.ok ? `the answer has no order line ${orderLineId}` : answer.message };
      const { gaveUp, attempts } = await batch.failed([lookup], failure);
      this.logger[gaveUp ? 'error' : 'warn'](gaveUp ? 'order lookup gave up' : 'order lookup failed; will retry', {
        orderId,
        orderLineId,
        attempts,
        ...failure,
      });
    }
  };
}
