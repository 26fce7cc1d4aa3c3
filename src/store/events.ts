import { type Kysely, type Selectable, sql } from 'kysely';
import { fixedSql } from './fixed-sql.js';
import type { Database, EventsTable } from './schema.js';

export type EventRecord = Omit<Selectable<EventsTable>, 'id'>;
export type StoredEvent = Selectable<EventsTable>;

/** The audit trail: every call the marketplace made that reached a handler, with its outcome. */
export async function appendEvent(db: Kysely<Database>, event: EventRecord): Promise<void> {
  await insertEvent(db, [
    event.received_at,
    event.family,
    event.activity,
    event.order_id,
    event.order_line_id,
    event.instance_id,
    event.test_flag,
    event.request,
    event.result_code,
    event.result_msg,
    event.duration_ms,
  ]);
}

const insertEvent = fixedSql(
  'insert into events (received_at, family, activity, order_id, order_line_id, instance_id, test_flag, request, result_code, result_msg, duration_ms) ' +
    'values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
);

export interface EventQuery {
  instanceId?: string;
  orderId?: string;
  limit?: number;
}

export async function listEvents(db: Kysely<Database>, query: EventQuery = {}): Promise<StoredEvent[]> {
  let q = db
    .selectFrom('events')
    .selectAll()
    .orderBy('received_at', 'desc')
    .orderBy('id', 'desc')
    .limit(query.limit ?? 100);
  // The indexes hold a prefix of each ID (migration 0009): the prefix finds the rows, the full value picks them.
  if (query.instanceId !== undefined)
    q = q.where(sql`substr(instance_id, 1, 200)`, '=', sql<string>`substr(${query.instanceId}, 1, 200)`).where('instance_id', '=', query.instanceId);
  if (query.orderId !== undefined)
    q = q.where(sql`substr(order_id, 1, 200)`, '=', sql<string>`substr(${query.orderId}, 1, 200)`).where('order_id', '=', query.orderId);
  return q.execute();
}
