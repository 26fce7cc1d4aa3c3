import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * `Authorization: Bearer <token>` for kgkit's own API. Compared as SHA-256 digests in constant time, so neither the
 * token nor its length leaks through timing. Without a configured token every call is refused.
 */
export function bearerToken(token: string | undefined, refuse: (reason: string) => Response): MiddlewareHandler {
  const expected = token === undefined ? undefined : digest(token);
  return async (c, next) => {
    if (!expected) return refuse('the kgkit API is off: set KGKIT_API_TOKEN');
    // RFC 7235 §2.1: the scheme is case-insensitive and one or more spaces separate it from the credentials.
    const match = /^bearer +([\x21-\x7e]+)$/i.exec(c.req.header('authorization') ?? '');
    if (!match || !timingSafeEqual(digest(match[1]!), expected)) return refuse('authentication failed: send Authorization: Bearer <KGKIT_API_TOKEN>');
    await next();
  };
}
