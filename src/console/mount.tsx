import { Hono, type MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Logger } from '../log.js';
import { bodyWithin } from '../http/request-body.js';
import { consoleApi } from './api.js';
import { type ConsoleDeps, type ConsoleEnv, type ConsoleState, LANGUAGE_COOKIE, SESSION_COOKIE } from './context.js';
import { languageOf, translator } from './i18n/language.js';
import { instanceRoutes } from './pages/instances.js';
import { listRoutes } from './pages/lists.js';
import { signInRoutes } from './pages/sign-in.js';
import { usageRoutes } from './pages/usage.js';
import { crossSiteProblem } from './same-origin.js';
import { ConsoleSessions } from './sessions.js';
import { STYLE } from './style.js';
import { Bare } from './views/layout.js';
import { Notice } from './views/parts.js';

/** Forms of the console are a few hundred bytes; anything larger is not one of them. */
const MAX_FORM_BYTES = 16 * 1024;

/**
 * No script at all, styles from the console's own sheet, forms only to itself, never framed (clickjacking), no referrer
 * beyond the site, nothing cached: the pages show what the kgkit API answers an operator.
 */
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
};

const secured: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  await next();
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(name, value);
  if (!c.res.headers.has('cache-control')) c.res.headers.set('cache-control', 'no-store');
};

const inLanguage: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  const lang = languageOf(getCookie(c, LANGUAGE_COOKIE), c.req.header('accept-language'));
  const url = new URL(c.req.url);
  c.set('view', { t: translator(lang), lang, here: `${url.pathname}${url.search}` });
  await next();
};

/** Every POST: a form of the console's size, from the console's own pages (CSRF, besides the SameSite=Strict cookie). */
function sameOriginForms(logger: Logger): MiddlewareHandler<ConsoleEnv> {
  const limit = bodyWithin({ maxSize: MAX_FORM_BYTES, onError: (c) => c.text(`a console form is at most ${MAX_FORM_BYTES} bytes`, 413) });
  return async (c, next) => {
    if (c.req.method !== 'POST') return next();
    const problem = crossSiteProblem({
      host: c.req.header('host') ?? new URL(c.req.url).host,
      origin: c.req.header('origin'),
      fetchSite: c.req.header('sec-fetch-site'),
    });
    if (problem) {
      logger.warn('console: cross-site form refused', { path: c.req.path, reason: problem });
      return c.text(`refused: ${problem}; use the console's own pages`, 403);
    }
    return limit(c, next);
  };
}

/** The pages behind the sign-in: a live session, and the kgkit API as its operator. */
function signedIn(state: ConsoleState): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    const id = getCookie(c, SESSION_COOKIE);
    const session = state.sessions.find(id);
    if (!session || id === undefined) return c.redirect(id === undefined ? '/console/sign-in' : '/console/sign-in?ended=1', 303);
    c.set('session', Object.assign(session, { id }));
    c.set('api', consoleApi(state.api, session.token));
    await next();
  };
}

/**
 * The operator console at /console/ (README "Console"): server-rendered pages that read and act only through the kgkit
 * API (/kgkit/v1), signed in with KGKIT_API_TOKEN (docs/decisions.md#26). Mounted by the composition root next to the
 * families.
 */
export function mountConsole(app: Hono, deps: ConsoleDeps): void {
  const state: ConsoleState = { ...deps, sessions: new ConsoleSessions({ now: deps.now }) };
  const routes = new Hono<ConsoleEnv>();
  routes.use('*', secured, inLanguage, sameOriginForms(deps.logger));
  routes.get('/console.css', (c) => c.body(STYLE, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=3600' }));
  routes.route('/', signInRoutes(state));
  routes.get('/', (c) => c.redirect('/console/instances', 302));
  routes.use('*', signedIn(state));
  routes.route('/', instanceRoutes(state));
  routes.route('/', usageRoutes(state));
  routes.route('/', listRoutes(state));
  routes.all('*', (c) =>
    c.html(
      <Bare view={c.var.view} title={c.var.view.t('app.title')}>
        <main>
          <Notice kind="error">{c.var.view.t('error.notFound')}</Notice>
          <a href="/console/instances">{c.var.view.t('nav.instances')}</a>
        </main>
      </Bare>,
      404,
    ),
  );
  routes.onError((error, c) => {
    deps.logger.error('console: page failed', { path: c.req.path, error: error.message });
    return c.text('the console could not build this page; the server log says why', 500);
  });
  // Before the routes: their catch-all would answer /console/ (the address the README gives) with "no such page".
  app.get('/console/', (c) => c.redirect('/console/instances', 302));
  app.route('/console', routes);
}
