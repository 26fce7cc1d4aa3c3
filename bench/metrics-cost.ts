/**
 * What metrics cost a marketplace call (docs/decisions.md#22): `tsx bench/metrics-cost.ts` (METRICS_BENCH_ROUNDS,
 * METRICS_BENCH_CALLS: rounds and signed calls per round). Not part of `make bench`.
 *
 * 1. The counting alone, per call: kgkit's cells (src/telemetry/call-metrics.ts) against prom-client's labelled
 *    children (a Counter and a Histogram, the usual way) and against nothing, with the young-generation collections
 *    each caused (what it allocated).
 * 2. A signed queryInstance through the whole app on SQLite (signature, nonce, contract, lookup, audit row), with and
 *    without metrics, in alternating rounds: the difference is what a call pays for them, within the noise.
 * 3. Then the same with tracing too (a span per call, its context kept across the call's awaits, exported to a port
 *    nobody listens on): last, because once registered the SDK's context manager stays for the whole process.
 */
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Counter, Histogram, Registry } from 'prom-client';
import { basicSignature, canonicalPayload } from '../src/crypto/basic-signature.js';
import { loadConfig } from '../src/config.js';
import { DataKeys } from '../src/crypto/data-keys.js';
import { InstanceLifecycle } from '../src/instances/lifecycle.js';
import { silentLogger } from '../src/log.js';
import { builtinProvisioner } from '../src/provisioning/builtin-provisioner.js';
import { sqlNonceRegistry } from '../src/security/nonce-registry.js';
import { buildApp } from '../src/server/app.js';
import { openStore } from '../src/store/connect.js';
import { SqlInstanceRepository } from '../src/store/instances.js';
import { CallCells, type CountedCall, DURATION_BUCKETS } from '../src/telemetry/call-metrics.js';
import { KgkitMetrics } from '../src/telemetry/metrics.js';
import { startTracing } from '../src/telemetry/tracing.js';

const KEY = 'bench-metrics-access-key-0123';

/** Six kinds of call, as a busy family sees them. */
const CALLS: CountedCall[] = ['newInstance', 'queryInstance', 'refreshInstance'].flatMap((activity) =>
  ['000000', '000004'].map((resultCode) => ({ activity, result: { body: { resultCode, resultMsg: 'success' } }, durationMs: 7.3 })),
);

function promClientCounter(): (call: CountedCall) => void {
  const registry = new Registry();
  const counter = new Counter({ name: 'calls_total', help: 'h', labelNames: ['family', 'activity', 'result_code'], registers: [registry] });
  const histogram = new Histogram({
    name: 'call_seconds',
    help: 'h',
    labelNames: ['family', 'activity'],
    buckets: [...DURATION_BUCKETS],
    registers: [registry],
  });
  const children = new Map<string, Map<string, { counter: Counter.Internal; histogram: Histogram.Internal<string> }>>();
  return (call) => {
    const activity = call.activity ?? 'unknown';
    const code = (call.result.body as { resultCode: string }).resultCode;
    let codes = children.get(activity);
    if (codes === undefined) children.set(activity, (codes = new Map()));
    let child = codes.get(code);
    if (child === undefined)
      codes.set(code, (child = { counter: counter.labels('saas-v2', activity, code), histogram: histogram.labels('saas-v2', activity) }));
    child.counter.inc();
    child.histogram.observe(call.durationMs / 1000);
  };
}

async function timeCounting(name: string, count: (call: CountedCall) => void, n: number): Promise<void> {
  for (let i = 0; i < 100_000; i++) count(CALLS[i % CALLS.length]!);
  const collections: number[] = [];
  const observer = new PerformanceObserver((list) =>
    collections.push(...list.getEntries().map((entry) => (entry as { detail?: { kind?: number } }).detail?.kind ?? 0)),
  );
  observer.observe({ entryTypes: ['gc'] });
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) count(CALLS[i % CALLS.length]!);
  const ns = Number(process.hrtime.bigint() - started) / n;
  // The observer hears of collections after the loop has given the event loop back.
  await new Promise((resolve) => setTimeout(resolve, 200));
  observer.disconnect();
  const young = collections.filter((kind) => kind === constants.NODE_PERFORMANCE_GC_MINOR).length;
  console.log(
    `${name.padEnd(34)} ${ns.toFixed(1).padStart(7)} ns/call   ${String(young).padStart(4)} young-generation collections in ${n.toLocaleString('en')} calls`,
  );
}

async function endToEnd(rounds: number, calls: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kgkit-metrics-bench-'));
  const store = await openStore({ dialect: 'sqlite', target: join(dir, 'kgkit.sqlite') });
  const config = loadConfig({
    KOOGALLERY_ACCESS_KEY: KEY,
    KGKIT_DATA_KEY: 'bench-data-key-0123456789-0123456789',
    KGKIT_API_TOKEN: 'bench-metrics-token-0123456789',
  });
  const lifecycle = new InstanceLifecycle({
    repository: new SqlInstanceRepository(store.db, new DataKeys(config)),
    provisioner: builtinProvisioner({ frontEndUrl: 'https://app.example.com/t/{instanceId}' }),
  });
  const base = { config, db: store.db, lifecycle, nonces: sqlNonceRegistry(store.db), logger: silentLogger };
  const metrics = new KgkitMetrics(silentLogger);
  const apps = { without: buildApp(base), with: buildApp({ ...base, metrics }) };
  const created = JSON.stringify({ activity: 'newInstance', orderId: 'CSBENCH0001', orderLineId: 'CSBENCH0001-000001', businessId: 'bench-1' });
  await send(apps.without, created);
  const query = JSON.stringify({ activity: 'queryInstance', instanceId: 'bench-1' });
  const perCall: Record<keyof typeof apps, number[]> = { without: [], with: [] };
  for (let round = 0; round < rounds; round++)
    for (const name of (round % 2 === 0 ? ['without', 'with'] : ['with', 'without']) as (keyof typeof apps)[]) {
      const signed = Array.from({ length: calls }, () => signedQuery(query));
      const started = process.hrtime.bigint();
      for (const queryString of signed) await send(apps[name], query, queryString);
      perCall[name].push(Number(process.hrtime.bigint() - started) / calls / 1000);
    }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  console.log(`\nsigned queryInstance through the app on SQLite, ${rounds} alternating rounds of ${calls} calls (median of the rounds):`);
  for (const name of ['without', 'with'] as const)
    console.log(`  ${name.padEnd(8)} metrics  ${median(perCall[name]).toFixed(1)} µs/call   (rounds: ${perCall[name].map((v) => v.toFixed(0)).join(' ')})`);

  const tracing = startTracing({ tracesUrl: 'http://127.0.0.1:9/v1/traces', serviceName: 'kgkit-bench' }, silentLogger);
  const traced = buildApp({ ...base, metrics, tracing });
  const tracedPerCall: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const signed = Array.from({ length: calls }, () => signedQuery(query));
    const started = process.hrtime.bigint();
    for (const queryString of signed) await send(traced, query, queryString);
    tracedPerCall.push(Number(process.hrtime.bigint() - started) / calls / 1000);
  }
  console.log(
    `  with metrics and tracing, afterwards  ${median(tracedPerCall).toFixed(1)} µs/call   (rounds: ${tracedPerCall.map((v) => v.toFixed(0)).join(' ')})`,
  );
  await tracing.shutdown().catch(() => {});
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

let nonce = 0;
function signedQuery(body: string): string {
  const timestamp = String(Date.now());
  const n = `BENCH${(++nonce).toString(16).padStart(12, '0')}`;
  return `signature=${basicSignature(KEY, n, timestamp, canonicalPayload(JSON.parse(body) as Record<string, unknown>))}&timestamp=${timestamp}&nonce=${n}`;
}

async function send(app: ReturnType<typeof buildApp>, body: string, query = signedQuery(body)): Promise<void> {
  const response = await app.request(`/saas?${query}`, { method: 'POST', body, headers: { 'content-type': 'application/json;charset=utf8' } });
  const { resultCode } = (await response.json()) as { resultCode: string };
  if (resultCode !== '000000') throw new Error(`the bench call answered ${resultCode}`);
}

const n = 2_000_000;
console.log(`counting one call (${n.toLocaleString('en')} calls over ${CALLS.length} label sets, after a warm-up):`);
await timeCounting('nothing', () => {}, n);
await timeCounting('kgkit cells (CallCells)', new CallCells().counter('saas-v2'), n);
await timeCounting('prom-client Counter + Histogram', promClientCounter(), n);
await endToEnd(Number(process.env.METRICS_BENCH_ROUNDS ?? 10), Number(process.env.METRICS_BENCH_CALLS ?? 1_000));
