// The store owns the rows and their shapes (src/store/sso-store.ts); the domain adds the rules.
import type { LoginAttempt, SessionUser, Session } from '../store/sso-store.js';

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

export type { LoginAttempt, SessionUser, Session };
