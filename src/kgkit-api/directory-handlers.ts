import type { Kysely } from 'kysely';
import { type KgkitHandlers, kgkitResult as result } from '../../generated/kgkit/server.js';
import { type TenantSummaryRow, countTenants, listTenantPage, tenantDirectory } from '../store/kit-listing.js';
import type { Database } from '../store/schema.js';
import { defined, iso, page } from './answer-fields.js';

const tenantOf = (row: TenantSummaryRow) => ({
  instanceId: row.instance_id,
  tenantId: row.tenant_id,
  tenantCode: row.tenant_code,
  name: row.name,
  domainName: row.domain_name,
  orderId: row.order_id,
  test: row.test_flag === 1,
  applications: row.applications,
  users: row.users,
  orgUnits: row.org_units,
  updatedAt: iso(Number(row.updated_at)),
});

/** The tenant directory the joint-operation Kit synced, without secrets or contact data (GET /kgkit/v1/kit-tenants, …/kit-directory). */
export function directoryHandlers(db: Kysely<Database>): Pick<KgkitHandlers, 'listKitTenants' | 'getKitDirectory'> {
  return {
    async listKitTenants(query) {
      const filter = { ...(query.instanceId !== undefined ? { instanceId: query.instanceId } : {}), ...(query.tenantId ? { tenantId: query.tenantId } : {}) };
      const [total, tenants] = await Promise.all([countTenants(db, filter), listTenantPage(db, { ...filter, ...page(query) })]);
      return result.listKitTenants({ resultCode: '000000', resultMsg: 'success', total, tenants: tenants.map(tenantOf) });
    },

    async getKitDirectory(query) {
      const directory = await tenantDirectory(db, { instanceId: query.instanceId, tenantId: query.tenantId, limit: Number(query.limit ?? 1000) });
      if (!directory) return result.getKitDirectory({ resultCode: '000003', resultMsg: `no tenant ${query.tenantId} of instance "${query.instanceId}"` });
      return result.getKitDirectory({
        resultCode: '000000',
        resultMsg: 'success',
        tenant: tenantOf(directory.tenant),
        applications: directory.applications.map((app) => ({
          appId: app.app_id,
          clientId: app.client_id,
          test: app.test_flag === 1,
          updatedAt: iso(Number(app.updated_at)),
        })),
        users: directory.users.map((user) =>
          defined({
            appId: user.app_id,
            userName: user.user_name,
            name: user.name,
            orgCode: user.org_code,
            role: user.role,
            enabled: user.enabled === 1,
            authorized: user.authorized === 1,
            position: user.position,
            updatedAt: iso(Number(user.updated_at)),
          }),
        ),
        orgUnits: directory.orgUnits.map((unit) => ({
          orgCode: unit.org_code,
          orgName: unit.org_name,
          ...(unit.parent_code === '' ? {} : { parentCode: unit.parent_code }),
        })),
      });
    },
  };
}
