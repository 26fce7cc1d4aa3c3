import type { Kysely, Selectable } from 'kysely';
import type { Logger } from '../log.js';
import type { MarketplaceAnswer } from '../marketplace/answer.js';
import type { Database } from '../store/schema.js';
import type { OrderLookupState, OrderLookupsTable } from '../store/tables/orders.js';
import { type OrderDetails, orderDetailsOf } from './order-details.js';

export type QueryOrder = (orderId: string, orderLineId: string, signal?: AbortSignal) => Promise<MarketplaceAnswer<{ orderInfo?: Record<string, unknown> }>>;

export type OrderLookupRow = Selectable<OrderLookupsTable>;
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

/**
 * Order enrichment: the marketplace's calls carry only IDs, so kgkit looks every new, upgraded or notified order line
 * up with Query Order, in the background, and keeps what it finds (saas-v2.md §3.8). A lookup that fails is retried
 * with backoff, on any replica (rows are claimed with a lease), and stays visible with its last error.
 */
export class OrderLookups {
  private readonly db: Kysely<Database>;
  private readonly queryOrder: QueryOrder;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly maxAttempts: number;
  private readonly firstRetryMs: number;
  private readonly maxRetryMs: number;
  private readonly leaseMs: number;
  private readonly inflight = new Set<Promise<unknown>>();
  /** The attempt this process is making for an order line: a second caller waits for it instead of giving up. */
  private readonly attempts = new Map<string, Promise<void>>();

  constructor({ db, queryOrder, logger, now = Date.now, maxAttempts = 24, firstRetryMs = 10_000, maxRetryMs = 15 * 60_000, leaseMs = 60_000 }: OrderLookupsOptions) {
    this.db = db;
    this.queryOrder = queryOrder;
    this.logger = logger;
    this.now = now;
    this.maxAttempts = maxAttempts;
    this.firstRetryMs = firstRetryMs;
    this.maxRetryMs = maxRetryMs;
    this.leaseMs = leaseMs;
  }

  /**
   * Asks for the order line to be looked up (once: a resend of the same call changes nothing) and starts the lookup in
   * the background; a lookup that had given up starts over. Resolves once the request is stored, not when it is done.
   */
  async track(order: { orderId: string; orderLineId: string; instanceId?: string; reason: LookupReason }): Promise<void> {
    const now = this.now();
    // One statement: the first call inserts the line, a resend names the instance if it was unknown, and a lookup that
    // had given up starts over.
    const row = await this.db
      .insertInto('order_lookups')
      .values({
        order_id: order.orderId,
        order_line_id: order.orderLineId,
        instance_id: order.instanceId ?? null,
        reason: order.reason,
        state: 'pending',
        attempts: 0,
        next_attempt_at: now,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc.columns(['order_id', 'order_line_id']).doUpdateSet((eb) => ({
          instance_id: eb.fn.coalesce('order_lookups.instance_id', 'excluded.instance_id'),
          state: eb.case().when('order_lookups.state', '=', 'failed').then('pending').else(eb.ref('order_lookups.state')).end().$castTo<OrderLookupState>(),
          attempts: eb.case().when('order_lookups.state', '=', 'failed').then(0).else(eb.ref('order_lookups.attempts')).end(),
          next_attempt_at: eb.case().when('order_lookups.state', '=', 'failed').then(now).else(eb.ref('order_lookups.next_attempt_at')).end(),
        })),
      )
      .returning('state')
      .executeTakeFirst();
    if (row?.state !== 'pending') return;
    this.background(this.attempt(order.orderId, order.orderLineId));
  }

  /** The stored details of an order line, if it was found. */
  async details(orderId: string, orderLineId: string): Promise<OrderDetails | undefined> {
    const row = await this.find(orderId, orderLineId);
    return row?.state === 'found' ? detailsOfRow(row) : undefined;
  }

  /** The details, looked up now when they are not stored yet (provisioning that needs them waits on this). */
  async require(orderId: string, orderLineId: string, signal?: AbortSignal): Promise<OrderDetails | undefined> {
    const stored = await this.details(orderId, orderLineId);
    if (stored) return stored;
    await this.attempt(orderId, orderLineId, signal);
    return this.details(orderId, orderLineId);
  }

  /** The latest order found for an instance: its creation, or the upgrade after it. */
  async forInstance(instanceId: string): Promise<OrderDetails | undefined> {
    const row = await this.db
      .selectFrom('order_lookups')
      .selectAll()
      .where('instance_id', '=', instanceId)
      .where('state', '=', 'found')
      .orderBy('found_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? detailsOfRow(row) : undefined;
  }

  async find(orderId: string, orderLineId: string): Promise<OrderLookupRow | undefined> {
    return this.db.selectFrom('order_lookups').selectAll().where('order_id', '=', orderId).where('order_line_id', '=', orderLineId).executeTakeFirst();
  }

  /** Looks up every pending order line whose retry time has come; returns how many it tried. */
  async runDue(limit = 50): Promise<number> {
    const due = await this.db
      .selectFrom('order_lookups')
      .select(['order_id', 'order_line_id'])
      .where('state', '=', 'pending')
      .where('next_attempt_at', '<=', this.now())
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', this.now())]))
      .orderBy('next_attempt_at')
      .limit(limit)
      .execute();
    for (const row of due) await this.attempt(row.order_id, row.order_line_id);
    return due.length;
  }

  /** Runs `runDue` every `intervalMs` until the returned function is called. */
  start(intervalMs = 5_000): () => Promise<void> {
    let running: Promise<unknown> = Promise.resolve();
    const timer = setInterval(() => {
      running = running.then(() => this.runDue()).catch((error: unknown) => this.logger.error('order lookups failed', { error: (error as Error).message }));
    }, intervalMs);
    timer.unref();
    return async () => {
      clearInterval(timer);
      await running;
      await this.settle();
    };
  }

  /** Resolves when every lookup started in the background has finished (tests, shutdown). */
  async settle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  private background(work: Promise<unknown>): void {
    const tracked = work.catch((error: unknown) => this.logger.error('order lookup failed', { error: (error as Error).message }));
    this.inflight.add(tracked);
    void tracked.finally(() => this.inflight.delete(tracked));
  }

  private attempt(orderId: string, orderLineId: string, signal?: AbortSignal): Promise<void> {
    const key = JSON.stringify([orderId, orderLineId]);
    const running = this.attempts.get(key);
    if (running) return running;
    const started = this.tryOnce(orderId, orderLineId, signal).finally(() => this.attempts.delete(key));
    this.attempts.set(key, started);
    return started;
  }

  /** One lookup of one order line, if it is pending, due (backoff holds for everyone) and no other replica holds it. */
  private async tryOnce(orderId: string, orderLineId: string, signal?: AbortSignal): Promise<void> {
    const now = this.now();
    const claimed = await this.db
      .updateTable('order_lookups')
      .set({ lease_until: now + this.leaseMs })
      .where('order_id', '=', orderId)
      .where('order_line_id', '=', orderLineId)
      .where('state', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) return;
    const row = (await this.find(orderId, orderLineId))!;
    const answer = await this.queryOrder(orderId, orderLineId, signal);
    const details = answer.ok && answer.data.orderInfo ? orderDetailsOf(answer.data.orderInfo, orderLineId) : undefined;
    const at = this.now();
    if (details) {
      await this.db
        .updateTable('order_lookups')
        .set({
          state: 'found',
          attempts: row.attempts + 1,
          lease_until: null,
          last_code: null,
          last_error: null,
          order_type: details.orderType ?? null,
          charging_mode: details.chargingMode ?? null,
          product_id: details.productId ?? null,
          sku_code: details.skuCode ?? null,
          period_type: details.periodType ?? null,
          period_number: details.periodNumber ?? null,
          expire_time: details.expireTime ?? null,
          customer_id: details.customerId ?? null,
          buyer: details.buyer ? JSON.stringify(details.buyer) : null,
          extend_params: details.extendParams ? JSON.stringify(details.extendParams) : null,
          order_info: JSON.stringify(details.orderInfo),
          updated_at: at,
          found_at: at,
        })
        .where('order_id', '=', orderId)
        .where('order_line_id', '=', orderLineId)
        .execute();
      return;
    }
    const attempts = row.attempts + 1;
    const code = answer.ok ? answer.code : answer.code;
    const error = answer.ok ? `the answer has no order line ${orderLineId}` : answer.message;
    const gaveUp = attempts >= this.maxAttempts;
    await this.db
      .updateTable('order_lookups')
      .set({
        state: gaveUp ? 'failed' : 'pending',
        attempts,
        next_attempt_at: at + Math.min(this.maxRetryMs, this.firstRetryMs * 2 ** (attempts - 1)),
        lease_until: null,
        last_code: code,
        last_error: error.slice(0, 1024),
        updated_at: at,
      })
      .where('order_id', '=', orderId)
      .where('order_line_id', '=', orderLineId)
      .execute();
    this.logger[gaveUp ? 'error' : 'warn'](gaveUp ? 'order lookup gave up' : 'order lookup failed; will retry', { orderId, orderLineId, attempts, code, error });
  }
}

/** What a lookup found, as the provisioner and the kgkit API see it. */
export function detailsOfRow(row: OrderLookupRow): OrderDetails {
  const details: OrderDetails = { orderId: row.order_id, orderLineId: row.order_line_id, orderInfo: row.order_info ? (JSON.parse(row.order_info) as Record<string, unknown>) : {} };
  if (row.order_type !== null) details.orderType = row.order_type;
  if (row.charging_mode !== null) details.chargingMode = row.charging_mode;
  if (row.product_id !== null) details.productId = row.product_id;
  if (row.sku_code !== null) details.skuCode = row.sku_code;
  if (row.period_type !== null) details.periodType = row.period_type;
  if (row.period_number !== null) details.periodNumber = Number(row.period_number);
  if (row.expire_time !== null) details.expireTime = row.expire_time;
  if (row.customer_id !== null) details.customerId = row.customer_id;
  if (row.buyer !== null) details.buyer = JSON.parse(row.buyer) as Record<string, unknown>;
  if (row.extend_params !== null) details.extendParams = JSON.parse(row.extend_params) as unknown[];
  return details;
}

/** The lookups that match a filter, most recently changed first (kgkit API, `kgkit orders`). */
export async function listOrderLookups(db: Kysely<Database>, filter: { state?: OrderLookupState; orderId?: string; instanceId?: string; limit?: number } = {}): Promise<OrderLookupRow[]> {
  let query = db.selectFrom('order_lookups').selectAll();
  if (filter.state) query = query.where('state', '=', filter.state);
  if (filter.orderId) query = query.where('order_id', '=', filter.orderId);
  if (filter.instanceId) query = query.where('instance_id', '=', filter.instanceId);
  return query.orderBy('updated_at', 'desc').limit(filter.limit ?? 100).execute();
}

export async function countOrderLookups(db: Kysely<Database>): Promise<Record<OrderLookupState, number>> {
  const rows = await db.selectFrom('order_lookups').select(['state', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('state').execute();
  const counts: Record<OrderLookupState, number> = { pending: 0, found: 0, failed: 0 };
  for (const row of rows) counts[row.state] = Number(row.n);
  return counts;
}
