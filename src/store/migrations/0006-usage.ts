import type { Kysely } from 'kysely';
import type { Dialect } from '../../config.js';

/** Usage metering: recorded events and the usage records (SDRs) sealed from them, which are also the delivery outbox. */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('usage_events')
    .addColumn('event_id', 'text', (c) => c.primaryKey())
    .addColumn('instance_id', 'text', (c) => c.notNull())
    .addColumn('package_instance_id', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('quantity', 'bigint', (c) => c.notNull())
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    .addColumn('occurred_at_given', 'integer', (c) => c.notNull())
    .addColumn('recorded_at', 'bigint', (c) => c.notNull())
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .addColumn('metering_sn', 'text')
    .addColumn('unbillable', 'text')
    .execute();
  // Open events by window (aggregation), the events of one record (sealing), and one instance's windows.
  await db.schema.createIndex('usage_events_open_idx').on('usage_events').columns(['metering_sn', 'window_start']).execute();
  await db.schema.createIndex('usage_events_window_idx').on('usage_events').columns(['instance_id', 'package_instance_id', 'window_start']).execute();
  await db.schema.createIndex('usage_events_package_idx').on('usage_events').column('package_instance_id').execute();

  await db.schema
    .createTable('usage_records')
    .addColumn('metering_sn', 'text', (c) => c.primaryKey())
    .addColumn('instance_id', 'text', (c) => c.notNull())
    .addColumn('package_instance_id', 'text', (c) => c.notNull())
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .addColumn('window_end', 'bigint', (c) => c.notNull())
    .addColumn('begin_at', 'bigint', (c) => c.notNull())
    .addColumn('end_at', 'bigint', (c) => c.notNull())
    .addColumn('record_at', 'bigint', (c) => c.notNull())
    .addColumn('usage', 'bigint', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'bigint')
    .addColumn('last_code', 'text')
    .addColumn('last_error', 'text')
    .addColumn('sent_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    // A window is sealed once: replicas that aggregate at the same time cannot make two records of it.
    .addUniqueConstraint('usage_records_window', ['instance_id', 'package_instance_id', 'window_start'])
    .execute();
  await db.schema.createIndex('usage_records_due_idx').on('usage_records').columns(['state', 'next_attempt_at']).execute();
}
