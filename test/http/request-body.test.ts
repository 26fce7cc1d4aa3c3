import { createHmac } from 'node:crypto';
import { type IncomingHttpHeaders, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { familyMounts } from '../../src/server/app.js';
import { bodyWithin } from '../../src/http/request-body.js';
import { KIT_MIN_BODY_BYTES } from '../../src/kit/mount.js';
import { UsageMeter } from '../../src/usage/meter.js';
import { kitPath } from '../support/kit.js';
import { bodySign } from '../../src/security/body-sign.js';
import { ACCESS_KEY, TEST_CONFIG, signedQuery, startTestServer } from '../support/server.js';
import { DIALECTS, openTestStore, snapshot, type TestStore } from '../support/stores.js';

// app.request() never reaches node's IncomingMessage: these run the app on a real socket, as src/index.ts does.
interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  bytes: Buffer;
}

/** POSTs `chunks` one write each: with `chunked` no Content-Length is sent, so the size is only known by reading. */
function post(
  port: number,
  path: string,
  chunks: string[],
  { chunked = false, authorization }: { chunked?: boolean; authorization?: string } = {},
): Promise<Answer> {
  const length = Buffer.byteLength(chunks.join(''));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(chunked ? {} : { 'content-length': length }), ...(authorization ? { authorization } : {}) },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (part: Buffer) => parts.push(part));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, bytes: Buffer.concat(parts) }));
      },
    );
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
    expect(JSON.parse(answer.bytes.toString('utf8'))).toEqual({
      length: Buffer.byteLength('{"a":"é","b":[1,2]}'),
      text: '{"a":"é","b":[1,2]}',
      json: { a: 'é', b: [1, 2] },
    });
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
    const body = JSON.stringify({
      activity: 'newInstance',
      orderId: 'CSSOCKET0002',
      orderLineId: 'CSSOCKET0002-000001',
      businessId: 'socket-2',
      pad: 'x'.repeat(70 * 1024),
    });
    const answer = await post(port, `/saas?${signedQuery(body)}`, [body.slice(0, 1000), body.slice(1000)], { chunked });
    expect(JSON.parse(answer.bytes.toString())).toMatchObject({ resultCode: '000002', resultMsg: 'body is larger than 65536 bytes' });
    expect(answer.headers['body-sign']).toBe(bodySignOf(answer.bytes));
    expect(await snapshot(store)).toEqual(before);
  });
});

// One body-size path for every mount: each refuses an oversize body the same way, whether its length is declared or
// only found by reading, and a body of exactly the limit still reaches the signature check.
describe('every mount limits bodies through bodyWithin', () => {
  const KIT_LIMIT = KIT_MIN_BODY_BYTES;
  const MOUNTS: [string, string, number, string][] = [
    ['SaaS V2.0', TEST_CONFIG.saasPath, TEST_CONFIG.maxBodyBytes, '000002'],
    ['Kit V2', kitPath('v2', 'tenantSync'), KIT_LIMIT, '000002'],
    ['Kit V1', kitPath('v1', 'tenantSync'), KIT_LIMIT, '000002'],
    ['License codes', TEST_CONFIG.licenseCode.path, TEST_CONFIG.maxBodyBytes, '000002'],
    ['online License', TEST_CONFIG.onlineLicense.path, TEST_CONFIG.maxBodyBytes, '000002'],
    ['order notification', TEST_CONFIG.orderNotify.path, TEST_CONFIG.maxBodyBytes, '000002'],
    ['kgkit API', '/kgkit/v1/usage-events', 1024 * 1024, '000002'],
  ];
  let store: TestStore;
  let server: ServerType;
  let port: number;
  beforeAll(async () => {
    store = await openTestStore('sqlite');
    const app = startTestServer(store, {
      config: { apiToken: 'test-api-token-0123456789' },
      families: familyMounts({ meter: new UsageMeter({ db: store.db }) }),
    }).app;
    ({ server, port } = await listen(app));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await store.dispose();
  });

  const padded = (size: number) => `{"pad":"${'x'.repeat(size - 10)}"}`;

  it.each(MOUNTS.flatMap(([name, path, limit, code]) => [false, true].map((chunked) => [name, path, limit, code, chunked] as const)))(
    '%s at %s refuses %i + 1 bytes with %s (chunked: %s)',
    async (_name, path, limit, code, chunked) => {
      const body = padded(limit + 1);
      const answer = await post(port, `${path}?timestamp=1&nonce=n&signature=s`, [body.slice(0, 1000), body.slice(1000)], {
        chunked,
        authorization: 'Bearer test-api-token-0123456789',
      });
      expect(JSON.parse(answer.bytes.toString())).toMatchObject({ resultCode: code, resultMsg: expect.stringMatching(/^body is larger than /) });
    },
  );

  it.each(MOUNTS)('%s at %s reads a body of exactly %i bytes and goes on to its next check', async (_name, path, limit) => {
    const body = padded(limit);
    const answer = await post(port, `${path}?timestamp=1&nonce=n&signature=s`, [body], { authorization: 'Bearer test-api-token-0123456789' });
    expect(JSON.parse(answer.bytes.toString()).resultMsg).not.toMatch(/^body is larger than /);
  });
});
