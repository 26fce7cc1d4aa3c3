import type { MiddlewareHandler } from 'hono';
import { bodySignHeader } from '../crypto/body-sign.js';
import { answerTextOf } from '../runtime/text-answer.js';

/**
 * Adds `Body-Sign` over the exact response bytes (https://support.huaweicloud.com/intl/en-us/accessg-marketplace/en-us_topic_0070649067.html, docs/decisions.md#10). An answer made by `textAnswer`
 * is signed over its text, which is what is sent; any other is read once and rebuilt with the same bytes, so what is
 * signed is what is sent.
 */
export function bodySign({ accessKey }: { accessKey: string }): MiddlewareHandler {
  if (accessKey.length === 0) throw new Error('bodySign: accessKey is required');
  return async function bodySignMiddleware(c, next) {
    await next();
    const text = answerTextOf(c.res);
    if (text !== undefined) {
      c.res.headers.set('Body-Sign', bodySignHeader(accessKey, text));
      return;
    }
    const bytes = new Uint8Array(await c.res.arrayBuffer());
    const headers = new Headers(c.res.headers);
    headers.set('Body-Sign', bodySignHeader(accessKey, bytes));
    const signed = new Response(bytes, { status: c.res.status, headers });
    // Cleared first: replacing a set response makes Hono rebuild the new one around a stream of its body, which
    // @hono/node-server then writes in two parts instead of one.
    c.res = undefined;
    c.res = signed;
  };
}
