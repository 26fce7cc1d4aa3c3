import type { ExpressionBuilder, Kysely, Selectable } from 'kysely';
import type { Database } from './schema.js';
import type { KitOrgUnitsTable, KitTenantsTable, KitUsersTable } from './tables/kit.js';

/** A tenant with the size of its directory. */
export interface TenantSummaryRow extends Selectable<KitTenantsTable> {
  applications: number;
  users: number;
  org_units: number;
}

export interface TenantFilter {
  instanceId?: string;
  tenantId?: string;
}

/** A tenant's rows in another Kit table: the tables share the key (instance_id, tenant_id). */
const countOf = (table: 'kit_applications' | 'kit_users' | 'kit_org_units') => (eb: ExpressionBuilder<Database, 'kit_tenants'>) =>
  eb
    .selectFrom(table)
    .select((inner) => inner.fn.countAll<number>().as('n'))
    .whereRef(`${table}.instance_id`, '=', 'kit_tenants.instance_id')
    .whereRef(`${table}.tenant_id`, '=', 'kit_tenants.tenant_id');

function tenants(db: Kysely<Database>, filter: TenantFilter) {
  let query = db
    .selectFrom('kit_tenants')
    .selectAll('kit_tenants')
    .select((eb) => [countOf('kit_applications')(eb).as('applications'), countOf('kit_users')(eb).as('users'), countOf('kit_org_units')(eb).as('org_units')]);
  if (filter.instanceId !== undefined) query = query.where('kit_tenants.instance_id', '=', filter.instanceId);
  if (filter.tenantId !== undefined) query = query.where('kit_tenants.tenant_id', '=', filter.tenantId);
  return query;
}

const summary = (row: Selectable<KitTenantsTable> & { applications: unknown; users: unknown; org_units: unknown }): TenantSummaryRow => ({
  ...row,
  applications: Number(row.applications ?? 0),
  users: Number(row.users ?? 0),
  org_units: Number(row.org_units ?? 0),
});

/** One page of the tenants that match, most recently synced first. */
export async function listTenantPage(db: Kysely<Database>, filter: TenantFilter & { limit: number; offset: number }): Promise<TenantSummaryRow[]> {
  const rows = await tenants(db, filter)
    .orderBy('kit_tenants.updated_at', 'desc')
    .orderBy('kit_tenants.tenant_id')
    .limit(filter.limit)
    .offset(filter.offset)
    .execute();
  return rows.map(summary);
}

export async function countTenants(db: Kysely<Database>, filter: TenantFilter): Promise<number> {
  let query = db.selectFrom('kit_tenants').select((eb) => eb.fn.countAll<number>().as('n'));
  if (filter.instanceId !== undefined) query = query.where('instance_id', '=', filter.instanceId);
  if (filter.tenantId !== undefined) query = query.where('tenant_id', '=', filter.tenantId);
  return Number((await query.executeTakeFirst())?.n ?? 0);
}

/** The applications of a tenant, without their sealed client secret. */
export interface ApplicationSummaryRow {
  app_id: string;
  client_id: string;
  test_flag: number;
  updated_at: number;
}

/** What a tenant's users are, without their contact data. */
export type UserSummaryRow = Pick<
  Selectable<KitUsersTable>,
  'app_id' | 'user_name' | 'name' | 'org_code' | 'role' | 'enabled' | 'authorized' | 'position' | 'updated_at'
>;

export interface TenantDirectoryRows {
  tenant: TenantSummaryRow;
  applications: ApplicationSummaryRow[];
  users: UserSummaryRow[];
  orgUnits: Pick<Selectable<KitOrgUnitsTable>, 'org_code' | 'org_name' | 'parent_code'>[];
}

/** One tenant's directory (at most `limit` users and departments), or undefined for a tenant kgkit does not know. */
export async function tenantDirectory(
  db: Kysely<Database>,
  key: { instanceId: string; tenantId: string; limit: number },
): Promise<TenantDirectoryRows | undefined> {
  const [tenant] = await listTenantPage(db, { ...key, offset: 0, limit: 1 });
  if (!tenant) return undefined;
  const [applications, users, orgUnits] = await Promise.all([
    db
      .selectFrom('kit_applications')
      .select(['app_id', 'client_id', 'test_flag', 'updated_at'])
      .where('instance_id', '=', key.instanceId)
      .where('tenant_id', '=', key.tenantId)
      .orderBy('app_id')
      .execute(),
    db
      .selectFrom('kit_users')
      .select(['app_id', 'user_name', 'name', 'org_code', 'role', 'enabled', 'authorized', 'position', 'updated_at'])
      .where('instance_id', '=', key.instanceId)
      .where('tenant_id', '=', key.tenantId)
      .orderBy('user_name')
      .orderBy('app_id')
      .limit(key.limit)
      .execute(),
    db
      .selectFrom('kit_org_units')
      .select(['org_code', 'org_name', 'parent_code'])
      .where('instance_id', '=', key.instanceId)
      .where('tenant_id', '=', key.tenantId)
      .orderBy('org_code')
      .limit(key.limit)
      .execute(),
  ]);
  return { tenant, applications, users, orgUnits };
}
