import type { MiddlewareHandler } from 'hono';
import { verifyAuthToken } from '../crypto/auth-token.js';
import { parseExpireTime } from '../instances/expire-time.js';
import { type SignedBodyVariables, type SignedRequestCheckOptions, nonceScope } from './signed-request-check.js';
import { parseJsonObject } from '../http/json-object.js';

/** `nonces` remembers each accepted authToken: Kit V1 has no nonce, so the token itself stands in for one. */
export type KitAuthTokenCheckOptions = SignedRequestCheckOptions;

const TIME_STAMP = /^\d{17}$/;
// The Kit pages give timeStamp in UTC+8 (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649433.html), unlike SaaS V1.0's UTC.
const UTC_PLUS_8_MS = 8 * 3_600_000;

/**
 * Checks the `authToken` header of a Kit V1 POST (the POST variant of https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649156.html, https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649109.html): Base64
 * HMAC-SHA256 keyed with `key + timeStamp` over every body member, names sorted. The body's `timeStamp` must be within
 * the window of V2's `x-timestamp` (docs/decisions.md#1). Order as for V2: freshness (000002), token (000001), replay (000001),
 * so a forged request neither burns a token nor leaves any trace. Hands the body on as `c.var.signedBody`.
 */
export function kitAuthTokenCheck({ accessKey, nonces, toleranceMs = 60_000, now = Date.now, refuse }: KitAuthTokenCheckOptions): MiddlewareHandler<{
  Variables: SignedBodyVariables;
}> {
  if (accessKey.length === 0) throw new Error('kitAuthTokenCheck: accessKey is required');
  if (!(toleranceMs > 0)) throw new Error('kitAuthTokenCheck: toleranceMs must be positive');
  const scope = nonceScope(accessKey);

  return async function kitAuthTokenCheckMiddleware(c, next) {
    const body = parseJsonObject(new Uint8Array(await c.req.arrayBuffer()));
    if (!body) return refuse(c, '000002', 'body is not a JSON object with a timeStamp');
    const timeStamp = body.timeStamp;
    if (typeof timeStamp !== 'string') return refuse(c, '000002', 'timeStamp is missing');
    const utc = TIME_STAMP.test(timeStamp) ? parseExpireTime(timeStamp) : undefined;
    if (utc === undefined) return refuse(c, '000002', 'timeStamp is not yyyyMMddHHmmssSSS (UTC+8)');
    if (Math.abs(now() - (utc - UTC_PLUS_8_MS)) > toleranceMs) return refuse(c, '000002', 'timeStamp is outside the allowed window');
    const authToken = c.req.header('authToken');
    if (!authToken) return refuse(c, '000001', 'authToken is missing');
    if (!verifyAuthToken(accessKey, timeStamp, signedText(body), authToken)) return refuse(c, '000001', 'authToken does not match');
    // Kept for twice the window, so the same token cannot come back while its timeStamp is still acceptable.
    if (!(await nonces.remember(scope, authToken, now() + 2 * toleranceMs))) return refuse(c, '000001', 'authToken was already used');

    c.set('signedBody', body);
    await next();
  };
}

// The body members as the `k=v` text the token covers: strings as they are (the JSON-encoded userList and orgInfo
// included), numbers and booleans in their JSON form. A null or nested member occurs in no V1 body (UNCONFIRMED how
// Huawei renders one): nulls are left out, like the canonical payload's, and nested values written as compact JSON.
function signedText(body: Record<string, unknown>): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) {
    if (value === null || value === undefined) continue;
    params[name] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return params;
}
