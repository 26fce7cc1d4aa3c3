/**
 * What the Kit syncs tell kgkit about a buyer's enterprise, as the rest of the server reads it (the SSO login).
 * The Kit family writes it (tenantSync, applicationSync, authSync, allOrgSync, singleOrgSync).
 */
export interface Tenant {
  instanceId: string;
  tenantId: string;
  tenantCode: string;
  name: string;
  /** The tenant's unified auth centre, base URL of its OAuth 2.0 endpoints (already includes https://). */
  domainName: string;
}

export interface TenantApplication {
  instanceId: string;
  tenantId: string;
  appId: string;
  clientId: string;
  /** Decrypted: what the token endpoint expects. */
  clientSecret: string;
}

export interface TenantUser {
  tenantId: string;
  userName: string;
  name: string;
  orgCode: string;
  role: 'user' | 'admin';
  enabled: boolean;
}

export interface TenantDirectoryReader {
  findTenant(tenantId: string): Promise<Tenant | undefined>;
  /** The application bound for this tenant (the newest when several instances bound one). */
  findApplication(tenantId: string): Promise<TenantApplication | undefined>;
  /** An authorised user (added and not cancelled/deleted). */
  findUser(tenantId: string, userName: string): Promise<TenantUser | undefined>;
}
