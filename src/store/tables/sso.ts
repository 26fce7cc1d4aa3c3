/** Joint-operation SSO login: login attempts (state) and sessions. */
export interface SsoTables {}
