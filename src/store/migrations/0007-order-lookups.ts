import type { Kysely } from 'kysely';
import type { Dialect } from '../../config.js';

/** Order enrichment (src/orders/): each order line kgkit looks up with Query Order, its state and what it found. */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('order_lookups')
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('order_line_id', 'text', (c) => c.notNull())
    .addColumn('instance_id', 'text')
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('lease_until', 'bigint')
    .addColumn('last_code', 'text')
    .addColumn('last_error', 'text')
    .addColumn('order_type', 'text')
    .addColumn('charging_mode', 'text')
    .addColumn('product_id', 'text')
    .addColumn('sku_code', 'text')
    .addColumn('period_type', 'text')
    .addColumn('period_number', 'integer')
    .addColumn('expire_time', 'text')
    .addColumn('customer_id', 'text')
    .addColumn('buyer', 'text')
    .addColumn('extend_params', 'text')
    .addColumn('order_info', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('found_at', 'bigint')
    .addPrimaryKeyConstraint('order_lookups_pk', ['order_id', 'order_line_id'])
    .execute();
  await db.schema.createIndex('order_lookups_due_idx').on('order_lookups').columns(['state', 'next_attempt_at']).execute();
  await db.schema.createIndex('order_lookups_instance_idx').on('order_lookups').columns(['instance_id', 'found_at']).execute();
}
