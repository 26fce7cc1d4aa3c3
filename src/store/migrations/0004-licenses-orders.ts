import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../../config.js';

/** License codes 2.0 and their history, online License requests and signing key, order notifications. */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const autoId = dialect === 'postgres' ? 'bigserial' : 'integer';
  await db.schema
    .createTable('license_codes')
    .addColumn('license', 'text', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('product_id', 'text')
    .addColumn('order_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('license_code_history')
    .addColumn('id', sql.raw(autoId), (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('license', 'text', (c) => c.notNull().references('license_codes.license'))
    .addColumn('change', 'text', (c) => c.notNull())
    .addColumn('order_id', 'text')
    .addColumn('order_line_id', 'text')
    .addColumn('scene', 'text')
    .addColumn('expires_at', 'bigint')
    .addColumn('product_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('test_flag', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('changed_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('license_code_history_once', ['license', 'order_id', 'scene'])
    .execute();

  await db.schema
    .createTable('license_requests')
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('fingerprint_key', 'text', (c) => c.notNull())
    .addColumn('device_fingerprint', 'text')
    .addColumn('instance_id', 'text', (c) => c.notNull())
    .addColumn('effective_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('license', 'text', (c) => c.notNull())
    .addColumn('upload_state', 'text', (c) => c.notNull())
    .addColumn('test_flag', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('requested_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('license_requests_pk', ['event_id', 'fingerprint_key'])
    .execute();
  await db.schema.createIndex('license_requests_upload_idx').on('license_requests').columns(['upload_state', 'requested_at']).execute();

  await db.schema
    .createTable('license_signing_keys')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('private_key_sealed', 'text', (c) => c.notNull())
    .addColumn('public_key_pem', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('order_notifications')
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('order_line_id', 'text', (c) => c.notNull())
    .addColumn('test_flag', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('seen_count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('order_notifications_pk', ['order_id', 'order_line_id'])
    .execute();
}
