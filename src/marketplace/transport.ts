import { withDeadline } from '../time/deadline.js';
import { checkHosts } from '../net/urls.js';

/**
 * How kgkit reaches the marketplace's Open APIs: the `fetch` the generated openapi-fetch client is given.
 * Per attempt it signs the request for the host it goes to (the `Host` header and the usage push nonce are signed,
 * so a retried or redirected request is signed again), bounds it with a timeout, moves to the next host when one is
 * unreachable (the CN site's `.cn` fallback, https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649350.html), and retries network errors and 5xx answers that carry
 * no permanent error code, with exponential backoff and jitter. 4xx answers and permanent codes come back at once.
 */

/** A request as the signers see it: absolute URL, headers so far, the exact body bytes. */
export interface OutgoingRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

export type RequestSigner = (request: OutgoingRequest, now: number) => Record<string, string>;

export interface TransportOptions {
  /** Base URLs, main host first, then the fallbacks tried when it is unreachable. */
  hosts: readonly string[];
  sign: RequestSigner;
  /** Per attempt; the Open APIs document none, so 10 s. */
  timeoutMs?: number;
  /** Attempts after the first one. */
  retries?: number;
  /** First backoff delay; it doubles per attempt, with full jitter, up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Codes of a 5xx answer that a retry cannot fix (e.g. the usage push's MKT.9003 "too many records"). */
  permanentCodes?: ReadonlySet<string>;
  fetch?: (request: Request) => Promise<Response>;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
}

/** Thrown (and turned into data by the client) when no host answered after every attempt. */
export class MarketplaceUnreachable extends Error {
  constructor(
    message: string,
    readonly attempts: number,
  ) {
    super(message);
    this.name = 'MarketplaceUnreachable';
  }
}

export function marketplaceTransport(options: TransportOptions): (request: Request) => Promise<Response> {
  const {
    hosts,
    sign,
    timeoutMs = 10_000,
    retries = 3,
    backoffMs = 500,
    maxBackoffMs = 30_000,
    permanentCodes = new Set<string>(),
    fetch: send = (request) => fetch(request),
    sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now = Date.now,
    random = Math.random,
  } = options;
  const problems = checkHosts(hosts);
  if (problems.length > 0) throw new Error(`marketplace transport: ${problems.join('; ')}`);
  const bases = hosts.map((host) => new URL(host));

  return async (request) => {
    const body = new Uint8Array(await request.arrayBuffer());
    const original = new URL(request.url);
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    let host = 0;
    let lastFailure = '';
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await sleep(Math.round(random() * Math.min(maxBackoffMs, backoffMs * 2 ** (attempt - 1))));
      const target = new URL(`${original.pathname}${original.search}`, bases[host]);
      const outgoing: OutgoingRequest = { method: request.method, url: target.href, headers: { ...headers, host: target.host }, body };
      const signed = { ...outgoing.headers, ...sign(outgoing, now()) };
      delete signed.host; // fetch sets Host from the URL; it is signed with the same value
      let response: Response;
      try {
        const answered = await withDeadline(
          timeoutMs,
          (signal) => send(new Request(target, { method: request.method, headers: signed, ...(body.length > 0 ? { body } : {}), signal })),
          request.signal,
        );
        if (!answered.done) {
          lastFailure = `${target.host}: no answer within ${timeoutMs} ms`;
          host = (host + 1) % bases.length;
          continue;
        }
        response = answered.value;
      } catch (error) {
        if (request.signal.aborted) throw error;
        lastFailure = `${target.host}: ${describeNetworkError(error)}`;
        host = (host + 1) % bases.length; // unreachable: the next attempt goes to the fallback host
        continue;
      }
      if (response.status < 500 || attempt === retries) return response;
      const code = await errorCodeOf(response.clone());
      if (code !== undefined && permanentCodes.has(code)) return response;
      lastFailure = `${target.host}: HTTP ${response.status}${code ? ` ${code}` : ''}`;
    }
    throw new MarketplaceUnreachable(`the marketplace did not answer after ${retries + 1} attempts (last: ${lastFailure})`, retries + 1);
  };
}

async function errorCodeOf(response: Response): Promise<string | undefined> {
  try {
    const body = (await response.json()) as { error_code?: unknown; resultCode?: unknown };
    const code = body.error_code ?? body.resultCode;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? 'network error';
}
