import type { IncomingMessage } from 'node:http';
import type { HttpBindings } from '@hono/node-server';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

export interface BodyWithinOptions {
  maxSize: number;
  /** The answer to a body larger than maxSize. */
  onError: (c: Context) => Response | Promise<Response>;
}

/**
 * Hono's bodyLimit, then the body read once and kept for `c.req.arrayBuffer()`, straight from node's request when the
 * app runs on @hono/node-server. Through the Web `Request` Hono exposes, node-server builds an undici Request and a
 * ReadableStream around the socket for every call (bodyLimit's mere look at `c.req.raw.body` does): after the SQL, the
 * costliest part of a signed call (bench/). A declared Content-Length over the limit is refused unread, as bodyLimit
 * does; any other body once more than maxSize bytes arrived. Elsewhere (`app.request()`) bodyLimit itself runs.
 */
export function bodyWithin({ maxSize, onError }: BodyWithinOptions): MiddlewareHandler {
  const onWebRequest = bodyLimit({ maxSize, onError });
  return async function bodyWithinMiddleware(c, next) {
    const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
    // Untouched so far: nothing else may have started reading it (readableDidRead), or the bytes would be split.
    if (incoming === undefined || incoming.readableDidRead) return onWebRequest(c, next);
    const declared = incoming.headers['content-length'];
    if (declared !== undefined && incoming.headers['transfer-encoding'] === undefined && Number.parseInt(declared, 10) > maxSize) return onError(c);
    const body = await readWithin(incoming, maxSize);
    if (body === undefined) return onError(c);
    // HonoRequest keeps the promise of each body it read; every later c.req.arrayBuffer()/text()/json() reads this one.
    (c.req.bodyCache as { arrayBuffer?: Promise<ArrayBuffer> }).arrayBuffer = Promise.resolve(body.buffer as ArrayBuffer);
    await next();
  };
}

/** The whole body in an ArrayBuffer of its own size, or undefined once more than maxSize bytes arrived. */
function readWithin(incoming: IncomingMessage, maxSize: number): Promise<Uint8Array | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onFailure);
      incoming.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxSize) {
        // The rest is left to node-server, which drains what is left of a request once its answer is sent.
        stop();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      // Copied into a buffer of its own: socket chunks are views into larger pooled buffers.
      const body = new Uint8Array(size);
      let offset = 0;
      for (const chunk of chunks) {
        body.set(chunk, offset);
        offset += chunk.length;
      }
      resolve(body);
    };
    const onFailure = (error: Error) => {
      stop();
      reject(error);
    };
    const onClose = () => onFailure(new Error('the request was closed before its body arrived'));
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onFailure);
    incoming.on('close', onClose);
  });
}
