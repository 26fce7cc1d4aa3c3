import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../../config.js';

/** Instances, the audit trail and the nonce registry of the SaaS V2.0 production interface. */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const autoId = dialect === 'postgres' ? 'bigserial' : 'integer';
  await db.schema
    .createTable('instances')
    .addColumn('instance_id', 'text', (c) => c.primaryKey())
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('order_line_id', 'text', (c) => c.notNull())
    .addColumn('business_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('frozen', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('test_flag', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('app_info', 'text')
    .addColumn('product_id', 'text')
    .addColumn('expires_at', 'bigint')
    .addColumn('provision_lease_until', 'bigint')
    .addColumn('provision_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('instances_order_line_unique', ['order_id', 'order_line_id'])
    .execute();

  await db.schema
    .createTable('instance_orders')
    .addColumn('instance_id', 'text', (c) => c.notNull().references('instances.instance_id'))
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('scene', 'text', (c) => c.notNull())
    .addColumn('order_line_id', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('product_id', 'text')
    .addColumn('applied_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('instance_orders_pk', ['instance_id', 'order_id', 'kind', 'scene'])
    .execute();

  await db.schema
    .createTable('events')
    .addColumn('id', sql.raw(autoId), (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('family', 'text', (c) => c.notNull())
    .addColumn('activity', 'text', (c) => c.notNull())
    .addColumn('order_id', 'text')
    .addColumn('order_line_id', 'text')
    .addColumn('instance_id', 'text')
    .addColumn('test_flag', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('request', 'text', (c) => c.notNull())
    .addColumn('result_code', 'text', (c) => c.notNull())
    .addColumn('result_msg', 'text')
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('events_instance_idx').on('events').columns(['instance_id', 'received_at']).execute();
  await db.schema.createIndex('events_order_idx').on('events').columns(['order_id', 'received_at']).execute();

  await db.schema
    .createTable('nonces')
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('nonces_pk', ['scope', 'nonce'])
    .execute();
  await db.schema.createIndex('nonces_expiry_idx').on('nonces').column('expires_at').execute();
}
