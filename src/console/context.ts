import type { Context } from 'hono';
import type { Logger } from '../log.js';
import type { ApiFetch, ConsoleApi } from './api.js';
import type { ConsoleSessions, Session } from './sessions.js';
import type { View } from './views/view.js';

/** What the console needs from the composition root. */
export interface ConsoleDeps {
  /** The kgkit API: the app's own routes (`app.request`), so that every read and action goes through its checks. */
  api: ApiFetch;
  logger: Logger;
  now: () => number;
}

export interface ConsoleVars {
  view: View;
  /** Set on the pages behind the sign-in. */
  session: Session & { id: string };
  api: ConsoleApi;
}

export type ConsoleEnv = { Variables: ConsoleVars };
export type ConsoleContext = Context<ConsoleEnv>;

export interface ConsoleState extends ConsoleDeps {
  sessions: ConsoleSessions;
}

export const SESSION_COOKIE = 'kgkit_console';
export const LANGUAGE_COOKIE = 'kgkit_console_lang';
/** The console's cookies go to its own paths only. */
export const COOKIE_PATH = '/console';

/** Cookies are Secure when the browser reached the console over https (behind a proxy that ends TLS, they are not). */
export const secureRequest = (c: Context) => new URL(c.req.url).protocol === 'https:';

/** The one value of a field of the urlencoded form posted; undefined when absent or sent twice. */
export async function formOf(c: Context): Promise<(name: string) => string | undefined> {
  const form = /^application\/x-www-form-urlencoded\b/i.test(c.req.header('content-type') ?? '')
    ? new URLSearchParams(await c.req.text())
    : new URLSearchParams();
  return (name) => {
    const values = form.getAll(name);
    return values.length === 1 ? values[0] : undefined;
  };
}

/** A page of the console to go back to after a post: a path under /console only, never another site. */
export function backTo(value: string | undefined, fallback: string): string {
  return value !== undefined && /^\/console(\/[!#-~]*)?$/.test(value) && !value.startsWith('/console//') ? value : fallback;
}

/** The query values a page passes on to the API: only the names it knows, and no empty ones. */
export function queryOf<K extends string>(c: Context, names: readonly K[]): Partial<Record<K, string>> {
  const picked: Partial<Record<K, string>> = {};
  for (const name of names) {
    const value = c.req.query(name);
    if (value !== undefined && value !== '') picked[name] = value;
  }
  return picked;
}
