import { type HostName, isLoopbackHostname, parseHost } from '../net/host.js';
import { callbackUrlProblem } from '../net/urls.js';

/**
 * Where browsers reach kgkit's SSO routes, as the configuration says it: the OAuth `redirect_uri`, the origin of the
 * pages allowed to post to them, and whether cookies are Secure. Never built from what a request claims beyond a host
 * the configuration allows: a forged `Host` must not choose where the auth centre sends codes (RFC 6749 §10.6), and
 * `X-Forwarded-Host` / `X-Forwarded-Proto` are not read at all (any client can send them).
 */
export interface SsoSite {
  /** The `redirect_uri` of the login. */
  callbackUrl: string;
  /** The origin of the callback URL: the only one whose pages may post to the SSO routes. */
  origin: string;
  /** Cookies are Secure except on plain http on the loopback, where browsers would drop them. */
  secure: boolean;
}

export interface SsoSiteOptions {
  /** SSO_PATH, '' for '/'. */
  basePath: string;
  /** SSO_CALLBACK_URL: one site whatever the request's Host (behind a proxy the Host kgkit sees may be an inner one). */
  callbackUrl?: string;
  /** SSO_ALLOWED_HOSTS: `https://<host><SSO_PATH>/callback` for a request whose Host is one of them. */
  allowedHosts?: readonly string[];
}

export interface SiteRequest {
  /** The request's URL (from its target, or its Host header by @hono/node-server). */
  url: string;
  /** The Host header, when the request has one (HTTP/2 requests name their host only in the URL's authority). */
  host: string | undefined;
}

export type SiteOutcome = { data: SsoSite; error?: never } | { data?: never; error: { code: 'host_not_allowed'; message: string } };

/** The resolver of each request's site; throws at start-up on a setting config.ts would have refused. */
export function ssoSite({ basePath, callbackUrl, allowedHosts = [] }: SsoSiteOptions): (request: SiteRequest) => SiteOutcome {
  if (callbackUrl !== undefined) {
    const problem = callbackUrlProblem(callbackUrl);
    if (problem) throw new Error(`SSO_CALLBACK_URL ${problem}`);
    const url = new URL(callbackUrl);
    const configured: SsoSite = { callbackUrl, origin: url.origin, secure: !(url.protocol === 'http:' && isLoopbackHostname(url.hostname)) };
    return function configuredSite() {
      return { data: configured };
    };
  }

  const listed = new Set<string>();
  for (const entry of allowedHosts) {
    const host = parseHost(entry);
    if (!host) throw new Error(`SSO_ALLOWED_HOSTS: "${entry}" is not a host[:port]`);
    listed.add(withoutDefaultPort('https:', host));
  }
  const refuse = (message: string): SiteOutcome => ({ error: { code: 'host_not_allowed', message } });

  return function requestSite({ url, host }) {
    const target = new URL(url);
    const named = parseHost(host ?? target.host);
    if (!named) return refuse('the Host of the request is not a host name (name[:port])');
    // An absolute request target names a host of its own (RFC 9112 §3.2.2); the two must be the same host.
    if (withoutDefaultPort(target.protocol, named) !== target.host) return refuse('the request names two different hosts (its target and its Host header)');
    const loopback = isLoopbackHostname(named.hostname);
    if (listed.size === 0 && !loopback) {
      return refuse('the SSO login answers only on localhost, 127.0.0.1 or [::1] until SSO_CALLBACK_URL or SSO_ALLOWED_HOSTS names the host browsers use');
    }
    if (listed.size > 0 && !listed.has(withoutDefaultPort('https:', named))) return refuse('the Host of the request is not one of SSO_ALLOWED_HOSTS');
    // A listed host is https whatever the request came in as (TLS usually ends at a proxy); the loopback keeps its own.
    const scheme = loopback ? target.protocol : 'https:';
    const site = new URL(`${scheme}//${named.host}${basePath}/callback`);
    return { data: { callbackUrl: site.href, origin: site.origin, secure: scheme === 'https:' } };
  };
}

/** `host[:port]` as a URL of that scheme writes it: `app.example.com:443` is `app.example.com` for https. */
function withoutDefaultPort(protocol: string, { host }: HostName): string {
  return new URL(`${protocol}//${host}`).host;
}

/**
 * Why a request that changes state did not come from the site's own pages, or undefined. Browsers say where a
 * request comes from in `Sec-Fetch-Site` (Fetch Metadata) and `Origin` (RFC 6454 §7); either one that names anything
 * but this very origin is refused. A request with neither (an old browser, curl) is left to the CSRF token.
 */
export function crossSiteProblem(site: SsoSite, { origin, fetchSite }: { origin: string | undefined; fetchSite: string | undefined }): string | undefined {
  if (fetchSite !== undefined && fetchSite !== 'same-origin') return 'the browser says this request comes from another site (Sec-Fetch-Site)';
  if (origin !== undefined && origin !== site.origin) return `the request comes from another origin than ${site.origin} (Origin)`;
  return undefined;
}
