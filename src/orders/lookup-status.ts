import type { Kysely } from 'kysely';
import { type JobListing, type JobStatus, jobStatus } from '../jobs/status.js';
import { type OrderLookupFilter, type OrderLookupRow, countOrderLookupsByState, listOrderLookupRows } from '../store/order-lookups.js';
import type { Database } from '../store/schema.js';
import type { OrderLookupState } from '../store/tables/orders.js';
import type { OrderDetails } from './order-details.js';
import type { LookupReason } from './order-lookups.js';
import { detailsOfRow } from './lookup-rows.js';

export type { OrderLookupFilter, OrderLookupState };

export const ORDER_LOOKUP_STATES: readonly OrderLookupState[] = ['pending', 'found', 'failed'];

/** One order line kgkit looks up, as the kgkit API and `kgkit orders` show it. */
export interface OrderLookupView {
  orderId: string;
  orderLineId: string;
  /** Null for an orderNotify of an order kgkit has no instance for. */
  instanceId: string | null;
  reason: LookupReason;
  state: OrderLookupState;
  attempts: number;
  /** While pending: when it is tried next (epoch ms). */
  nextAttemptAt: number | null;
  lastCode: string | null;
  lastError: string | null;
  foundAt: number | null;
  /** What it found, once found. */
  order?: OrderDetails;
}

function viewOf(row: OrderLookupRow): OrderLookupView {
  return {
    orderId: row.order_id,
    orderLineId: row.order_line_id,
    instanceId: row.instance_id,
    reason: row.reason as LookupReason,
    state: row.state,
    attempts: Number(row.attempts),
    nextAttemptAt: row.state === 'pending' ? row.next_attempt_at : null,
    lastCode: row.last_code,
    lastError: row.last_error,
    foundAt: row.found_at,
    ...(row.state === 'found' ? { order: detailsOfRow(row) } : {}),
  };
}

/** Lookups per state (all of them), and those that match the filter, most recently changed first. */
export function orderLookupStatus(
  db: Kysely<Database>,
  filter: OrderLookupFilter & { limit?: number } = {},
): Promise<JobStatus<OrderLookupState, OrderLookupView>> {
  const listing: JobListing<OrderLookupState, OrderLookupView, OrderLookupFilter> = {
    states: ORDER_LOOKUP_STATES,
    count: () => countOrderLookupsByState(db),
    newest: async (query, limit) => (await listOrderLookupRows(db, { ...query, limit })).map(viewOf),
  };
  return jobStatus(listing, filter);
}
