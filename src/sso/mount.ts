import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { DataKeys } from '../crypto/data-keys.js';
import { asciiJson } from '../http/ascii-json.js';
import type { FamilyContext, FamilyMount } from '../http/family.js';
import { SqlSsoStore } from '../store/sso-store.js';
import { ATTEMPT_TTL_MS, LoginService, type SsoFailure, type SsoFailureCode, readCallbackQuery } from './login-service.js';
import { tenantAuthCentre } from './oauth-client.js';

export interface SsoMountOptions {
  /** Budget of one call to a tenant's auth centre. */
  timeoutMs?: number;
}

const SESSION_COOKIE = 'kgkit_sso';
const STATE_COOKIE = 'kgkit_sso_state';

const STATUS: Record<SsoFailureCode, 400 | 401 | 403 | 404 | 502 | 504> = {
  invalid_request: 400,
  invalid_state: 400,
  invalid_code: 400,
  access_denied: 403,
  wrong_tenant: 403,
  user_not_authorised: 403,
  unknown_tenant: 404,
  tenant_not_ready: 404,
  no_session: 401,
  refresh_refused: 401,
  auth_centre_error: 502,
  auth_centre_timeout: 504,
};

/**
 * Joint-operation login for the seller's application (license-kit-openapi.md §C.9), under SSO_PATH:
 * `GET /login/:tenantId` → the tenant's auth centre → `GET /callback` → session cookie → `GET /me`, `GET /logout`.
 */
export function ssoMount({ timeoutMs = 5_000 }: SsoMountOptions = {}): FamilyMount {
  return function mountSso(app, context) {
    const { config, db, logger, now, directory } = context;
    const base = config.sso.path === '/' ? '' : config.sso.path;
    const answer = (c: Context, status: 200 | 400 | 401 | 403 | 404 | 502 | 504, body: object) =>
      c.body(asciiJson(body), status, { 'content-type': 'application/json;charset=UTF-8', 'cache-control': 'no-store' });
    const refuse = (c: Context, { code, message }: SsoFailure) => answer(c, STATUS[code], { error: code, error_description: message });

    const service = new LoginService({
      directory,
      store: new SqlSsoStore(db, new DataKeys(config)),
      sessionTtlMs: config.sso.sessionTtlMs,
      now,
      logger,
      authCentre: (domainName) => tenantAuthCentre({ domainName, timeoutMs }),
    });
    // Behind a proxy the request's own URL is not what the browser sees: SSO_CALLBACK_URL says it (README).
    const callbackUrl = (c: Context) => config.sso.callbackUrl ?? `${new URL(c.req.url).origin}${base}/callback`;
    // Browsers refuse Secure cookies over plain http, except on the developer's own machine.
    const secure = (c: Context) => !/^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?\//.test(callbackUrl(c));

    app.get(`${base}/login/:tenantId`, async (c) => {
      const redirectUri = callbackUrl(c);
      const started = await service.startLogin(c.req.param('tenantId'), redirectUri);
      if (started.error) return refuse(c, started.error);
      // The state also goes to this browser, so that only the browser that started the login can complete it.
      setCookie(c, STATE_COOKIE, started.data.state, { path: `${base}/callback`, httpOnly: true, secure: secure(c), sameSite: 'Lax', maxAge: ATTEMPT_TTL_MS / 1000 });
      c.header('cache-control', 'no-store');
      return c.redirect(started.data.location, 302);
    });

    app.get(`${base}/callback`, async (c) => {
      const input = readCallbackQuery(c.req.queries());
      if (input.error) return refuse(c, input.error);
      const browserState = getCookie(c, STATE_COOKIE);
      // This callback spends the browser's attempt, whatever its outcome; a cookie of another (newer) login stays.
      if (browserState === input.data.state) deleteCookie(c, STATE_COOKIE, { path: `${base}/callback`, secure: secure(c) });
      const login = await service.completeLogin(input.data, browserState);
      if (login.error) return refuse(c, login.error);
      const maxAge = Math.floor((login.data.expiresAt - now()) / 1000);
      setCookie(c, SESSION_COOKIE, login.data.sessionId, { path: '/', httpOnly: true, secure: secure(c), sameSite: 'Lax', maxAge });
      c.header('cache-control', 'no-store');
      return c.redirect(config.sso.landingUrl, 302);
    });

    app.get(`${base}/me`, async (c) => {
      const session = await service.session(getCookie(c, SESSION_COOKIE));
      if (session.error) {
        deleteCookie(c, SESSION_COOKIE, { path: '/', secure: secure(c) });
        return refuse(c, session.error);
      }
      const { expiresAt, ...user } = session.data;
      return answer(c, 200, { ...user, expiresAt: new Date(expiresAt).toISOString() });
    });

    app.get(`${base}/logout`, async (c) => {
      const landing = new URL(config.sso.landingUrl, callbackUrl(c)).href;
      const { location } = await service.logout(getCookie(c, SESSION_COOKIE), landing);
      deleteCookie(c, SESSION_COOKIE, { path: '/', secure: secure(c) });
      c.header('cache-control', 'no-store');
      return c.redirect(location ?? config.sso.landingUrl, 302);
    });
  };
}

/** The family as the app mounts it: the directory comes from the context. */
export const mountSso: FamilyMount = ssoMount();
