import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Tenant, TenantApplication, TenantDirectoryReader } from '../tenants/directory.js';
import { type Logger, silentLogger } from '../log.js';
import { type AuthCentreFailure, type TenantAuthCentre, authCentreProblem, tenantAuthCentre } from './oauth-client.js';
import type { Session, SessionUser, SsoStore } from './session.js';

/**
 * The joint-operation login (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649448.html), without HTTP: start a login for a tenant, complete it
 * from the callback, read and end the session. Expected failures are values; the routes map them to statuses.
 */
export type SsoFailureCode =
  | 'invalid_request'
  | 'invalid_state'
  | 'access_denied'
  | 'invalid_code'
  | 'unknown_tenant'
  | 'tenant_not_ready'
  | 'wrong_tenant'
  | 'user_not_authorised'
  | 'auth_centre_error'
  | 'auth_centre_timeout'
  | 'no_session'
  | 'invalid_csrf_token'
  | 'refresh_refused';

export interface SsoFailure {
  code: SsoFailureCode;
  message: string;
}

export type Outcome<T> = { data: T; error?: never } | { data?: never; error: SsoFailure };

/** A callback brings a code, or the auth centre's refusal of the sign-in (RFC 6749 §4.1.2.1). */
export type CallbackInput = { state: string; code: string; error?: never } | { state: string; error: string; code?: never };

export interface LoginServiceOptions {
  directory: TenantDirectoryReader;
  store: SsoStore;
  sessionTtlMs: number;
  now?: () => number;
  logger?: Logger;
  /** The auth centre of a tenant's domainName; by default the contract's client with a 5 s budget per call. */
  authCentre?: (domainName: string) => TenantAuthCentre;
}

/** RFC 6749 §4.1.2 recommends at most 10 minutes for a code; a login attempt lives as long. */
export const ATTEMPT_TTL_MS = 10 * 60_000;
const TENANT_ID = /^[A-Za-z0-9._-]{1,64}$/;
// openapi/oauth State.yaml: alphanumeric, at most 128; kgkit's own are 64 hex digits.
const STATE = /^[A-Za-z0-9]{1,128}$/;
const CODE = /^[\x21-\x7E]{1,512}$/;
const ERROR = /^[\x20-\x7E]{1,64}$/;
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

const fail = (code: SsoFailureCode, message: string): { data?: never; error: SsoFailure } => ({ error: { code, message } });
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/** The callback's query as the routes read it (every value of each name); `tenant_id` and others are ignored. */
export function readCallbackQuery(query: Record<string, string[] | undefined>): Outcome<CallbackInput> {
  const one = (name: string): string | undefined | null => {
    const values = query[name] ?? [];
    return values.length === 0 ? undefined : values.length === 1 ? values[0]! : null;
  };
  const state = one('state');
  const code = one('code');
  const error = one('error');
  if (state === null || code === null || error === null) return fail('invalid_request', 'state, code and error may each appear once');
  if (state === undefined || !STATE.test(state)) return fail('invalid_request', 'state is missing or is not 1 to 128 letters and digits');
  if (error !== undefined) {
    if (code !== undefined || !ERROR.test(error)) return fail('invalid_request', 'a callback carries either code or a short error, not both');
    return { data: { state, error } };
  }
  if (code === undefined || !CODE.test(code)) return fail('invalid_request', 'code is missing or is not 1 to 512 visible ASCII characters');
  return { data: { state, code } };
}

export class LoginService {
  private readonly directory: TenantDirectoryReader;
  private readonly store: SsoStore;
  private readonly sessionTtlMs: number;
  private readonly now: () => number;
  private readonly logger: Logger;
  private readonly authCentre: (domainName: string) => TenantAuthCentre;

  constructor({
    directory,
    store,
    sessionTtlMs,
    now = Date.now,
    logger = silentLogger,
    authCentre = (domainName) => tenantAuthCentre({ domainName }),
  }: LoginServiceOptions) {
    this.directory = directory;
    this.store = store;
    this.sessionTtlMs = sessionTtlMs;
    this.now = now;
    this.logger = logger;
    this.authCentre = authCentre;
  }

  /** Where to send the browser, and the `state` it must bring back (the routes bind it to the browser too). */
  async startLogin(tenantId: string, redirectUri: string): Promise<Outcome<{ location: string; state: string; expiresAt: number }>> {
    if (!TENANT_ID.test(tenantId)) return this.refused(fail('invalid_request', 'tenantId must be 1 to 64 letters, digits, dots, underscores or hyphens'));
    const found = await this.tenant(tenantId);
    if (found.error) return this.refused(found, tenantId);
    const now = this.now();
    await this.store.prune(now);
    // 256 random bits; hex keeps it alphanumeric, as the auth centre requires of `state` (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649448.html).
    const state = randomBytes(32).toString('hex');
    const expiresAt = now + ATTEMPT_TTL_MS;
    await this.store.saveAttempt({ stateHash: sha256(state), tenantId, redirectUri, createdAt: now, expiresAt });
    const { application, centre } = found.data;
    const location = centre.authorizeUrl({ client_id: application.clientId, redirect_uri: redirectUri, response_type: 'code', scope: 'get_user_info', state });
    this.logger.info('sso login started', { tenantId });
    return { data: { location, state, expiresAt } };
  }

  /**
   * Completes the login of the callback. `browserState` is the state the browser that started the login kept
   * (RFC 6749 §10.12): a callback link forwarded to another browser does not sign that browser in.
   */
  async completeLogin(input: CallbackInput, browserState: string | undefined): Promise<Outcome<{ sessionId: string; user: SessionUser; expiresAt: number }>> {
    if (browserState === undefined || !sameSecret(browserState, input.state)) {
      return this.refused(fail('invalid_state', 'this login was not started in this browser (or it was started again since); start again'));
    }
    const attempt = await this.store.takeAttempt(sha256(input.state));
    if (!attempt) return this.refused(fail('invalid_state', 'unknown or already used state; start the login again'));
    const { tenantId } = attempt;
    if (attempt.expiresAt <= this.now()) return this.refused(fail('invalid_state', 'the login attempt expired (10 minutes); start again'), tenantId);
    if (input.error !== undefined) return this.refused(fail('access_denied', `the auth centre refused the sign-in (${input.error})`), tenantId);

    const found = await this.tenant(tenantId);
    if (found.error) return this.refused(found, tenantId);
    const { tenant, application, centre } = found.data;
    const token = await centre.redeemCode({
      clientId: application.clientId,
      clientSecret: application.clientSecret,
      code: input.code,
      redirectUri: attempt.redirectUri,
    });
    if (token.error) {
      if (token.error.kind === 'refused' && token.error.error === 'invalid_grant') {
        return this.refused(fail('invalid_code', 'the auth centre refused the code (unknown, already used or expired); start the login again'), tenantId);
      }
      return this.refused(authCentreFailure('token', token.error), tenantId);
    }
    const info = await centre.userInfo(token.data.access_token);
    if (info.error) return this.refused(authCentreFailure('userinfo', info.error), tenantId);
    if (info.data.tenant !== tenantId) return this.refused(fail('wrong_tenant', 'the user signed in belongs to another tenant'), tenantId);
    const user = await this.directory.findUser(tenantId, info.data.userName);
    if (!user?.enabled) return this.refused(fail('user_not_authorised', 'the enterprise has not authorised this user for the application'), tenantId);

    const now = this.now();
    const sessionId = randomBytes(32).toString('base64url');
    const session: Session = {
      idHash: sha256(sessionId),
      tenantId,
      tenantName: tenant.name,
      userName: user.userName,
      // The Kit sync is the enterprise's word on the application's users: name, role and department come from it.
      name: user.name,
      role: user.role,
      orgCode: user.orgCode,
      email: info.data.email || null,
      mobile: info.data.mobile || null,
      refreshToken: token.data.refresh_token ?? null,
      createdAt: now,
      expiresAt: now + this.sessionTtlMs,
    };
    await this.store.saveSession(session);
    this.logger.info('sso login completed', { tenantId, userName: user.userName });
    return { data: { sessionId, user: sessionUser(session), expiresAt: session.expiresAt } };
  }

  /**
   * The signed-in user, and the CSRF token a request that changes the session must show (logout); a user the
   * enterprise disabled or removed since is signed out.
   */
  async session(sessionId: string | undefined): Promise<Outcome<SessionUser & { expiresAt: number; csrfToken: string }>> {
    const session = await this.find(sessionId);
    if (!session || sessionId === undefined) return fail('no_session', 'not signed in, or the session expired');
    const user = await this.directory.findUser(session.tenantId, session.userName);
    if (!user?.enabled) {
      await this.store.deleteSession(session.idHash);
      this.logger.info('sso session ended: user no longer authorised', { tenantId: session.tenantId, userName: session.userName });
      return fail('no_session', 'the enterprise no longer authorises this user');
    }
    return { data: { ...sessionUser(session), expiresAt: session.expiresAt, csrfToken: csrfTokenOf(sessionId) } };
  }

  /**
   * Ends the session when `csrfToken` is the session's own (a page of another site cannot know it); where to send
   * the browser to sign out of the tenant's auth centre too. Without a session there is nothing to end, nor a location.
   */
  async logout(sessionId: string | undefined, csrfToken: string | undefined, redirectUrl: string): Promise<Outcome<{ location?: string }>> {
    const session = await this.find(sessionId);
    if (!session || sessionId === undefined) return { data: {} };
    if (csrfToken === undefined || !sameSecret(csrfToken, csrfTokenOf(sessionId))) {
      this.logger.warn('sso logout refused', { code: 'invalid_csrf_token', tenantId: session.tenantId });
      return fail('invalid_csrf_token', 'signing out needs the csrfToken of GET <sso>/me, in the X-CSRF-Token header or the csrf_token form field');
    }
    await this.store.deleteSession(session.idHash);
    this.logger.info('sso logout', { tenantId: session.tenantId, userName: session.userName });
    const tenant = await this.directory.findTenant(session.tenantId);
    // No auth centre to send the browser to through plain http either: the session here is ended all the same.
    if (!tenant || authCentreProblem(tenant.domainName)) return { data: {} };
    try {
      return { data: { location: this.authCentre(tenant.domainName).logoutUrl({ redirect_url: redirectUrl }) } };
    } catch {
      return { data: {} };
    }
  }

  /** A fresh access token for the session's user, from the refresh token kept at login (RFC 6749 §6). */
  async accessToken(sessionId: string | undefined): Promise<Outcome<{ accessToken: string; expiresIn: number }>> {
    const session = await this.find(sessionId);
    if (!session?.refreshToken) return fail('no_session', 'no session, or the auth centre gave it no refresh token');
    const found = await this.tenant(session.tenantId);
    if (found.error) return this.refused(found, session.tenantId);
    const { application, centre } = found.data;
    const token = await centre.refresh({ clientId: application.clientId, clientSecret: application.clientSecret, refreshToken: session.refreshToken });
    if (token.error) {
      if (token.error.kind === 'refused')
        return this.refused(fail('refresh_refused', 'the auth centre refused the refresh token; sign in again'), session.tenantId);
      return this.refused(authCentreFailure('token', token.error), session.tenantId);
    }
    if (token.data.refresh_token && token.data.refresh_token !== session.refreshToken)
      await this.store.setRefreshToken(session.idHash, token.data.refresh_token);
    return { data: { accessToken: token.data.access_token, expiresIn: token.data.expires_in } };
  }

  private async find(sessionId: string | undefined): Promise<Session | undefined> {
    if (sessionId === undefined || !SESSION_ID.test(sessionId)) return undefined;
    return this.store.findSession(sha256(sessionId), this.now());
  }

  private async tenant(tenantId: string): Promise<Outcome<{ tenant: Tenant; application: TenantApplication; centre: TenantAuthCentre }>> {
    const tenant = await this.directory.findTenant(tenantId);
    if (!tenant) return fail('unknown_tenant', `no tenant ${tenantId} (tenantSync)`);
    const application = await this.directory.findApplication(tenantId);
    if (!application) return fail('tenant_not_ready', `tenant ${tenantId} has no application bound (applicationSync)`);
    const problem = authCentreProblem(tenant.domainName);
    if (problem) return fail('tenant_not_ready', `the domainName of tenant ${tenantId} ${problem}; tenantSync must send its https auth centre`);
    let centre: TenantAuthCentre;
    try {
      centre = this.authCentre(tenant.domainName);
    } catch {
      return fail('tenant_not_ready', `the domainName of tenant ${tenantId} is not an https base URL`);
    }
    return { data: { tenant, application, centre } };
  }

  private refused<T>(outcome: { data?: never; error: SsoFailure }, tenantId?: string): Outcome<T> {
    this.logger.warn('sso login refused', { code: outcome.error.code, reason: outcome.error.message, ...(tenantId ? { tenantId } : {}) });
    return outcome;
  }
}

function sessionUser({ tenantId, tenantName, userName, name, role, orgCode, email, mobile }: Session): SessionUser {
  return { tenantId, tenantName, userName, name, role, orgCode, email, mobile };
}

function authCentreFailure(call: 'token' | 'userinfo', failure: AuthCentreFailure): { data?: never; error: SsoFailure } {
  if (failure.kind === 'timeout') return fail('auth_centre_timeout', `the tenant's auth centre did not answer the ${call} request in time`);
  const detail = failure.kind === 'refused' ? `refused it: HTTP ${failure.status}${failure.error ? ` ${failure.error}` : ''}` : `failed: ${failure.reason}`;
  return fail('auth_centre_error', `the tenant's auth centre ${detail} (${call} request)`);
}

/**
 * The CSRF token of a session: an HMAC keyed with the session ID, which only the session cookie holds (HttpOnly, and
 * stored nowhere but as a hash), so the token is bound to the session and needs no storage of its own.
 */
function csrfTokenOf(sessionId: string): string {
  return createHmac('sha256', sessionId).update('kgkit sso csrf token').digest('base64url');
}

/** Constant-time comparison of two secrets of any length. */
function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}
