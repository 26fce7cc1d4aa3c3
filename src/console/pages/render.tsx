import type { JSX } from 'hono/jsx/jsx-runtime';
import { deleteCookie } from 'hono/cookie';
import { ApiRefusal } from '../api.js';
import { COOKIE_PATH, type ConsoleContext, type ConsoleState, SESSION_COOKIE, secureRequest } from '../context.js';
import { Layout } from '../views/layout.js';
import { Notice } from '../views/parts.js';

/**
 * A page built from the kgkit API's answers. A refusal of the API is the page's answer, never a stack trace: 000002 (a
 * filter the contract does not allow) is shown with the API's reason (HTTP 400); a token the API no longer takes ends the
 * session; anything else is a bad gateway (502).
 */
export async function render(c: ConsoleContext, state: ConsoleState, build: () => Promise<JSX.Element>): Promise<Response> {
  try {
    return c.html(await build());
  } catch (error) {
    if (!(error instanceof ApiRefusal)) throw error;
    return refusal(c, state, error);
  }
}

export async function refusal(c: ConsoleContext, state: ConsoleState, error: ApiRefusal): Promise<Response> {
  const { view, session } = c.var;
  if (error.status === 401) {
    state.sessions.closeAllOf(session.token);
    deleteCookie(c, SESSION_COOKIE, { path: COOKIE_PATH, secure: secureRequest(c) });
    state.logger.warn('console: the kgkit API no longer takes the session token; signed out', { reason: error.message });
    return c.redirect('/console/sign-in?ended=1', 303);
  }
  state.logger.warn('console: the kgkit API refused a request', { path: c.req.path, code: error.code, reason: error.message });
  const message =
    error.code === 'HTTP' ? view.t('error.unreachable', { message: error.message }) : view.t('error.api', { code: error.code, message: error.message });
  return c.html(
    <Layout view={view} title={view.t('app.title')}>
      <Notice kind="error">{message}</Notice>
    </Layout>,
    error.code === '000002' ? 400 : 502,
  );
}
