import type { Kysely } from 'kysely';
import type { Dialect } from '../../config.js';

/** The tenant directory of the joint-operation Kit syncs (src/store/tables/kit.ts). */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('kit_tenants')
    .addColumn('instance_id', 'text', (c) => c.notNull())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('tenant_code', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('domain_name', 'text', (c) => c.notNull())
    .addColumn('test_flag', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('kit_tenants_pk', ['instance_id', 'tenant_id'])
    .execute();
  await db.schema.createIndex('kit_tenants_tenant_idx').on('kit_tenants').columns(['tenant_id', 'updated_at']).execute();

  await db.schema
    .createTable('kit_applications')
    .addColumn('instance_id', 'text', (c) => c.notNull())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('client_secret', 'text', (c) => c.notNull())
    .addColumn('test_flag', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('kit_applications_pk', ['instance_id', 'tenant_id', 'app_id'])
    .execute();
  await db.schema.createIndex('kit_applications_tenant_idx').on('kit_applications').columns(['tenant_id', 'updated_at']).execute();

  await db.schema
    .createTable('kit_users')
    .addColumn('instance_id', 'text', (c) => c.notNull())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('user_name', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('org_code', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('authorized', 'integer', (c) => c.notNull())
    .addColumn('position', 'text')
    .addColumn('employee_code', 'text')
    .addColumn('employee_type', 'integer')
    .addColumn('mobile', 'text')
    .addColumn('email', 'text')
    .addColumn('work_place', 'text')
    .addColumn('entry_date', 'text')
    .addColumn('extension', 'text')
    .addColumn('sync_time', 'text', (c) => c.notNull())
    .addColumn('test_flag', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('kit_users_pk', ['instance_id', 'tenant_id', 'app_id', 'user_name'])
    .execute();
  await db.schema.createIndex('kit_users_login_idx').on('kit_users').columns(['tenant_id', 'user_name', 'updated_at']).execute();

  await db.schema
    .createTable('kit_org_units')
    .addColumn('instance_id', 'text', (c) => c.notNull())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('org_code', 'text', (c) => c.notNull())
    .addColumn('org_name', 'text', (c) => c.notNull())
    .addColumn('parent_code', 'text', (c) => c.notNull())
    .addColumn('test_flag', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('kit_org_units_pk', ['instance_id', 'tenant_id', 'org_code'])
    .execute();

  await db.schema
    .createTable('kit_org_trees')
    .addColumn('instance_id', 'text', (c) => c.notNull())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('replaced_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('kit_org_trees_pk', ['instance_id', 'tenant_id'])
    .execute();
}
