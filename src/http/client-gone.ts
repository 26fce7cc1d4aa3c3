import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';

/**
 * Whether the caller hung up before its request was read: node closed the socket mid-body (@hono/node-server then
 * aborts the request's signal), so reading the body failed. That is the client's doing, not a fault of the server.
 */
export function clientWentAway(c: Context): boolean {
  if (c.req.raw.signal?.aborted) return true;
  const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
  return incoming !== undefined && !incoming.complete && (incoming.destroyed || incoming.errored !== null);
}
