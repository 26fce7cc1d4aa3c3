import type { MiddlewareHandler } from 'hono';
import { verifyAuthToken } from '../crypto/auth-token.js';
import { parseExpireTime } from '../instances/expire-time.js';
import { type SignedRequestCheckOptions, nonceScope } from './signed-request-check.js';

/** V1.0 has no nonce: each accepted authToken is remembered in `nonces` instead, so that a replay is refused. */
export type AuthTokenQueryCheckOptions = SignedRequestCheckOptions;

const TIME_STAMP = /^\d{17}$/;

/**
 * Checks the `authToken` and `timeStamp` query parameters of a SaaS V1.0 GET (https://support.huaweicloud.com/intl/en-us/accessg-marketplace/en-us_topic_0070649066.html,
 * https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649156.html): the token is verified over every query parameter but itself, URL-decoded, first value
 * of each (what the handlers read too). Order as for V2.0's signature: freshness (000002), then the token (000001),
 * then the replay check (000001), so a forged request neither burns a token nor leaves any trace.
 */
export function authTokenQueryCheck({ accessKey, nonces, toleranceMs = 60_000, now = Date.now, refuse }: AuthTokenQueryCheckOptions): MiddlewareHandler {
  if (accessKey.length === 0) throw new Error('authTokenQueryCheck: accessKey is required');
  if (!(toleranceMs > 0)) throw new Error('authTokenQueryCheck: toleranceMs must be positive');
  const scope = nonceScope(accessKey);

  return async function authTokenQueryCheckMiddleware(c, next) {
    const params = c.req.query();
    const { timeStamp, authToken } = params;
    if (!timeStamp) return refuse(c, '000002', 'timeStamp is missing');
    const sentAt = TIME_STAMP.test(timeStamp) ? parseExpireTime(timeStamp) : undefined;
    if (sentAt === undefined) return refuse(c, '000002', 'timeStamp is not UTC yyyyMMddHHmmssSSS');
    // The window of V2.0's timestamp (docs/decisions.md#1): V1.0 names none; a future timeStamp is refused too.
    if (Math.abs(now() - sentAt) > toleranceMs) return refuse(c, '000002', 'timeStamp is outside the allowed window');
    if (!authToken) return refuse(c, '000001', 'authToken is missing');
    if (!verifyAuthToken(accessKey, timeStamp, params, authToken)) return refuse(c, '000001', 'authToken does not match');
    // Kept for twice the window, so the same token cannot come back while its timeStamp is still acceptable.
    if (!(await nonces.remember(scope, authToken, now() + 2 * toleranceMs))) return refuse(c, '000001', 'authToken was already used');
    await next();
  };
}
