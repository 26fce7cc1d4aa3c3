import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

// Headers of the new pay-per-use usage push (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649410.html):
//   signature = base64(HMAC-SHA256(seller key, "ts={ts}&nonce={nonce}&body={body}")), ts in UNIX milliseconds, nonce
//   a secure random (the page's example is a UUID), the body "sorted naturally" before signing.
// Huawei's Java sample (PushDemoForPublic_2_0) shows the format string and the key, not its JSON serialiser, so the
// exact sorting is unconfirmed. kgkit therefore SENDS the canonical form it signs: whether the marketplace signs the
// raw bytes, re-sorts the top level or every level, it sees the same bytes.

/** How far `ts` may be from the verifier's clock (the window of docs/decisions.md#1; the usage push page states none). */
export const USAGE_PUSH_TOLERANCE_MS = 60_000;

export interface UsagePushHeaders {
  signature: string;
  ts: string;
  nonce: string;
}

export type UsagePushVerification = { ok: true } | { ok: false; code: 'MKT.0102' | 'MKT.0154'; reason: string };

function canonicalValue(value: unknown, path: string): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`canonicalUsageBody: ${path} is not a finite number`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item, i) => canonicalValue(item, `${path}[${i}]`)).join(',')}]`;
  if (typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    // Ascending UTF-16 code units, which is Java's String.compareTo (a TreeMap's "natural" order).
    const members = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${members.map(([k, v]) => `${JSON.stringify(k)}:${canonicalValue(v, `${path}.${k}`)}`).join(',')}}`;
  }
  throw new TypeError(`canonicalUsageBody: ${path} is not JSON (${typeof value})`);
}

/**
 * The body as kgkit signs and sends it: object keys sorted at every level, compact, non-ASCII as is, strings and numbers
 * written by JSON.stringify; members whose value is undefined are left out. Throws on what JSON cannot carry.
 */
export function canonicalUsageBody(body: unknown): string {
  return canonicalValue(body, 'body');
}

function usageSignature(accessKey: string, ts: string, nonce: string, body: string): Buffer {
  return createHmac('sha256', Buffer.from(accessKey, 'utf8')).update(`ts=${ts}&nonce=${nonce}&body=${body}`, 'utf8').digest();
}

const TS = /^\d{1,20}$/;
// Printable ASCII: the nonce travels in an HTTP header (at most 64 characters, https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649410.html).
const NONCE = /^[\x21-\x7e]{1,64}$/;
const SIGNATURE = /^[A-Za-z0-9+/]{43}=$/;

/**
 * The body to send and its three headers. `now` is epoch milliseconds; `nonce` defaults to a random UUID. Sign again
 * for every attempt: a retry must not reuse a `ts` the verifier may find stale, nor a nonce it has seen.
 */
export function signUsagePush(accessKey: string, body: unknown, now: number, nonce: string = randomUUID()): { body: string; headers: UsagePushHeaders } {
  const text = canonicalUsageBody(body);
  return { body: text, headers: usagePushHeaders(accessKey, text, now, nonce) };
}

/** The three headers for a body already serialised (the exact text that is sent). */
export function usagePushHeaders(accessKey: string, body: string, now: number, nonce: string = randomUUID()): UsagePushHeaders {
  if (!accessKey) throw new TypeError('signUsagePush: the access key is empty');
  if (!Number.isSafeInteger(Math.trunc(now)) || now < 0) throw new TypeError('signUsagePush: now is not a time in milliseconds');
  if (!NONCE.test(nonce)) throw new TypeError('signUsagePush: the nonce must be 1 to 64 printable ASCII characters');
  const ts = String(Math.trunc(now));
  return { signature: usageSignature(accessKey, ts, nonce, body).toString('base64'), ts, nonce };
}

/**
 * The marketplace's check of a usage push, for the test doubles. Missing or malformed `ts`/`nonce`/`signature`, or a
 * `ts` further than `toleranceMs` from `now`: MKT.0154 (authentication failed). A signature that matches neither the
 * raw body nor its canonical re-serialisation (docs/decisions.md#2): MKT.0102 (invalid body sign). Replayed nonces are the
 * caller's to remember. Never throws.
 */
export function verifyUsagePush(
  accessKey: string,
  headers: Partial<Record<keyof UsagePushHeaders, string | undefined>>,
  rawBody: string,
  now: number,
  toleranceMs: number = USAGE_PUSH_TOLERANCE_MS,
): UsagePushVerification {
  const unauthenticated = (reason: string): UsagePushVerification => ({ ok: false, code: 'MKT.0154', reason });
  try {
    const { signature, ts, nonce } = headers;
    if (typeof ts !== 'string' || !TS.test(ts)) return unauthenticated('ts is missing or not UNIX milliseconds');
    if (typeof nonce !== 'string' || !NONCE.test(nonce)) return unauthenticated('nonce is missing or not 1 to 64 printable characters');
    if (typeof signature !== 'string' || signature === '') return unauthenticated('signature is missing');
    if (!(Math.abs(now - Number(ts)) <= toleranceMs)) return unauthenticated(`ts ${ts} is more than ${toleranceMs} ms from the server time ${now}`);
    if (!accessKey) return unauthenticated('no key to verify with');
    if (typeof rawBody !== 'string') return { ok: false, code: 'MKT.0102', reason: 'the body is not text' };
    if (!SIGNATURE.test(signature)) return { ok: false, code: 'MKT.0102', reason: 'signature is not the Base64 of 32 bytes' };

    const given = Buffer.from(signature, 'base64');
    let canonical: string | undefined;
    try {
      canonical = canonicalUsageBody(JSON.parse(rawBody));
    } catch {
      canonical = undefined; // not JSON: only the raw form can match
    }
    // Both candidates are always computed so the time taken does not tell which one matched.
    const overRaw = timingSafeEqual(given, usageSignature(accessKey, ts, nonce, rawBody));
    const overCanonical = timingSafeEqual(given, usageSignature(accessKey, ts, nonce, canonical ?? rawBody)) && canonical !== undefined;
    return overRaw || overCanonical ? { ok: true } : { ok: false, code: 'MKT.0102', reason: 'Invalid body sign' };
  } catch (error) {
    return unauthenticated(`malformed request: ${error instanceof Error ? error.message : String(error)}`);
  }
}
