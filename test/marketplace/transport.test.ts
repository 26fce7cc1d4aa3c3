import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { MarketplaceUnreachable, type OutgoingRequest, marketplaceTransport } from '../../src/marketplace/transport.js';
import { checkHosts } from '../../src/net/urls.js';
import { freePort } from '../support/ports.js';

type Server = { url: string; calls: { host: string; headers: Record<string, string>; body: string }[]; close(): Promise<void> };
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A marketplace double that answers each call with the next of `answers` (the last one repeats). */
async function double(answers: ((c: any) => Response | Promise<Response>)[]): Promise<Server> {
  const calls: Server['calls'] = [];
  const app = new Hono();
  app.all('*', async (c) => {
    calls.push({ host: c.req.header('host') ?? '', headers: Object.fromEntries(c.req.raw.headers), body: await c.req.text() });
    return answers[Math.min(calls.length - 1, answers.length - 1)]!(c);
  });
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  const s = {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as unknown as { closeAllConnections(): void }).closeAllConnections();
      }),
  };
  servers.push(s);
  return s;
}

const signed: OutgoingRequest[] = [];
const sign = (request: OutgoingRequest, now: number) => {
  signed.push(request);
  return { 'x-signed-for': `${request.headers.host}@${now}` };
};
const fast = { sleep: async () => {}, random: () => 0.5, sign };

const post = (base: string, body = '{"a":1}') => new Request(`${base}/api/x?b=2`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });

describe('marketplace transport', () => {
  it('signs every attempt for the host it goes to, with the exact body bytes', async () => {
    const main = await double([(c) => c.json({ error_code: 'MKT.0999' }, 500), (c) => c.json({ error_code: 'MKT.0000' })]);
    signed.length = 0;
    const send = marketplaceTransport({ hosts: [main.url], ...fast });
    const response = await send(post(main.url, '{"z":1,"a":"é"}'));
    expect(response.status).toBe(200);
    expect(main.calls).toHaveLength(2);
    expect(signed.map((s) => s.headers.host)).toEqual([new URL(main.url).host, new URL(main.url).host]);
    expect(new TextDecoder().decode(signed[0]!.body)).toBe('{"z":1,"a":"é"}');
    expect(main.calls[1]!.body).toBe('{"z":1,"a":"é"}');
    expect(main.calls[0]!.headers['x-signed-for']).toMatch(/^127\.0\.0\.1:\d+@\d+$/);
  });

  it('falls back to the next host when the main one is unreachable, and signs for it', async () => {
    const fallback = await double([(c) => c.json({ error_code: 'MKT.0000' })]);
    const dead = `http://127.0.0.1:${await freePort()}`;
    signed.length = 0;
    const send = marketplaceTransport({ hosts: [dead, fallback.url], ...fast });
    const response = await send(post(dead));
    expect(response.status).toBe(200);
    expect(fallback.calls).toHaveLength(1);
    expect(fallback.calls[0]!.host).toBe(new URL(fallback.url).host);
    expect(signed.map((s) => new URL(s.url).host)).toEqual([new URL(dead).host, new URL(fallback.url).host]);
  });

  it('retries 5xx with growing backoff, and gives the last answer back as it is', async () => {
    const main = await double([(c) => c.json({ error_code: 'MKT.0999', error_msg: 'System internal error.' }, 500)]);
    const waits: number[] = [];
    const send = marketplaceTransport({ hosts: [main.url], retries: 3, backoffMs: 100, random: () => 1, sleep: async (ms) => void waits.push(ms), sign });
    const response = await send(post(main.url));
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error_code: 'MKT.0999', error_msg: 'System internal error.' });
    expect(main.calls).toHaveLength(4);
    expect(waits).toEqual([100, 200, 400]);
  });

  it.each([
    ['a 4xx answer', 400, { error_code: 'MKT.0101' }],
    ['a 401 answer', 401, { error_code: 'APIG.0301' }],
    ['a 5xx answer with a permanent code', 500, { error_code: 'MKT.9003' }],
    ['a 200 answer with an error code', 200, { error_code: '92020005' }],
  ])('does not retry %s', async (_, status, body) => {
    const main = await double([(c) => c.json(body, status)]);
    const send = marketplaceTransport({ hosts: [main.url], permanentCodes: new Set(['MKT.9003']), ...fast });
    const response = await send(post(main.url));
    expect(response.status).toBe(status);
    expect(main.calls).toHaveLength(1);
  });

  it('bounds every attempt with the timeout, then reports the marketplace unreachable', async () => {
    const slow = await double([async () => new Promise<Response>((resolve) => setTimeout(() => resolve(new Response('{}')), 2_000))]);
    const send = marketplaceTransport({ hosts: [slow.url], retries: 1, timeoutMs: 100, ...fast });
    const started = Date.now();
    const error = await send(post(slow.url)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MarketplaceUnreachable);
    expect((error as Error).message).toMatch(/after 2 attempts.*no answer within 100 ms/);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('keeps its timeout even when fetch does not honour the abort (Node 20 can lose it under memory pressure)', async () => {
    const deaf = async () => new Promise<Response>((resolve) => setTimeout(() => resolve(Response.json({ error_code: 'MKT.0000' })), 1_500));
    const send = marketplaceTransport({ hosts: ['https://mkt.myhuaweicloud.com'], retries: 0, timeoutMs: 100, fetch: deaf, ...fast });
    const started = Date.now();
    await expect(send(new Request('https://mkt.myhuaweicloud.com/x'))).rejects.toThrow(/no answer within 100 ms/);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('stops at once when the caller aborts', async () => {
    const slow = await double([async () => new Promise<Response>((resolve) => setTimeout(() => resolve(new Response('{}')), 2_000))]);
    const send = marketplaceTransport({ hosts: [slow.url], ...fast });
    const controller = new AbortController();
    const pending = send(new Request(`${slow.url}/x`, { signal: controller.signal }));
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toThrow();
    expect(slow.calls).toHaveLength(1);
  });
});

describe('strict TLS', () => {
  it.each([
    [['https://mkt.myhuaweicloud.com', 'https://mkt.myhuaweicloud.cn'], {}, []],
    [['http://127.0.0.1:4090'], {}, []],
    [['http://localhost:4090'], {}, []],
    [['http://mkt.myhuaweicloud.com'], {}, ['http://mkt.myhuaweicloud.com must be https (http is allowed on the loopback only, for test doubles)']],
    [['ftp://x'], {}, ['ftp://x must be https (http is allowed on the loopback only, for test doubles)']],
    [['not a url'], {}, ['"not a url" is not a URL']],
    [[], {}, ['no marketplace host is configured']],
    [
      ['https://mkt.myhuaweicloud.com'],
      { NODE_TLS_REJECT_UNAUTHORIZED: '0' },
      ['NODE_TLS_REJECT_UNAUTHORIZED=0 switches certificate checks off; the marketplace must be called with them on'],
    ],
  ])('%j %j', (hosts, env, problems) => {
    expect(checkHosts(hosts, env)).toEqual(problems);
  });

  it('refuses to build a transport that would skip certificate checks', () => {
    expect(() => marketplaceTransport({ hosts: ['http://mkt.myhuaweicloud.com'], sign })).toThrow(/must be https/);
  });

  it('refuses a server whose certificate does not verify (self-signed, made by openssl)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kgkit-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-subj',
        '/CN=localhost',
        '-days',
        '1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_, res) => res.end('{}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `https://localhost:${(server.address() as AddressInfo).port}`;
    try {
      const send = marketplaceTransport({ hosts: [url], retries: 0, ...fast });
      const error = await send(new Request(`${url}/x`)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MarketplaceUnreachable);
      expect((error as Error).message).toMatch(/SELF_SIGNED/);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
