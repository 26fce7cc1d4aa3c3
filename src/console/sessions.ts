import { createHash, randomBytes } from 'node:crypto';

/** What a signed-in operator's session holds: the token it signed in with (the console calls the kgkit API with it). */
export interface Session {
  token: string;
  expiresAt: number;
  lastSeenAt: number;
  /** What the last action did, shown once by the next page (post, redirect, get). */
  flash?: Flash;
}

export interface Flash {
  kind: 'done' | 'refused';
  /** A message key of the catalogues. */
  key: string;
  params?: Record<string, string>;
}

export interface SessionRules {
  now: () => number;
  /** An operator signs in again after this long, whatever they do (8 hours, a working day). */
  lifetimeMs?: number;
  /** …or after this long without a page (1 hour). */
  idleMs?: number;
  /** Sessions kept at most; the oldest go first, so that repeated sign-ins cannot fill the memory. */
  max?: number;
}

const digest = (id: string) => createHash('sha256').update(id).digest('base64url');

/**
 * The console's sessions, in this process's memory: a restart, or another replica, asks the operator to sign in again
 * (behind a load balancer, pin the console's clients to one replica; docs/decisions.md#26). Keyed by the SHA-256 of the
 * cookie's value, so that a heap dump does not hand out live cookies; the token stays in memory only, never in the cookie.
 */
export class ConsoleSessions {
  private readonly sessions = new Map<string, Session>();
  private readonly now: () => number;
  private readonly lifetimeMs: number;
  private readonly idleMs: number;
  private readonly max: number;

  constructor({ now, lifetimeMs = 8 * 3_600_000, idleMs = 3_600_000, max = 1_000 }: SessionRules) {
    this.now = now;
    this.lifetimeMs = lifetimeMs;
    this.idleMs = idleMs;
    this.max = max;
  }

  /** A new session for `token`: answers the cookie's value (256 random bits) and when it ends. */
  open(token: string): { id: string; expiresAt: number } {
    this.sweep();
    while (this.sessions.size >= this.max) this.sessions.delete(this.sessions.keys().next().value!);
    const id = randomBytes(32).toString('base64url');
    const now = this.now();
    const session: Session = { token, expiresAt: now + this.lifetimeMs, lastSeenAt: now };
    this.sessions.set(digest(id), session);
    return { id, expiresAt: session.expiresAt };
  }

  /** The live session of a cookie's value, seen now; undefined when unknown, expired or idle too long. */
  find(id: string | undefined): Session | undefined {
    if (id === undefined || id.length > 128) return undefined;
    const key = digest(id);
    const session = this.sessions.get(key);
    if (!session) return undefined;
    const now = this.now();
    if (now >= session.expiresAt || now - session.lastSeenAt >= this.idleMs) {
      this.sessions.delete(key);
      return undefined;
    }
    session.lastSeenAt = now;
    return session;
  }

  close(id: string | undefined): void {
    if (id !== undefined) this.sessions.delete(digest(id));
  }

  /** Ends every session (the kgkit API no longer takes their token). */
  closeAllOf(token: string): void {
    for (const [key, session] of this.sessions) if (session.token === token) this.sessions.delete(key);
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, session] of this.sessions) if (now >= session.expiresAt || now - session.lastSeenAt >= this.idleMs) this.sessions.delete(key);
  }
}
