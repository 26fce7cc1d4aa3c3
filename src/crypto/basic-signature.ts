import { createHmac, timingSafeEqual } from 'node:crypto';

// Request signature of the "basic" interfaces (SaaS V2.0, License, orderNotify): https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649476.html, docs/decisions.md#2–#3.

// Jackson's default string escaping (CharTypes.sOutputEscapes128): `"`, `\`, five short escapes, other C0 controls as
// \u00XX with UPPER-case hex (JSON.stringify would write lower-case); everything else literal.
const SHORT_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r' };

function jsonString(s: string): string {
  return `"${s.replace(/["\\\u0000-\u001f]/g, (c) => SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`)}"`;
}

// Nested values are written as received (insertion order, nulls kept), like Jackson writing a parsed Map/List.
function jsonValue(v: unknown): string {
  if (typeof v === 'string') return jsonString(v);
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : jsonValue(x))).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const members = Object.entries(v).filter(([, x]) => x !== undefined);
    return `{${members.map(([k, x]) => `${jsonString(k)}:${jsonValue(x)}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** Huawei's sample: Jackson `writeValueAsString(new TreeMap<>(body))` with null values dropped (docs/decisions.md#2). */
export function canonicalPayload(body: Record<string, unknown>): string {
  // TreeMap orders by String.compareTo = UTF-16 code units, which is what `<` on JS strings compares.
  const keys = Object.keys(body)
    .filter((k) => body[k] !== null && body[k] !== undefined)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${keys.map((k) => `${jsonString(k)}:${jsonValue(body[k])}`).join(',')}}`;
}

function hmac(key: string, data: string | Uint8Array): Buffer {
  return createHmac('sha256', Buffer.from(key, 'utf8')).update(data).digest();
}

/** UPPER hex of HMAC(key, key + nonce + timestamp + lower hex(HMAC(key, payload))). */
export function basicSignature(accessKey: string, nonce: string, timestamp: string, payload: string | Uint8Array): string {
  const inner = hmac(accessKey, payload).toString('hex');
  return hmac(accessKey, accessKey + nonce + timestamp + inner)
    .toString('hex')
    .toUpperCase();
}

export interface VerifyBasicSignatureInput {
  accessKey: string;
  nonce: string;
  timestamp: string;
  signature: string;
  rawBody: Uint8Array;
  body?: Record<string, unknown> | undefined;
}

/**
 * True when `signature` matches the canonical payload of `body` or the raw body bytes: the platform's exact canonical
 * form is unconfirmed, so both are accepted (docs/decisions.md#2). Hex case is ignored (docs/decisions.md#3).
 */
export function verifyBasicSignature(input: VerifyBasicSignatureInput): boolean {
  const { accessKey, nonce, timestamp, signature, rawBody, body } = input;
  return signatureMatches(signature, (payload) => basicSignature(accessKey, nonce, timestamp, payload), rawBody, body);
}

/**
 * The comparison every KooGallery request signature shares: 64 hex digits of any case, checked in constant time
 * against `sign` over the raw body and over the canonical payload of `body` (docs/decisions.md#2–#3).
 */
export function signatureMatches(
  signature: string,
  sign: (payload: string | Uint8Array) => string,
  rawBody: Uint8Array,
  body?: Record<string, unknown>,
): boolean {
  if (typeof signature !== 'string' || !/^[0-9A-Fa-f]{64}$/.test(signature)) return false;
  const given = Buffer.from(signature, 'hex');
  const matches = (payload: string | Uint8Array): boolean => timingSafeEqual(given, Buffer.from(sign(payload), 'hex'));
  // Both candidates are always computed so the time taken does not reveal which one matched.
  const overRaw = matches(rawBody);
  const overCanonical = body !== undefined && matches(canonicalPayload(body));
  return overRaw || overCanonical;
}
