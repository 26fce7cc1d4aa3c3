import type { Kysely } from 'kysely';
import type { DataKeys } from '../crypto/data-keys.js';
import { SqlKitDirectory } from '../store/kit-directory.js';
import type { Database } from '../store/schema.js';
import type { TenantDirectoryReader } from './directory.js';

/**
 * The tenant directory as the joint-operation login reads it, over the store the Kit syncs write. `keys` are the data
 * keys of the configuration, the ones the Kit mount seals `clientSecret` with. When several instances synced the same
 * tenant, the newest row wins.
 */
export function tenantDirectoryReader(db: Kysely<Database>, keys: DataKeys): TenantDirectoryReader {
  const store = new SqlKitDirectory(db);
  return {
    async findTenant(tenantId) {
      const row = await store.latestTenant(tenantId);
      return row && { instanceId: row.instance_id, tenantId: row.tenant_id, tenantCode: row.tenant_code, name: row.name, domainName: row.domain_name };
    },
    async findApplication(tenantId) {
      const row = await store.latestApplication(tenantId);
      if (!row) return undefined;
      // Loud on purpose when no data key opens it: the key changed (KGKIT_DATA_KEY, or the access key it derives from).
      const clientSecret = keys.open(row.client_secret, `the stored clientSecret of tenant ${tenantId}`);
      return { instanceId: row.instance_id, tenantId: row.tenant_id, appId: row.app_id, clientId: row.client_id, clientSecret };
    },
    async findUser(tenantId, userName) {
      const row = await store.latestAuthorisedUser(tenantId, userName);
      return (
        row && {
          tenantId: row.tenant_id,
          userName: row.user_name,
          name: row.name,
          orgCode: row.org_code,
          role: row.role === 'admin' ? 'admin' : 'user',
          enabled: row.enabled === 1,
        }
      );
    },
  };
}
