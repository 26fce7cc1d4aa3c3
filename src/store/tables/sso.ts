/** Joint-operation SSO login: login attempts (state) and sessions. */
export interface SsoTables {
  sso_login_attempts: SsoLoginAttemptsTable;
  sso_sessions: SsoSessionsTable;
}

export interface SsoLoginAttemptsTable {
  /** SHA-256 hex of the `state`; the value itself never reaches the database. */
  state_hash: string;
  tenant_id: string;
  redirect_uri: string;
  created_at: number;
  expires_at: number;
}

export interface SsoSessionsTable {
  /** SHA-256 hex of the session ID of the cookie. */
  id_hash: string;
  tenant_id: string;
  tenant_name: string;
  user_name: string;
  display_name: string;
  /** 'user' or 'admin'. */
  role: string;
  org_code: string;
  email: string | null;
  mobile: string | null;
  /** As the auth centre issued it, sealed with the data key (clear in rows older than that). */
  refresh_token: string | null;
  created_at: number;
  expires_at: number;
}
