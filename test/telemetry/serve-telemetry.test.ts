import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text.js';
import { signedQuery } from '../support/server.js';

// The real entry point with METRICS_PORT and OTEL_EXPORTER_OTLP_ENDPOINT set, against a collector stand-in that keeps
// every OTLP/HTTP post.
const TSX = new URL('../../node_modules/.bin/tsx', import.meta.url).pathname;
const ENTRY = new URL('../../src/index.ts', import.meta.url).pathname;
const KEY = 'telemetry-test-access-key';

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  name: string;
  kind: number;
  attributes: { key: string; value: OtlpValue }[];
}
interface OtlpExport {
  resourceSpans: { resource: { attributes: { key: string; value: OtlpValue }[] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
}

/** A collector stand-in: answers every POST /v1/traces with success and keeps the request. */
async function otlpCollector(): Promise<{ server: Server; port: number; posts: { contentType: string; body: OtlpExport }[] }> {
  const posts: { contentType: string; body: OtlpExport }[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method === 'POST' && request.url === '/v1/traces')
        posts.push({ contentType: request.headers['content-type'] ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port, posts };
}

const attribute = (span: { attributes: { key: string; value: OtlpValue }[] }, key: string) => {
  const value = span.attributes.find((entry) => entry.key === key)?.value;
  return value?.stringValue ?? value?.intValue;
};

describe('metrics on METRICS_PORT and tracing to an OTLP endpoint', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kgkit-telemetry-'));
  let collector: Awaited<ReturnType<typeof otlpCollector>>;
  let child: ChildProcess;
  let output = '';
  let exited: Promise<number | null>;
  let main: string;
  let metrics: string;

  beforeAll(async () => {
    collector = await otlpCollector();
    const [port, metricsPort] = [await freePort(), await freePort()];
    main = `http://127.0.0.1:${port}`;
    metrics = `http://127.0.0.1:${metricsPort}`;
    child = spawn(TSX, [ENTRY], {
      env: {
        PATH: process.env.PATH ?? '',
        KOOGALLERY_ACCESS_KEY: KEY,
        PORT: String(port),
        HOST: '127.0.0.1',
        METRICS_PORT: String(metricsPort),
        DATABASE_URL: `file:${join(dir, 'kgkit.sqlite')}`,
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector.port}`,
        OTEL_SERVICE_NAME: 'kgkit-telemetry-test',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    for (let i = 0; i < 150 && !(output.includes('"listening"') && output.includes('"metrics listening"')); i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
  });
  afterAll(async () => {
    child.kill('SIGKILL');
    collector.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves /metrics on its own port without a token, none on the main port; spans and log lines share trace ids', async () => {
    const post = async (body: object, key = KEY) => {
      const text = JSON.stringify(body);
      const response = await fetch(`${main}/saas?${signedQuery(text, { key })}`, { method: 'POST', body: text });
      return (await response.json()) as { resultCode: string };
    };
    const create = { activity: 'newInstance', orderId: 'CSTRACE0001', orderLineId: 'CSTRACE0001-000001', businessId: 'trace-1' };
    expect(await post(create)).toMatchObject({ resultCode: '000000' });
    expect(await post(create, 'not-the-access-key-0123')).toMatchObject({ resultCode: '000001' });

    const scraped = await fetch(`${metrics}/metrics`);
    expect(scraped.status).toBe(200);
    const samples = parsePrometheusText(await scraped.text());
    expect(sampleValue(samples, 'kgkit_calls_total', { family: 'saas-v2', activity: 'newInstance', result_code: '000000' })).toBe(1);
    expect(sampleValue(samples, 'kgkit_refused_calls_total', { path: '/saas', result_code: '000001' })).toBe(1);
    expect(sampleValue(samples, 'kgkit_jobs', { kind: 'usage_record', state: 'pending' })).toBe(0);
    expect((await fetch(`${metrics}/healthz`)).status).toBe(404);
    expect((await fetch(`${main}/metrics`)).status).toBe(404);

    // The batch of spans goes out at the latest when the server stops.
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(collector.posts.length).toBeGreaterThan(0);
    expect(collector.posts[0]!.contentType).toBe('application/json');
    const resources = collector.posts.flatMap((post) => post.body.resourceSpans);
    expect(resources.map((resource) => attribute(resource.resource, 'service.name'))).toContain('kgkit-telemetry-test');
    const spans = resources.flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans));
    const created = spans.find((span) => attribute(span, 'kgkit.activity') === 'newInstance');
    expect(created).toBeDefined();
    expect(created!.name).toBe('saas-v2 newInstance');
    expect(created!.kind).toBe(2); // SPAN_KIND_SERVER
    expect([attribute(created!, 'kgkit.family'), attribute(created!, 'kgkit.result_code'), attribute(created!, 'url.path')]).toEqual([
      'saas-v2',
      '000000',
      '/saas',
    ]);
    const refused = spans.find((span) => attribute(span, 'kgkit.result_code') === '000001');
    expect(refused).toBeDefined();

    const lines = output
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.find((line) => line.msg === 'call' && line.activity === 'newInstance')).toMatchObject({
      traceId: created!.traceId,
      spanId: created!.spanId,
      resultCode: '000000',
    });
    expect(lines.find((line) => line.msg === 'refused')).toMatchObject({ traceId: refused!.traceId, resultCode: '000001' });
    expect(lines.find((line) => line.msg === 'listening')).not.toHaveProperty('traceId');
  });
});
