import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database } from './schema.js';
import type { KitApplicationsTable, KitTenantsTable, KitUsersTable } from './tables/kit.js';

export interface TenantRecord {
  instanceId: string;
  orderId: string;
  tenantId: string;
  tenantCode: string;
  name: string;
  domainName: string;
  test: boolean;
}

export interface ApplicationRecord {
  instanceId: string;
  tenantId: string;
  appId: string;
  clientId: string;
  test: boolean;
}

export interface DirectoryUser {
  userName: string;
  name: string;
  orgCode: string;
  role: 'user' | 'admin';
  enabled: boolean;
  position?: string | undefined;
  employeeCode?: string | undefined;
  employeeType?: number | undefined;
  mobile?: string | undefined;
  email?: string | undefined;
  workPlace?: string | undefined;
  entryDate?: string | undefined;
  extension?: Record<string, unknown> | undefined;
}

export interface AppScope {
  instanceId: string;
  tenantId: string;
  appId: string;
  test: boolean;
}

export interface OrgScope {
  instanceId: string;
  tenantId: string;
  test: boolean;
}

export interface OrgUnit {
  orgCode: string;
  orgName: string;
  /** '' for a top-level department. */
  parentCode: string;
}

// Rows per INSERT of a department list: far below SQLite's and PostgreSQL's limits on bound parameters.
const ORG_UNITS_PER_INSERT = 500;

/**
 * The Kit tenant directory in SQL: the port `KitDirectoryStore` of src/tenants/tenant-directory.ts. Lists are written
 * in key order, so concurrent writers lock rows in the same order.
 */
export class SqlKitDirectory {
  constructor(private readonly db: Kysely<Database>) {}

  async putTenant(t: TenantRecord, now: number): Promise<void> {
    await this.db
      .insertInto('kit_tenants')
      .values({
        instance_id: t.instanceId,
        tenant_id: t.tenantId,
        order_id: t.orderId,
        tenant_code: t.tenantCode,
        name: t.name,
        domain_name: t.domainName,
        test_flag: t.test ? 1 : 0,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc.columns(['instance_id', 'tenant_id']).doUpdateSet((eb) => ({
          order_id: eb.ref('excluded.order_id'),
          tenant_code: eb.ref('excluded.tenant_code'),
          name: eb.ref('excluded.name'),
          domain_name: eb.ref('excluded.domain_name'),
          test_flag: eb.ref('excluded.test_flag'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }

  async removeTenant(instanceId: string, tenantId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const table of ['kit_users', 'kit_applications', 'kit_org_units', 'kit_org_trees', 'kit_tenants'] as const) {
        await trx.deleteFrom(table).where('instance_id', '=', instanceId).where('tenant_id', '=', tenantId).execute();
      }
    });
  }

  async putApplication(a: ApplicationRecord & { sealedSecret: string }, now: number): Promise<void> {
    await this.db
      .insertInto('kit_applications')
      .values({
        instance_id: a.instanceId,
        tenant_id: a.tenantId,
        app_id: a.appId,
        client_id: a.clientId,
        client_secret: a.sealedSecret,
        test_flag: a.test ? 1 : 0,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc.columns(['instance_id', 'tenant_id', 'app_id']).doUpdateSet((eb) => ({
          client_id: eb.ref('excluded.client_id'),
          client_secret: eb.ref('excluded.client_secret'),
          test_flag: eb.ref('excluded.test_flag'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }

  async removeApplication(instanceId: string, tenantId: string, appId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const table of ['kit_users', 'kit_applications'] as const) {
        await trx.deleteFrom(table).where('instance_id', '=', instanceId).where('tenant_id', '=', tenantId).where('app_id', '=', appId).execute();
      }
    });
  }

  async putUsers(scope: AppScope, users: readonly DirectoryUser[], authorize: 'all' | 'new', syncTime: string, now: number): Promise<void> {
    const rows = [...users].sort(byKey((u) => u.userName)).map((u) => userRow(scope, u, syncTime, now));
    await this.db
      .insertInto('kit_users')
      .values(rows)
      .onConflict((oc) =>
        oc.columns(['instance_id', 'tenant_id', 'app_id', 'user_name']).doUpdateSet((eb) => ({
          name: eb.ref('excluded.name'),
          org_code: eb.ref('excluded.org_code'),
          role: eb.ref('excluded.role'),
          enabled: eb.ref('excluded.enabled'),
          // A modify changes attributes only; an add (re)authorises.
          ...(authorize === 'all' ? { authorized: eb.ref('excluded.authorized') } : {}),
          position: eb.ref('excluded.position'),
          employee_code: eb.ref('excluded.employee_code'),
          employee_type: eb.ref('excluded.employee_type'),
          mobile: eb.ref('excluded.mobile'),
          email: eb.ref('excluded.email'),
          work_place: eb.ref('excluded.work_place'),
          entry_date: eb.ref('excluded.entry_date'),
          extension: eb.ref('excluded.extension'),
          sync_time: eb.ref('excluded.sync_time'),
          test_flag: eb.ref('excluded.test_flag'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }

  async removeUsers(scope: AppScope, userNames: readonly string[]): Promise<void> {
    await this.db
      .deleteFrom('kit_users')
      .where('instance_id', '=', scope.instanceId)
      .where('tenant_id', '=', scope.tenantId)
      .where('app_id', '=', scope.appId)
      .where('user_name', 'in', [...userNames])
      .execute();
  }

  async cancelUsers(scope: AppScope, userNames: readonly string[], syncTime: string, now: number): Promise<void> {
    await this.db
      .updateTable('kit_users')
      .set({ authorized: 0, sync_time: syncTime, test_flag: scope.test ? 1 : 0, updated_at: now })
      .where('instance_id', '=', scope.instanceId)
      .where('tenant_id', '=', scope.tenantId)
      .where('app_id', '=', scope.appId)
      .where('user_name', 'in', [...userNames])
      .execute();
  }

  async replaceOrgUnits(scope: OrgScope, units: readonly OrgUnit[], now: number): Promise<void> {
    const rows = [...units].sort(byKey((u) => u.orgCode)).map((u) => orgUnitRow(scope, u, now));
    await this.db.transaction().execute(async (trx) => {
      // First statement: the tenant's tree row. Its lock makes a concurrent replacement wait for this one to commit, so
      // that its delete then sees these rows (PostgreSQL, READ COMMITTED); SQLite runs one transaction at a time anyway.
      await trx
        .insertInto('kit_org_trees')
        .values({ instance_id: scope.instanceId, tenant_id: scope.tenantId, replaced_at: now })
        .onConflict((oc) => oc.columns(['instance_id', 'tenant_id']).doUpdateSet((eb) => ({ replaced_at: eb.ref('excluded.replaced_at') })))
        .execute();
      await trx.deleteFrom('kit_org_units').where('instance_id', '=', scope.instanceId).where('tenant_id', '=', scope.tenantId).execute();
      for (let i = 0; i < rows.length; i += ORG_UNITS_PER_INSERT) await upsertOrgUnits(trx, rows.slice(i, i + ORG_UNITS_PER_INSERT));
    });
  }

  async putOrgUnit(scope: OrgScope, unit: OrgUnit, now: number): Promise<void> {
    await upsertOrgUnits(this.db, [orgUnitRow(scope, unit, now)]);
  }

  async removeOrgUnit(scope: OrgScope, orgCode: string): Promise<void> {
    await this.db
      .deleteFrom('kit_org_units')
      .where('instance_id', '=', scope.instanceId)
      .where('tenant_id', '=', scope.tenantId)
      .where('org_code', '=', orgCode)
      .execute();
  }

  // ---- what the rest of the server reads (TenantDirectoryReader, src/tenants/directory-reader.ts) ----

  /** The tenant as the newest sync left it, whichever instance it came with. */
  async latestTenant(tenantId: string): Promise<Selectable<KitTenantsTable> | undefined> {
    return this.db.selectFrom('kit_tenants').selectAll().where('tenant_id', '=', tenantId).orderBy('updated_at', 'desc').limit(1).executeTakeFirst();
  }

  async latestApplication(tenantId: string): Promise<Selectable<KitApplicationsTable> | undefined> {
    return this.db.selectFrom('kit_applications').selectAll().where('tenant_id', '=', tenantId).orderBy('updated_at', 'desc').limit(1).executeTakeFirst();
  }

  async latestAuthorisedUser(tenantId: string, userName: string): Promise<Selectable<KitUsersTable> | undefined> {
    return this.db
      .selectFrom('kit_users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('user_name', '=', userName)
      .where('authorized', '=', 1)
      .orderBy('updated_at', 'desc')
      .limit(1)
      .executeTakeFirst();
  }
}

const byKey =
  <T>(key: (item: T) => string) =>
  (a: T, b: T): number =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

// Optional members sent empty (as the V1 example does) are stored as absent.
function userRow(scope: AppScope, u: DirectoryUser, syncTime: string, now: number) {
  return {
    instance_id: scope.instanceId,
    tenant_id: scope.tenantId,
    app_id: scope.appId,
    user_name: u.userName,
    name: u.name,
    org_code: u.orgCode,
    role: u.role,
    enabled: u.enabled ? 1 : 0,
    authorized: 1,
    position: u.position || null,
    employee_code: u.employeeCode || null,
    employee_type: u.employeeType ?? null,
    mobile: u.mobile || null,
    email: u.email || null,
    work_place: u.workPlace || null,
    entry_date: u.entryDate || null,
    extension: u.extension === undefined ? null : JSON.stringify(u.extension),
    sync_time: syncTime,
    test_flag: scope.test ? 1 : 0,
    created_at: now,
    updated_at: now,
  };
}

function orgUnitRow(scope: OrgScope, u: OrgUnit, now: number) {
  return {
    instance_id: scope.instanceId,
    tenant_id: scope.tenantId,
    org_code: u.orgCode,
    org_name: u.orgName,
    parent_code: u.parentCode,
    test_flag: scope.test ? 1 : 0,
    created_at: now,
    updated_at: now,
  };
}

async function upsertOrgUnits(db: Kysely<Database> | Transaction<Database>, rows: ReturnType<typeof orgUnitRow>[]): Promise<void> {
  await db
    .insertInto('kit_org_units')
    .values(rows)
    .onConflict((oc) =>
      oc.columns(['instance_id', 'tenant_id', 'org_code']).doUpdateSet((eb) => ({
        org_name: eb.ref('excluded.org_name'),
        parent_code: eb.ref('excluded.parent_code'),
        test_flag: eb.ref('excluded.test_flag'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .execute();
}
