import type { Kysely } from 'kysely';
import type { Dialect } from '../../config.js';

/** The order details of SaaS V1.0 instances (src/store/tables/saas-v1.ts). */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('saas_v1_orders')
    .addColumn('instance_id', 'text', (c) => c.primaryKey().references('instances.instance_id'))
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('customer_name', 'text')
    .addColumn('user_id', 'text')
    .addColumn('user_name', 'text')
    .addColumn('mobile_phone', 'text')
    .addColumn('email', 'text')
    .addColumn('sku_code', 'text')
    .addColumn('product_id', 'text')
    .addColumn('trial', 'integer')
    .addColumn('charging_mode', 'text')
    .addColumn('expires_at', 'bigint')
    .addColumn('period_type', 'text')
    .addColumn('period_number', 'integer')
    .addColumn('order_amount', 'text')
    .addColumn('amount', 'integer')
    .addColumn('disk_size', 'integer')
    .addColumn('band_width', 'integer')
    .addColumn('provision_type', 'text')
    .addColumn('extend_params', 'text')
    .addColumn('test_flag', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}
