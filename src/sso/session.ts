/** What the SSO login keeps between requests, and the storage it needs (implemented in src/store/sso-store.ts). */

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

export interface Session extends SessionUser {
  /** SHA-256 (hex) of the session ID in the cookie; the ID itself is not stored. */
  idHash: string;
  /** Kept to renew access at the auth centre later; never logged. */
  refreshToken: string | null;
  createdAt: number;
  expiresAt: number;
}

/** Every write is one statement, so replicas may race: taking an attempt deletes it, and only one taker gets it. */
export interface SsoStore {
  saveAttempt(attempt: LoginAttempt): Promise<void>;
  /** Deletes the attempt and returns it (expired or not); undefined when unknown or already taken. */
  takeAttempt(stateHash: string): Promise<LoginAttempt | undefined>;
  saveSession(session: Session): Promise<void>;
  /** The session unless it is unknown or expired at `now`. */
  findSession(idHash: string, now: number): Promise<Session | undefined>;
  deleteSession(idHash: string): Promise<void>;
  setRefreshToken(idHash: string, refreshToken: string): Promise<void>;
  /** Ends every session of a user (the user was disabled or lost the authorisation); returns how many. */
  deleteSessionsOf(tenantId: string, userName: string): Promise<number>;
  /** Deletes attempts and sessions that expired before `now`. */
  prune(now: number): Promise<void>;
}
