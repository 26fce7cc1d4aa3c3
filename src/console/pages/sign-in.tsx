import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { MessageKey } from '../i18n/en.js';
import { LANGUAGES, type Language } from '../i18n/language.js';
import { COOKIE_PATH, type ConsoleEnv, type ConsoleState, LANGUAGE_COOKIE, SESSION_COOKIE, backTo, formOf, secureRequest } from '../context.js';
import { SignInPage } from '../views/sign-in.js';

/** Failed sign-ins allowed a minute, all clients together: a guessing client is slowed down, the operator barely. */
const FAILURES_PER_MINUTE = 10;
const YEAR_S = 365 * 24 * 3600;

/** The token as a bearer credential can carry it (RFC 6750 §2.1 b64token, kgkit's bearer check): else it cannot be the token. */
const TOKEN = /^[\x21-\x7e]{1,1024}$/;

/** Sign-in with the kgkit API token, sign-out, and the language switch: the routes open without a session. */
export function signInRoutes(state: ConsoleState): Hono<ConsoleEnv> {
  const routes = new Hono<ConsoleEnv>();
  const failures: number[] = [];
  const throttled = () => {
    const now = state.now();
    while (failures.length > 0 && failures[0]! <= now - 60_000) failures.shift();
    return failures.length >= FAILURES_PER_MINUTE;
  };

  routes.get('/sign-in', (c) => {
    if (state.sessions.find(getCookie(c, SESSION_COOKIE))) return c.redirect('/console/instances', 303);
    const { view } = c.var;
    const info = c.req.query('ended') ? view.t('signIn.ended') : c.req.query('bye') ? view.t('signIn.signedOut') : undefined;
    return c.html(<SignInPage view={view} {...(info ? { info } : {})} />);
  });

  routes.post('/sign-in', async (c) => {
    const { view } = c.var;
    const refuse = (key: MessageKey, status: 400 | 401 | 429 | 502 | 503) => c.html(<SignInPage view={view} problem={view.t(key)} />, status);
    const token = (await formOf(c))('token') ?? '';
    if (token === '') return refuse('signIn.empty', 400);
    if (throttled()) return refuse('signIn.tooMany', 429);
    const wrong = () => {
      failures.push(state.now());
      state.logger.warn('console: sign-in refused', { reason: 'not the kgkit API token' });
      return refuse('signIn.wrong', 401);
    };
    if (!TOKEN.test(token)) return wrong();
    // The API itself says whether the token is its own: the console keeps no copy of KGKIT_API_TOKEN.
    const probe = await state.api('/kgkit/v1/instances?limit=1', { method: 'GET', headers: { authorization: `Bearer ${token}` } });
    const answer = (await probe.json().catch(() => ({}))) as { resultMsg?: string };
    if (probe.status === 404) return refuse('signIn.notServed', 503);
    if (probe.status === 401) return answer.resultMsg?.startsWith('the kgkit API is off') ? refuse('signIn.off', 503) : wrong();
    if (probe.status !== 200) return refuse('signIn.notServed', 502);
    const session = state.sessions.open(token);
    setCookie(c, SESSION_COOKIE, session.id, {
      path: COOKIE_PATH,
      httpOnly: true,
      secure: secureRequest(c),
      sameSite: 'Strict',
      maxAge: Math.floor((session.expiresAt - state.now()) / 1000),
    });
    state.logger.info('console: signed in');
    return c.redirect('/console/instances', 303);
  });

  routes.post('/sign-out', (c) => {
    state.sessions.close(getCookie(c, SESSION_COOKIE));
    deleteCookie(c, SESSION_COOKIE, { path: COOKIE_PATH, secure: secureRequest(c) });
    return c.redirect('/console/sign-in?bye=1', 303);
  });

  routes.post('/language', async (c) => {
    const field = await formOf(c);
    const to = field('to');
    if (!LANGUAGES.includes(to as Language)) return c.text('to must be en or zh-CN', 400);
    setCookie(c, LANGUAGE_COOKIE, to!, { path: COOKIE_PATH, httpOnly: true, secure: secureRequest(c), sameSite: 'Strict', maxAge: YEAR_S });
    return c.redirect(backTo(field('back'), '/console/instances'), 303);
  });

  return routes;
}
