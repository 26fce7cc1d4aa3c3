import { createOauthClient } from '../../generated/oauth/client.js';
import type { components, paths } from '../../generated/oauth/types.js';
import { withDeadline } from '../time/deadline.js';
import { isLoopbackHostname } from '../net/host.js';

/**
 * The tenant's auth centre as the seller calls it (openapi/oauth; https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649448.html). Every call has its
 * own time budget and every failure comes back as data: the login must answer the browser cleanly, whatever the
 * auth centre does.
 */
export type TokenAnswer = components['schemas']['TokenResponse'];
export type UserInfo = components['schemas']['UserInfo'];
type AuthorizeQuery = paths['/api/v1/oauth2/authorize']['get']['parameters']['query'];
type LogoutQuery = NonNullable<paths['/api/v1/logout']['get']['parameters']['query']>;

export type AuthCentreFailure =
  /** A 4xx answer: the auth centre refused the grant or the token (`error` as it sent it, when it sent one). */
  | { kind: 'refused'; status: number; error?: string }
  /** No usable answer: unreachable, a 5xx, not JSON, or JSON without the fields the login needs. */
  | { kind: 'failed'; reason: string }
  | { kind: 'timeout' };

export type AuthCentreResult<T> = { data: T; error?: never } | { data?: never; error: AuthCentreFailure };

export interface TenantAuthCentre {
  /** Where to send the browser to sign in. */
  authorizeUrl(query: AuthorizeQuery): string;
  /** Where to send the browser to sign out of the auth centre. */
  logoutUrl(query: LogoutQuery): string;
  redeemCode(input: { clientId: string; clientSecret: string; code: string; redirectUri: string }): Promise<AuthCentreResult<TokenAnswer>>;
  refresh(input: { clientId: string; clientSecret: string; refreshToken: string }): Promise<AuthCentreResult<TokenAnswer>>;
  userInfo(accessToken: string): Promise<AuthCentreResult<UserInfo>>;
}

export interface AuthCentreOptions {
  /** The tenant's `domainName` (tenantSync), scheme included. */
  domainName: string;
  /** Budget of one call; KooGallery's own budget is 5 s (docs/decisions.md#marketplace-retries). */
  timeoutMs?: number;
  fetch?: (input: Request) => Promise<Response>;
}

const AUTHORIZE = '/api/v1/oauth2/authorize' satisfies keyof paths;
const LOGOUT = '/api/v1/logout' satisfies keyof paths;
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' } as const;

/**
 * Why kgkit will not log in through this `domainName`, or undefined. kgkit's own rule, stricter than the Kit contract
 * at Huawei's level (which lets plain http through, openapi/kit-v2/schemas/DomainName.yaml): the token request carries
 * the decrypted client secret and the code, so the auth centre must be https; plain http only on the loopback, for
 * test doubles.
 */
export function authCentreProblem(domainName: string): string | undefined {
  // A base URL: scheme, host, maybe a path; no user name, query, fragment or white space.
  if (!/^https?:\/\/[^\s/?#@]+(\/[^\s?#]*)?$/i.test(domainName)) return 'is not an https base URL';
  let url: URL;
  try {
    url = new URL(domainName);
  } catch {
    return 'is not an https base URL';
  }
  if (url.protocol === 'http:' && !isLoopbackHostname(url.hostname)) return 'is plain http: kgkit sends the client secret and login codes only over https';
  return undefined;
}

export function tenantAuthCentre({ domainName, timeoutMs = 5_000, fetch }: AuthCentreOptions): TenantAuthCentre {
  const problem = authCentreProblem(domainName);
  if (problem) throw new Error(`domainName ${problem}`);
  // A domainName may carry a path; keep it (new URL('/api/…', base) would drop it).
  const baseUrl = domainName.replace(/\/+$/, '');
  const client = createOauthClient({ baseUrl, ...(fetch ? { fetch } : {}) });
  const url = (path: string, query: Record<string, string | undefined>) => {
    const search = new URLSearchParams(Object.entries(query).filter((entry): entry is [string, string] => entry[1] !== undefined));
    return `${baseUrl}${path}?${search}`;
  };

  const token = (body: components['schemas']['TokenRequest']) =>
    call(timeoutMs, async (signal) => {
      const { data, error, response } = await client.POST('/api/v1/oauth2/token', { body, headers: FORM, signal });
      if (data) return typeof data.access_token === 'string' && data.access_token !== '' ? { data } : failed('token answer without access_token');
      return refusedOrFailed(response, error);
    });

  return {
    authorizeUrl: (query) => url(AUTHORIZE, query),
    logoutUrl: (query) => url(LOGOUT, query),
    redeemCode: ({ clientId, clientSecret, code, redirectUri }) =>
      token({ grant_type: 'authorization_code', code, client_id: clientId, client_secret: clientSecret, redirect_uri: redirectUri }),
    refresh: ({ clientId, clientSecret, refreshToken }) =>
      token({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId, client_secret: clientSecret }),
    userInfo: (accessToken) =>
      call(timeoutMs, async (signal) => {
        const { data, error, response } = await client.GET('/api/v1/oauth2/userinfo', {
          headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json' },
          signal,
        });
        if (data) return nonEmpty(data.userName) && nonEmpty(data.tenant) ? { data } : failed('userinfo answer without userName or tenant');
        return refusedOrFailed(response, error);
      }),
  };
}

const nonEmpty = (value: unknown) => typeof value === 'string' && value !== '';
const failed = (reason: string): { error: AuthCentreFailure } => ({ error: { kind: 'failed', reason } });

function refusedOrFailed(response: Response, body: unknown): { error: AuthCentreFailure } {
  if (response.ok) return failed(`HTTP ${response.status} without a body`);
  if (response.status >= 400 && response.status < 500) {
    const error = (body as { error?: unknown } | undefined)?.error;
    return { error: { kind: 'refused', status: response.status, ...(typeof error === 'string' ? { error: error.slice(0, 64) } : {}) } };
  }
  return failed(`HTTP ${response.status}`);
}

/** Runs one call within its budget; a throw (network, abort, a 200 that is not JSON) becomes a failure value. */
async function call<T>(timeoutMs: number, run: (signal: AbortSignal) => Promise<AuthCentreResult<T>>): Promise<AuthCentreResult<T>> {
  try {
    const answered = await withDeadline(timeoutMs, run);
    return answered.done ? answered.value : { error: { kind: 'timeout' } };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return failed(error instanceof SyntaxError ? 'answer is not JSON' : `unreachable${cause ? ` (${cause})` : ''}`);
  }
}
