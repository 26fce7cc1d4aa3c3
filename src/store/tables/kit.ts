/** Joint-operation Kit: the tenant directory (tenants, applications, users, organisation). */
export interface KitTables {}
