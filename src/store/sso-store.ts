import type { Kysely, Selectable } from 'kysely';
import type { DataKeys } from '../crypto/data-keys.js';
import { looksSealed } from '../crypto/sealed.js';
import type { Database } from './schema.js';
import type { SsoSessionsTable } from './tables/sso.js';

/** A login started at `<sso>/login/:tenantId` and not yet completed: single use, bound to its tenant. */
export interface LoginAttempt {
  /** SHA-256 (hex) of the `state` sent to the auth centre; the state itself is not stored. */
  stateHash: string;
  tenantId: string;
  /** The `redirect_uri` sent to `authorize`; the token request must repeat it (RFC 6749 §4.1.3). */
  redirectUri: string;
  createdAt: number;
  expiresAt: number;
}

/** Who is signed in, as `<sso>/me` shows it. */
export interface SessionUser {
  tenantId: string;
  tenantName: string;
  userName: string;
  name: string;
  role: 'user' | 'admin';
  orgCode: string;
  email: string | null;
  mobile: string | null;
}

/** What the SSO login keeps between requests, and the storage it needs (implemented in src/store/sso-store.ts). */

export interface Session extends SessionUser {
  /** SHA-256 (hex) of the session ID in the cookie; the ID itself is not stored. */
  idHash: string;
  /** Kept to renew access at the auth centre later; never logged. */
  refreshToken: string | null;
  createdAt: number;
  expiresAt: number;
}

function toSession(row: Selectable<SsoSessionsTable>, keys: DataKeys): Session {
  return {
    idHash: row.id_hash,
    tenantId: row.tenant_id,
    tenantName: row.tenant_name,
    userName: row.user_name,
    name: row.display_name,
    role: row.role === 'admin' ? 'admin' : 'user',
    orgCode: row.org_code,
    email: row.email,
    mobile: row.mobile,
    refreshToken: openRefreshToken(row.refresh_token, keys),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

/**
 * `refresh_token` is stored sealed with the data key. A session saved before kgkit sealed it holds the clear token: it
 * is read as is until the start-up step (src/store/stored-secrets.ts) seals it.
 */
function openRefreshToken(stored: string | null, keys: DataKeys): string | null {
  return stored === null || !looksSealed(stored) ? stored : keys.open(stored, 'sso_sessions.refresh_token of a session');
}

export class SqlSsoStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly keys: DataKeys,
  ) {}

  async saveAttempt(attempt: LoginAttempt): Promise<void> {
    await this.db
      .insertInto('sso_login_attempts')
      .values({
        state_hash: attempt.stateHash,
        tenant_id: attempt.tenantId,
        redirect_uri: attempt.redirectUri,
        created_at: attempt.createdAt,
        expires_at: attempt.expiresAt,
      })
      .execute();
  }

  async takeAttempt(stateHash: string): Promise<LoginAttempt | undefined> {
    // DELETE … RETURNING (SQLite ≥ 3.35, PostgreSQL): of two callbacks racing with one state, only one gets the row.
    const row = await this.db.deleteFrom('sso_login_attempts').where('state_hash', '=', stateHash).returningAll().executeTakeFirst();
    return row && { stateHash: row.state_hash, tenantId: row.tenant_id, redirectUri: row.redirect_uri, createdAt: row.created_at, expiresAt: row.expires_at };
  }

  async saveSession(session: Session): Promise<void> {
    await this.db
      .insertInto('sso_sessions')
      .values({
        id_hash: session.idHash,
        tenant_id: session.tenantId,
        tenant_name: session.tenantName,
        user_name: session.userName,
        display_name: session.name,
        role: session.role,
        org_code: session.orgCode,
        email: session.email,
        mobile: session.mobile,
        refresh_token: session.refreshToken === null ? null : this.keys.seal(session.refreshToken),
        created_at: session.createdAt,
        expires_at: session.expiresAt,
      })
      .execute();
  }

  async findSession(idHash: string, now: number): Promise<Session | undefined> {
    const row = await this.db.selectFrom('sso_sessions').selectAll().where('id_hash', '=', idHash).where('expires_at', '>', now).executeTakeFirst();
    return row && toSession(row, this.keys);
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.db.deleteFrom('sso_sessions').where('id_hash', '=', idHash).execute();
  }

  async setRefreshToken(idHash: string, refreshToken: string): Promise<void> {
    await this.db
      .updateTable('sso_sessions')
      .set({ refresh_token: this.keys.seal(refreshToken) })
      .where('id_hash', '=', idHash)
      .execute();
  }

  async deleteSessionsOf(tenantId: string, userName: string): Promise<number> {
    const result = await this.db.deleteFrom('sso_sessions').where('tenant_id', '=', tenantId).where('user_name', '=', userName).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async prune(now: number): Promise<void> {
    await this.db.deleteFrom('sso_login_attempts').where('expires_at', '<', now).execute();
    await this.db.deleteFrom('sso_sessions').where('expires_at', '<', now).execute();
  }
}
