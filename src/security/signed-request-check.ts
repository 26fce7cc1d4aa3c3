import { createHash } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { parseJsonObject } from '../http/json-object.js';

export type SignatureFailureCode = '000001' | '000002';

export interface NonceRegistry {
  /** False when the nonce was already seen in its scope (a replay). */
  remember(scope: string, nonce: string, expiresAt: number): Promise<boolean>;
}

/**
 * The nonce space of an access key: every path signed with one key shares it, so a call accepted on one family's path
 * cannot be replayed on another's (the signature covers neither the path nor the family). Named by a digest, so the
 * store never holds the key.
 */
export function nonceScope(accessKey: string): string {
  return `key:${createHash('sha256').update(accessKey, 'utf8').digest('hex').slice(0, 32)}`;
}

export type SignedBodyVariables = { signedBody: unknown };

export interface SignatureInput {
  accessKey: string;
  nonce: string;
  timestamp: string;
  signature: string;
  rawBody: Uint8Array;
  body?: Record<string, unknown>;
}

/** Where a scheme carries its three values (query parameters or headers), and what it calls them in refusals. */
export interface SignatureCarrier {
  read(c: Context): { timestamp: string | undefined; nonce: string | undefined; signature: string | undefined };
  names: { timestamp: string; nonce: string; signature: string };
}

export interface SignedRequestCheckOptions {
  accessKey: string;
  /** Remembers accepted nonces in the key's space (nonceScope). */
  nonces: NonceRegistry;
  toleranceMs?: number;
  now?: () => number;
  /** Writes the refusal; every refusal is HTTP 200 JSON with a result code (docs/decisions.md#6). */
  refuse: (c: Context, code: SignatureFailureCode, reason: string) => Response | Promise<Response>;
}

const TIMESTAMP = /^\d{1,16}$/;

/**
 * The check every HMAC-signed marketplace call shares (docs/decisions.md#1–#5), whatever carries the values: freshness first
 * (cheap), then the signature, then the nonce, so an unsigned request can neither burn a nonce nor learn whether one
 * was used. Hands the parsed body on as `c.var.signedBody` (undefined when it is not a JSON object: the signature may
 * cover raw bytes, so a signed body that is not JSON is the handler's 000002, not a forgery).
 */
export function signedRequestCheck(
  { accessKey, nonces, toleranceMs = 60_000, now = Date.now, refuse }: SignedRequestCheckOptions,
  carrier: SignatureCarrier,
  verify: (input: SignatureInput) => boolean,
): MiddlewareHandler<{ Variables: SignedBodyVariables }> {
  if (accessKey.length === 0) throw new Error(`signature check (${carrier.names.signature}): accessKey is required`);
  if (!(toleranceMs > 0)) throw new Error(`signature check (${carrier.names.signature}): toleranceMs must be positive`);
  const { names } = carrier;
  const scope = nonceScope(accessKey);

  return async function signedRequestCheckMiddleware(c, next) {
    const rawBody = new Uint8Array(await c.req.arrayBuffer());
    const body = parseJsonObject(rawBody);
    const { timestamp, nonce, signature } = carrier.read(c);
    if (!timestamp || !TIMESTAMP.test(timestamp)) return refuse(c, '000002', `${names.timestamp} is missing or not UNIX milliseconds`);
    // docs/decisions.md#1: a future timestamp is refused too, unlike Huawei's sample.
    if (Math.abs(now() - Number(timestamp)) > toleranceMs) return refuse(c, '000002', `${names.timestamp} is outside the allowed window`);
    if (!nonce) return refuse(c, '000002', `${names.nonce} is missing`);
    if (!signature) return refuse(c, '000001', `${names.signature} is missing`);
    if (!verify({ accessKey, nonce, timestamp, signature, rawBody, ...(body ? { body } : {}) })) return refuse(c, '000001', 'signature does not match');
    // Kept for twice the window, so a nonce cannot come back while its timestamp is still acceptable (docs/decisions.md#4).
    if (!(await nonces.remember(scope, nonce, now() + 2 * toleranceMs))) return refuse(c, '000001', 'nonce was already used');
    c.set('signedBody', body);
    await next();
  };
}
