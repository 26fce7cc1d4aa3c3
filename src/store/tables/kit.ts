// Joint-operation Kit: the tenant directory the syncs build (openapi/kit-v2/ and openapi/kit-v1/ cite each sync's page). Every primary key is the
// idempotency key of docs/decisions.md#14: (instance, tenant[, app][, userName | orgCode]). `test_flag` marks debug syncs.

export interface KitTenantsTable {
  instance_id: string;
  tenant_id: string;
  order_id: string;
  tenant_code: string;
  name: string;
  domain_name: string;
  test_flag: number;
  created_at: number;
  updated_at: number;
}

export interface KitApplicationsTable {
  instance_id: string;
  tenant_id: string;
  app_id: string;
  client_id: string;
  /** The decrypted clientSecret, sealed (src/crypto/sealed.ts). */
  client_secret: string;
  test_flag: number;
  created_at: number;
  updated_at: number;
}

export interface KitUsersTable {
  instance_id: string;
  tenant_id: string;
  app_id: string;
  user_name: string;
  name: string;
  org_code: string;
  role: string;
  /** 1 = the account is enabled (`enable` "true"). */
  enabled: number;
  /** 1 = authorised for the application; 0 after a cancellation (authSync flag 3). */
  authorized: number;
  position: string | null;
  employee_code: string | null;
  employee_type: number | null;
  mobile: string | null;
  email: string | null;
  work_place: string | null;
  entry_date: string | null;
  /** JSON of `extension`, as sent. */
  extension: string | null;
  /** `currentSyncTime` of the call that wrote the row. */
  sync_time: string;
  test_flag: number;
  created_at: number;
  updated_at: number;
}

export interface KitOrgUnitsTable {
  instance_id: string;
  tenant_id: string;
  org_code: string;
  org_name: string;
  /** '' for a top-level department. */
  parent_code: string;
  test_flag: number;
  created_at: number;
  updated_at: number;
}

/** One row per tenant whose whole tree allOrgSync replaced; its row lock serialises concurrent replacements. */
export interface KitOrgTreesTable {
  instance_id: string;
  tenant_id: string;
  replaced_at: number;
}

export interface KitTables {
  kit_tenants: KitTenantsTable;
  kit_applications: KitApplicationsTable;
  kit_users: KitUsersTable;
  kit_org_units: KitOrgUnitsTable;
  kit_org_trees: KitOrgTreesTable;
}
