import type { MiddlewareHandler } from 'hono';
import { bodySignHeader } from '../crypto/body-sign.js';

/**
 * Adds `Body-Sign` over the exact response bytes (saas-v2.md §1.4, DECISIONS 10). The body is read once and the
 * response rebuilt with the same bytes, so what is signed is what is sent.
 */
export function bodySign({ accessKey }: { accessKey: string }): MiddlewareHandler {
  if (accessKey.length === 0) throw new Error('bodySign: accessKey is required');
  return async function bodySignMiddleware(c, next) {
    await next();
    const bytes = new Uint8Array(await c.res.arrayBuffer());
    const headers = new Headers(c.res.headers);
    headers.set('Body-Sign', bodySignHeader(accessKey, bytes));
    c.res = new Response(bytes, { status: c.res.status, headers });
  };
}
