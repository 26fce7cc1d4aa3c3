import type { Kysely } from 'kysely';
import type { Dialect } from '../../config.js';

/**
 * Bounded storage (src/retention/): the indexes its prunes read by age, and the usage of pruned usage events, kept per
 * instance and package so that queryInstance's cumulative usage stays whole (docs/decisions.md#20).
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.createIndex('events_received_idx').on('events').column('received_at').execute();
  await db.schema.createIndex('usage_records_finished_idx').on('usage_records').columns(['state', 'updated_at']).execute();
  await db.schema.createIndex('order_lookups_finished_idx').on('order_lookups').columns(['state', 'updated_at']).execute();

  await db.schema
    .createTable('usage_totals')
    .addColumn('instance_id', 'text', (c) => c.notNull())
    .addColumn('package_instance_id', 'text', (c) => c.notNull())
    .addColumn('units', 'bigint', (c) => c.notNull())
    .addColumn('last_occurred_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('usage_totals_pk', ['instance_id', 'package_instance_id'])
    .execute();
  await db.schema.createIndex('usage_totals_package_idx').on('usage_totals').column('package_instance_id').execute();
}
