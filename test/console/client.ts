import type { Hono } from 'hono';
import { CONSOLE_TOKEN } from '../support/console-world.js';

/** A browser's view of the console through `app.request`: a cookie jar of one session, and same-origin form posts. */
export interface ConsoleClient {
  cookies: Map<string, string>;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  post(path: string, form: Record<string, string>, headers?: Record<string, string>): Promise<Response>;
  /** The page's text, after a GET that must answer `status`. */
  text(path: string, status?: number, headers?: Record<string, string>): Promise<string>;
}

export const ORIGIN = 'http://localhost';
export const SAME_ORIGIN = { origin: ORIGIN, 'sec-fetch-site': 'same-origin' } as const;

export function consoleClient(app: Hono, base = ORIGIN): ConsoleClient {
  const cookies = new Map<string, string>();
  const keep = (response: Response) => {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const [name = '', value = ''] = pair.split('=');
      if (/max-age=0/i.test(line) || value === '') cookies.delete(name);
      else cookies.set(name, value);
    }
    return response;
  };
  const cookie = () => [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  const client: ConsoleClient = {
    cookies,
    get: async (path, headers = {}) => keep(await app.request(`${base}${path}`, { headers: { cookie: cookie(), ...headers } })),
    post: async (path, form, headers = SAME_ORIGIN) =>
      keep(
        await app.request(`${base}${path}`, {
          method: 'POST',
          body: new URLSearchParams(form).toString(),
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookie(), ...headers },
        }),
      ),
    async text(path, status = 200, headers = {}) {
      const response = await client.get(path, headers);
      const body = await response.text();
      if (response.status !== status) throw new Error(`GET ${path}: HTTP ${response.status}, expected ${status}: ${body.slice(0, 300)}`);
      return body;
    },
  };
  return client;
}

/** A client signed in with the world's token. */
export async function signedIn(app: Hono, base = ORIGIN): Promise<ConsoleClient> {
  const client = consoleClient(app, base);
  const response = await client.post('/console/sign-in', { token: CONSOLE_TOKEN }, { origin: base, 'sec-fetch-site': 'same-origin' });
  if (response.status !== 303) throw new Error(`sign-in answered HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`);
  return client;
}
