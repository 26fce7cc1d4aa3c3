import type { Kysely, Selectable } from 'kysely';
import { type JobKey, jobLeases } from './job-leases.js';
import type { Database } from './schema.js';
import type { OrderLookupState, OrderLookupsTable } from './tables/orders.js';

export type OrderLookupRow = Selectable<OrderLookupsTable>;

/** What a lookup found, as stored: the order line's fields, JSON for the buyer, extend parameters and whole orderInfo. */
export type FoundOrderColumns = Pick<
  OrderLookupsTable,
  | 'order_type'
  | 'charging_mode'
  | 'product_id'
  | 'sku_code'
  | 'period_type'
  | 'period_number'
  | 'expire_time'
  | 'customer_id'
  | 'buyer'
  | 'extend_params'
  | 'order_info'
>;

/** A lookup's key: [order_id, order_line_id]. */
export const orderLookupLeases = jobLeases({
  table: 'order_lookups',
  key: ['order_id', 'order_line_id'],
  state: 'state',
  waiting: 'pending',
  nextAttemptAt: 'next_attempt_at',
  leaseOwner: 'lease_owner',
  leaseUntil: 'lease_until',
  order: ['next_attempt_at'],
});

/**
 * Asks for an order line to be looked up, in one statement: the first call inserts it, a resend names the instance if it
 * was unknown, and a lookup that had given up starts over. Answers the state it is in now.
 */
export async function requestOrderLookup(
  db: Kysely<Database>,
  request: { orderId: string; orderLineId: string; instanceId: string | null; reason: string; now: number },
): Promise<OrderLookupState | undefined> {
  const { now } = request;
  const row = await db
    .insertInto('order_lookups')
    .values({
      order_id: request.orderId,
      order_line_id: request.orderLineId,
      instance_id: request.instanceId,
      reason: request.reason,
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
  return row?.state;
}

export async function findOrderLookup(db: Kysely<Database>, orderId: string, orderLineId: string): Promise<OrderLookupRow | undefined> {
  return db.selectFrom('order_lookups').selectAll().where('order_id', '=', orderId).where('order_line_id', '=', orderLineId).executeTakeFirst();
}

/** The latest lookup found for an instance: its creation, or the upgrade after it. */
export async function latestFoundOrderLookup(db: Kysely<Database>, instanceId: string): Promise<OrderLookupRow | undefined> {
  return db
    .selectFrom('order_lookups')
    .selectAll()
    .where('instance_id', '=', instanceId)
    .where('state', '=', 'found')
    .orderBy('found_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

interface Settled {
  owner: string;
  now: number;
}

export async function markOrderLookupsFound(db: Kysely<Database>, keys: readonly JobKey[], settled: Settled, found: FoundOrderColumns): Promise<void> {
  await db
    .updateTable('order_lookups')
    .set((eb) => ({
      ...found,
      state: 'found',
      attempts: eb('attempts', '+', 1),
      lease_owner: null,
      lease_until: null,
      last_code: null,
      last_error: null,
      updated_at: settled.now,
      found_at: settled.now,
    }))
    .where(orderLookupLeases.heldBy(keys, settled.owner))
    .execute();
}

/** A failed attempt: pending again at `nextAttemptAt`, or `failed` when the lookup gives up. */
export async function markOrderLookupsFailed(
  db: Kysely<Database>,
  keys: readonly JobKey[],
  failure: Settled & { state: 'pending' | 'failed'; nextAttemptAt?: number; code: string | null; error: string },
): Promise<void> {
  await db
    .updateTable('order_lookups')
    .set((eb) => ({
      state: failure.state,
      attempts: eb('attempts', '+', 1),
      ...(failure.nextAttemptAt === undefined ? {} : { next_attempt_at: failure.nextAttemptAt }),
      lease_owner: null,
      lease_until: null,
      last_code: failure.code,
      last_error: failure.error.slice(0, 1024),
      updated_at: failure.now,
    }))
    .where(orderLookupLeases.heldBy(keys, failure.owner))
    .execute();
}

export interface OrderLookupFilter {
  state?: OrderLookupState;
  orderId?: string;
  instanceId?: string;
}

/** The lookups that match a filter, most recently changed first. */
export async function listOrderLookupRows(db: Kysely<Database>, filter: OrderLookupFilter & { limit: number }): Promise<OrderLookupRow[]> {
  let query = db.selectFrom('order_lookups').selectAll();
  if (filter.state) query = query.where('state', '=', filter.state);
  if (filter.orderId) query = query.where('order_id', '=', filter.orderId);
  if (filter.instanceId) query = query.where('instance_id', '=', filter.instanceId);
  return query.orderBy('updated_at', 'desc').limit(filter.limit).execute();
}

export async function countOrderLookupsByState(db: Kysely<Database>): Promise<Map<OrderLookupState, number>> {
  const rows = await db
    .selectFrom('order_lookups')
    .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('state')
    .execute();
  return new Map(rows.map((row) => [row.state, Number(row.n)]));
}
