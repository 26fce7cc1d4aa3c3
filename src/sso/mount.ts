import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { DataKeys } from '../crypto/data-keys.js';
import { asciiJson } from '../http/ascii-json.js';
import type { FamilyMount } from '../mount/family.js';
import { bodyWithin } from '../http/request-body.js';
import { SqlSsoStore } from '../store/sso-store.js';
import { ATTEMPT_TTL_MS, LoginService, type SsoFailureCode, readCallbackQuery } from './login-service.js';
import { tenantAuthCentre } from './oauth-client.js';
import { type SsoSite, crossSiteProblem, ssoSite } from './site.js';

export interface SsoMountOptions {
  /** Budget of one call to a tenant's auth centre. */
  timeoutMs?: number;
}

const SESSION_COOKIE = 'kgkit_sso';
const STATE_COOKIE = 'kgkit_sso_state';
/** A logout form carries one token; anything much larger is not one. */
const MAX_LOGOUT_BODY_BYTES = 4_096;

/** The login's refusals, and those of the routes themselves (which host, which site, which method). */
type RefusalCode = SsoFailureCode | 'host_not_allowed' | 'cross_site_request' | 'method_not_allowed';
type Refusal = { code: RefusalCode; message: string };

const STATUS: Record<RefusalCode, 400 | 401 | 403 | 404 | 405 | 502 | 504> = {
  invalid_request: 400,
  invalid_state: 400,
  invalid_code: 400,
  host_not_allowed: 400,
  access_denied: 403,
  wrong_tenant: 403,
  user_not_authorised: 403,
  cross_site_request: 403,
  invalid_csrf_token: 403,
  unknown_tenant: 404,
  tenant_not_ready: 404,
  method_not_allowed: 405,
  no_session: 401,
  refresh_refused: 401,
  auth_centre_error: 502,
  auth_centre_timeout: 504,
};

/**
 * Joint-operation login for the seller's application, under SSO_PATH: `GET /login/:tenantId` → the tenant's auth centre
 * → `GET /callback` → session cookie → `GET /me`, `POST /logout`
 * (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649448.html).
 */
export function ssoMount({ timeoutMs = 5_000 }: SsoMountOptions = {}): FamilyMount {
  return function mountSso(app, context) {
    const { config, db, logger, now, directory } = context;
    const base = config.sso.path === '/' ? '' : config.sso.path;
    const answer = (c: Context, status: 200 | 400 | 401 | 403 | 404 | 405 | 502 | 504, body: object) =>
      c.body(asciiJson(body), status, { 'content-type': 'application/json;charset=UTF-8', 'cache-control': 'no-store' });
    const refuse = (c: Context, { code, message }: Refusal) => answer(c, STATUS[code], { error: code, error_description: message });

    const service = new LoginService({
      directory,
      store: new SqlSsoStore(db, new DataKeys(config)),
      sessionTtlMs: config.sso.sessionTtlMs,
      now,
      logger,
      authCentre: (domainName) => tenantAuthCentre({ domainName, timeoutMs }),
    });
    const { callbackUrl, allowedHosts } = config.sso;
    const siteOf = ssoSite({ basePath: base, ...(callbackUrl ? { callbackUrl } : {}), allowedHosts });
    if (!callbackUrl && allowedHosts.length === 0)
      logger.info('sso: neither SSO_CALLBACK_URL nor SSO_ALLOWED_HOSTS is set; the login answers on the loopback only');

    /** Runs a route on the site of the request; a request on a host the configuration does not allow is refused. */
    const onSite = (route: (c: Context, site: SsoSite) => Promise<Response>) =>
      async function onAllowedHost(c: Context) {
        const site = siteOf({ url: c.req.url, host: c.req.header('host') });
        if (site.error) {
          logger.warn('sso request refused', { code: site.error.code, reason: site.error.message, host: (c.req.header('host') ?? '').slice(0, 100) });
          return refuse(c, site.error);
        }
        return route(c, site.data);
      };

    app.get(
      `${base}/login/:tenantId`,
      onSite(async (c, site) => {
        const started = await service.startLogin(c.req.param('tenantId') ?? '', site.callbackUrl);
        if (started.error) return refuse(c, started.error);
        // The state also goes to this browser, so that only the browser that started the login can complete it. Lax,
        // not Strict: the callback comes back as a navigation from the auth centre's site, and must bring it along.
        setCookie(c, STATE_COOKIE, started.data.state, {
          path: `${base}/callback`,
          httpOnly: true,
          secure: site.secure,
          sameSite: 'Lax',
          maxAge: ATTEMPT_TTL_MS / 1000,
        });
        c.header('cache-control', 'no-store');
        return c.redirect(started.data.location, 302);
      }),
    );

    app.get(
      `${base}/callback`,
      onSite(async (c, site) => {
        const input = readCallbackQuery(c.req.queries());
        if (input.error) return refuse(c, input.error);
        const browserState = getCookie(c, STATE_COOKIE);
        // This callback spends the browser's attempt, whatever its outcome; a cookie of another (newer) login stays.
        if (browserState === input.data.state) deleteCookie(c, STATE_COOKIE, { path: `${base}/callback`, secure: site.secure });
        const login = await service.completeLogin(input.data, browserState);
        if (login.error) return refuse(c, login.error);
        const maxAge = Math.floor((login.data.expiresAt - now()) / 1000);
        // Lax, not Strict: this answer ends a navigation the auth centre's site started, and so does the redirect to
        // the landing page; a Strict cookie would not come along there, and the user would land signed out. What Lax
        // still lets through (top-level GET navigations from other sites) changes nothing: logout is a POST.
        setCookie(c, SESSION_COOKIE, login.data.sessionId, { path: '/', httpOnly: true, secure: site.secure, sameSite: 'Lax', maxAge });
        c.header('cache-control', 'no-store');
        return c.redirect(config.sso.landingUrl, 302);
      }),
    );

    app.get(
      `${base}/me`,
      onSite(async (c, site) => {
        const session = await service.session(getCookie(c, SESSION_COOKIE));
        if (session.error) {
          deleteCookie(c, SESSION_COOKIE, { path: '/', secure: site.secure });
          return refuse(c, session.error);
        }
        const { expiresAt, ...user } = session.data;
        return answer(c, 200, { ...user, expiresAt: new Date(expiresAt).toISOString() });
      }),
    );

    // Logout changes state, so it is a POST, and one from this site's own pages only: the browser's word on where the
    // request comes from (Sec-Fetch-Site, Origin), and the session's CSRF token, which a page of another site cannot
    // read (GET /me answers it without CORS). Each alone stops a page of another site; the token still holds for a
    // browser that sends neither header, and both hold where SameSite=Lax does not (a sibling subdomain is same-site).
    app.post(
      `${base}/logout`,
      bodyWithin({
        maxSize: MAX_LOGOUT_BODY_BYTES,
        onError: (c) => refuse(c, { code: 'invalid_request', message: `a logout body is at most ${MAX_LOGOUT_BODY_BYTES} bytes` }),
      }),
      onSite(async (c, site) => {
        const crossSite = crossSiteProblem(site, { origin: c.req.header('origin'), fetchSite: c.req.header('sec-fetch-site') });
        if (crossSite) {
          logger.warn('sso logout refused', { code: 'cross_site_request', reason: crossSite });
          return refuse(c, { code: 'cross_site_request', message: crossSite });
        }
        const csrfToken = c.req.header('x-csrf-token') ?? (await formField(c, 'csrf_token'));
        const landing = new URL(config.sso.landingUrl, site.callbackUrl).href;
        const ended = await service.logout(getCookie(c, SESSION_COOKIE), csrfToken, landing);
        if (ended.error) return refuse(c, ended.error);
        deleteCookie(c, SESSION_COOKIE, { path: '/', secure: site.secure });
        // Next, the tenant's auth centre signs the user out there too, then sends the browser to the landing page.
        const location = ended.data.location ?? config.sso.landingUrl;
        if (/\bapplication\/json\b/i.test(c.req.header('accept') ?? '')) return answer(c, 200, { location });
        c.header('cache-control', 'no-store');
        // 303: the browser follows with a GET, whatever the method of the form (RFC 9110 §15.4.4).
        return c.redirect(location, 303);
      }),
    );

    app.all(`${base}/logout`, async (c) => {
      c.header('allow', 'POST');
      return refuse(c, {
        code: 'method_not_allowed',
        message: `sign out with POST ${base}/logout and the csrfToken of GET ${base}/me; no other method ends a session`,
      });
    });
  };
}

/** The one value of a field of an urlencoded form body; undefined for any other body, or a field sent twice. */
async function formField(c: Context, name: string): Promise<string | undefined> {
  if (!/^application\/x-www-form-urlencoded\b/i.test(c.req.header('content-type') ?? '')) return undefined;
  const values = new URLSearchParams(await c.req.text()).getAll(name);
  return values.length === 1 ? values[0] : undefined;
}

/** The family as the app mounts it: the directory comes from the context. */
export const mountSso: FamilyMount = ssoMount();
