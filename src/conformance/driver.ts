import { type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { DEFAULT_TIMEOUT_MS, type SellerAnswer, type SellerCall, type SellerEndpoint } from './call.js';
import { type BuiltRequest, buildRequest } from './signing.js';

// The marketplace driver: sends any marketplace → seller call of any family, signed exactly as KooGallery signs it,
// with its 5 s timeout (docs/decisions.md#marketplace-retries), and checks the answer against the family's contract. It knows
// nothing about the seller but its URL and key, so it can drive any seller server.

export type { SellerFamily } from './families.js';
export type { Tamper } from './signing.js';
export type { SellerAnswer, SellerCall, SellerEndpoint } from './call.js';
export { checkAnswer } from './answer-check.js';

type Received = { status: number; headers: Record<string, string>; bytes: Buffer };
type Settled = Received | { failure: unknown } | { timedOut: true };

/**
 * Signs and sends `call` to the seller. Never throws: no answer within the timeout, or none at all, is an answer with
 * status 0 and the reason in `error`.
 */
export async function sendToSeller(endpoint: SellerEndpoint, call: SellerCall): Promise<SellerAnswer> {
  const timeoutMs = call.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let request: BuiltRequest;
  try {
    request = buildRequest(endpoint.url, endpoint.key, call);
  } catch (error) {
    const unsent = { method: '', url: endpoint.url, headers: {}, body: '' };
    return { request: unsent, status: 0, headers: {}, text: '', durationMs: 0, error: `the request could not be built: ${(error as Error).message}` };
  }
  const controller = new AbortController();
  const started = performance.now();
  const exchanged = exchange(request, controller.signal).catch((failure: unknown): Settled => ({ failure }));
  // The answer is raced against a timer rather than left to the abort signal alone (see src/marketplace/transport.ts):
  // the marketplace does not wait.
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Settled>((resolve) => {
    timer = setTimeout(() => resolve({ timedOut: true }), timeoutMs);
  });
  const settled = await Promise.race([exchanged, deadline]);
  clearTimeout(timer);
  const durationMs = performance.now() - started;
  const base = { request, durationMs };

  if ('timedOut' in settled) {
    controller.abort();
    return { ...base, status: 0, headers: {}, text: '', error: `no answer within ${timeoutMs} ms` };
  }
  if ('failure' in settled)
    return { ...base, status: 0, headers: {}, text: '', error: `no answer from ${originOf(request.url)}: ${reasonOf(settled.failure)}` };

  const text = new TextDecoder('utf-8').decode(settled.bytes);
  const json = parseJson(text);
  return { ...base, status: settled.status, headers: settled.headers, text, ...(json === undefined ? {} : { json }) };
}

/**
 * One request on a connection of its own, as each marketplace call is independent: a pooled keep-alive socket that
 * the seller closes after refusing an earlier call (say, an oversized body it did not read) must not fail the next.
 * Certificates are checked (HTTPS only, https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649248.html).
 */
function exchange(request: BuiltRequest, signal: AbortSignal): Promise<Received> {
  return new Promise((resolve, reject) => {
    const url = new URL(request.url);
    const send = url.protocol === 'https:' ? httpsRequest : url.protocol === 'http:' ? httpRequest : undefined;
    if (!send) throw new Error(`${url.protocol} is not http: or https:`);
    const body = request.method === 'POST' ? Buffer.from(request.body, 'utf8') : undefined;
    const headers = body ? { ...request.headers, 'content-length': String(body.length) } : request.headers;
    const outgoing = send(url, { method: request.method, headers, agent: false, signal }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: flatHeaders(response.headers), bytes: Buffer.concat(chunks) }));
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  return flat;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/** ECONNREFUSED, ECONNRESET, a TLS error, a bad URL: the code and what it means. */
function reasonOf(failure: unknown): string {
  const error = failure as { code?: string; message?: string };
  if (error.code && error.message && !error.message.includes(error.code)) return `${error.code} (${error.message})`;
  return error.message ?? String(failure);
}
