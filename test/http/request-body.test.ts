import { createHmac } from 'node:crypto';
import { type IncomingHttpHeaders, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyWithin } from '../../src/http/request-body.js';
import { bodySign } from '../../src/security/body-sign.js';
import { ACCESS_KEY, signedQuery, startTestServer } from '../support/server.js';
import { DIALECTS, openTestStore, snapshot, type TestStore } from '../support/stores.js';

// app.request() never reaches node's IncomingMessage: these run the app on a real socket, as src/index.ts does.
interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  bytes: Buffer;
}

/** POSTs `chunks` one write each: with `chunked` no Content-Length is sent, so the size is only known by reading. */
function post(port: number, path: string, chunks: string[], { chunked = false } = {}): Promise<Answer> {
  const length = Buffer.byteLength(chunks.join(''));
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/json', ...(chunked ? {} : { 'content-length': length }) } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, bytes: Buffer.concat(parts) }));
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

async function listen(app: Hono): Promise<{ server: ServerType; port: number }> {
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  return { server, port: (server.address() as AddressInfo).port };
}

const bodySignOf = (bytes: Buffer) => `sign_type="HMAC-SHA256", signature="${createHmac('sha256', ACCESS_KEY).update(bytes).digest('base64')}"`;

describe('bodyWithin on @hono/node-server', () => {
  let port: number;
  let server: ServerType;
  beforeAll(async () => {
    const app = new Hono();
    app.use('/echo', bodySign({ accessKey: ACCESS_KEY }));
    app.post('/echo', bodyWithin({ maxSize: 64, onError: (c) => c.text('too large', 413) }), async (c) => {
      const bytes = new Uint8Array(await c.req.arrayBuffer());
      return c.json({ length: bytes.byteLength, text: await c.req.text(), json: await c.req.json() });
    });
    ({ server, port } = await listen(app));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it.each([
    ['one piece with Content-Length', ['{"a":"é","b":[1,2]}'], false],
    ['many chunks without Content-Length', ['{"a":', '"é",', '"b":[1,', '2]}'], true],
  ])('reads %s once, for every later reader', async (_name, chunks, chunked) => {
    const answer = await post(port, '/echo', chunks, { chunked });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.bytes.toString('utf8'))).toEqual({ length: Buffer.byteLength('{"a":"é","b":[1,2]}'), text: '{"a":"é","b":[1,2]}', json: { a: 'é', b: [1, 2] } });
    // c.json() is not a textAnswer: Body-Sign reads the bytes back and still signs exactly what was sent.
    expect(answer.headers['body-sign']).toBe(bodySignOf(answer.bytes));
  });

  it.each([
    ['declared by Content-Length', false],
    ['found while reading a chunked body', true],
  ])('refuses a body over the limit %s', async (_name, chunked) => {
    const answer = await post(port, '/echo', ['{"pad":"', 'x'.repeat(40), 'x'.repeat(40), '"}'], { chunked });
    expect([answer.status, answer.bytes.toString()]).toEqual([413, 'too large']);
  });
});

describe.each(DIALECTS)('the SaaS V2.0 path on a real socket, on %s', (dialect) => {
  let store: TestStore;
  let server: ServerType;
  let port: number;
  beforeAll(async () => {
    store = await openTestStore(dialect);
    ({ server, port } = await listen(startTestServer(store).app));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await store.dispose();
  });

  it('creates an instance from a signed call sent in pieces, and signs the answer over the bytes sent', async () => {
    const body = JSON.stringify({ activity: 'newInstance', orderId: 'CSSOCKET0001', orderLineId: 'CSSOCKET0001-000001', businessId: 'socket-1' });
    const answer = await post(port, `/saas?${signedQuery(body)}`, [body.slice(0, 20), body.slice(20)], { chunked: true });
    expect(JSON.parse(answer.bytes.toString())).toEqual({ resultCode: '000000', resultMsg: 'success', instanceId: 'socket-1' });
    expect(answer.headers['body-sign']).toBe(bodySignOf(answer.bytes));
  });

  it.each([false, true])('refuses a body over MAX_BODY_BYTES with 000002 and stores nothing (chunked: %s)', async (chunked) => {
    const before = await snapshot(store);
    const body = JSON.stringify({ activity: 'newInstance', orderId: 'CSSOCKET0002', orderLineId: 'CSSOCKET0002-000001', businessId: 'socket-2', pad: 'x'.repeat(70 * 1024) });
    const answer = await post(port, `/saas?${signedQuery(body)}`, [body.slice(0, 1000), body.slice(1000)], { chunked });
    expect(JSON.parse(answer.bytes.toString())).toMatchObject({ resultCode: '000002', resultMsg: 'body is larger than 65536 bytes' });
    expect(answer.headers['body-sign']).toBe(bodySignOf(answer.bytes));
    expect(await snapshot(store)).toEqual(before);
  });
});
