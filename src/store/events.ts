import type { Kysely, Selectable } from 'kysely';
import type { Database, EventsTable } from './schema.js';

export type EventRecord = Omit<Selectable<EventsTable>, 'id'>;
export type StoredEvent = Selectable<EventsTable>;

/** The audit trail: every call the marketplace made that reached a handler, with its outcome. */
export async function appendEvent(db: Kysely<Database>, event: EventRecord): Promise<void> {
  await db.insertInto('events').values(event).execute();
}

export interface EventQuery {
  instanceId?: string;
  orderId?: string;
  limit?: number;
}

export async function listEvents(db: Kysely<Database>, query: EventQuery = {}): Promise<StoredEvent[]> {
  let q = db.selectFrom('events').selectAll().orderBy('received_at', 'desc').orderBy('id', 'desc').limit(query.limit ?? 100);
  if (query.instanceId !== undefined) q = q.where('instance_id', '=', query.instanceId);
  if (query.orderId !== undefined) q = q.where('order_id', '=', query.orderId);
  return q.execute();
}
