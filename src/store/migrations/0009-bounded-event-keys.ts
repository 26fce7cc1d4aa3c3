import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../../config.js';

/**
 * The audit trail must keep every call, whatever IDs it carries. Its lookup indexes held the whole `instance_id` and
 * `order_id`, and PostgreSQL refuses a btree row over ~2.7 kB: a refused call with a long ID, or a queryInstance of
 * 100 IDs, lost its row. The indexes now hold a 200-character prefix (at most 800 bytes of UTF-8); the full values stay
 * in their columns, unindexed, and every lookup compares both (src/store/events.ts).
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.dropIndex('events_instance_idx').execute();
  await db.schema.dropIndex('events_order_idx').execute();
  await sql`create index events_instance_prefix_idx on events (substr(instance_id, 1, 200), received_at)`.execute(db);
  await sql`create index events_order_prefix_idx on events (substr(order_id, 1, 200), received_at)`.execute(db);
}
