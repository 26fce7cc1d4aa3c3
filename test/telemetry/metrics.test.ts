import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InstanceLifecycle } from '../../src/instances/lifecycle.js';
import { silentLogger } from '../../src/log.js';
import { builtinProvisioner } from '../../src/provisioning/builtin-provisioner.js';
import { sqlNonceRegistry } from '../../src/security/nonce-registry.js';
import { buildApp, familyMounts } from '../../src/server/app.js';
import { countedProvisioner, metricSources } from '../../src/server/metric-sources.js';
import { SqlInstanceRepository } from '../../src/store/instances.js';
import { KgkitMetrics } from '../../src/telemetry/metrics.js';
import { UsageMeter } from '../../src/usage/meter.js';
import { type Scrape, parsePrometheusText, sampleValue } from '../support/prometheus-text.js';
import { TEST_CONFIG, TEST_DATA_KEYS, signedQuery } from '../support/server.js';
import { DIALECTS, type TestStore, openTestStore } from '../support/stores.js';

const TOKEN = 'test-metrics-token-0123456789-abcdef';
const HOUR = 3_600_000;
const saas = { family: 'saas-v2' };

describe.each(DIALECTS)('GET /metrics on %s', (dialect) => {
  let store: TestStore;
  let app: Hono;
  let meter: UsageMeter;
  let clock = Date.UTC(2026, 10, 21, 9, 0, 0);
  const now = () => clock;

  /** A signed SaaS V2.0 call as the marketplace sends it; `key` another key to have it refused. */
  const call = async (body: object | string, key?: string) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const response = await app.request(`/saas?${signedQuery(text, { timestamp: clock, ...(key ? { key } : {}) })}`, {
      method: 'POST',
      body: text,
      headers: { 'content-type': 'application/json;charset=utf8' },
    });
    return (await response.json()) as { resultCode: string };
  };
  const scrape = async (): Promise<Scrape> => {
    const response = await app.request('/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    return parsePrometheusText(await response.text());
  };

  beforeAll(async () => {
    store = await openTestStore(dialect);
    const metrics = new KgkitMetrics(silentLogger);
    meter = new UsageMeter({ db: store.db, now });
    metrics.watch(metricSources({ db: store.db, now, runners: [{ stats: () => meter.deliveryStats() }] }));
    const lifecycle = new InstanceLifecycle({
      repository: new SqlInstanceRepository(store.db, TEST_DATA_KEYS),
      provisioner: countedProvisioner(builtinProvisioner({ frontEndUrl: 'https://app.example.com/t/{instanceId}' }), metrics),
      now,
    });
    app = buildApp({
      config: { ...TEST_CONFIG, apiToken: TOKEN },
      db: store.db,
      lifecycle,
      nonces: sqlNonceRegistry(store.db),
      logger: metrics.countLines(silentLogger),
      now,
      usage: meter,
      families: familyMounts({ meter }),
      metrics,
    });
  });
  afterAll(async () => store.dispose());

  it('refuses a scrape without the API token, as the kgkit API does', async () => {
    for (const authorization of [undefined, 'Bearer wrong-token-0123456789-abcdef', `Basic ${TOKEN}`]) {
      const response = await app.request('/metrics', authorization ? { headers: { authorization } } : {});
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(await response.json()).toMatchObject({ resultCode: '000001' });
    }
  });

  it('counts signed calls by family, activity and result code, with their latency, and the refused ones by path', async () => {
    const create = { activity: 'newInstance', orderId: 'CSMETRIC0001', orderLineId: 'CSMETRIC0001-000001', businessId: 'metrics-1' };
    expect(await call(create)).toMatchObject({ resultCode: '000000' });
    expect(await call(create)).toMatchObject({ resultCode: '000000' });
    expect(await call({ ...create, orderLineId: undefined })).toMatchObject({ resultCode: '000002' });
    expect(await call({ activity: 'queryInstance', instanceId: 'nope-1' })).toMatchObject({ resultCode: '000003' });
    expect(await call({ activity: 'renameInstance', instanceId: 'metrics-1' })).toMatchObject({ resultCode: '000002' });
    expect(await call(create, 'not-the-access-key-0123')).toMatchObject({ resultCode: '000001' });

    const scraped = await scrape();
    expect(scraped.types.get('kgkit_calls_total')).toBe('counter');
    expect(scraped.types.get('kgkit_call_duration_seconds')).toBe('histogram');
    const calls = (activity: string, code: string) => sampleValue(scraped, 'kgkit_calls_total', { ...saas, activity, result_code: code });
    expect(calls('newInstance', '000000')).toBe(2);
    expect(calls('newInstance', '000002')).toBe(1);
    expect(calls('queryInstance', '000003')).toBe(1);
    expect(calls('unknown', '000002')).toBe(1);
    expect([...scraped.samples.keys()].filter((key) => key.startsWith('kgkit_calls_total{'))).toHaveLength(4);
    expect(sampleValue(scraped, 'kgkit_refused_calls_total', { path: '/saas', result_code: '000001' })).toBe(1);

    const bucket = (le: string) => sampleValue(scraped, 'kgkit_call_duration_seconds_bucket', { ...saas, activity: 'newInstance', le });
    expect(sampleValue(scraped, 'kgkit_call_duration_seconds_count', { ...saas, activity: 'newInstance' })).toBe(3);
    expect(bucket('+Inf')).toBe(3);
    const bounds = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2', '4', '4.5', '5', '+Inf'].map(bucket);
    expect(bounds).toEqual([...bounds].sort((a, b) => a! - b!));
    expect(sampleValue(scraped, 'kgkit_call_duration_seconds_sum', { ...saas, activity: 'newInstance' })).toBeGreaterThan(0);

    expect(sampleValue(scraped, 'kgkit_provisioning_in_flight', { operation: 'create' })).toBe(0);
    expect(sampleValue(scraped, 'kgkit_unhandled_errors_total')).toBe(0);
    expect(sampleValue(scraped, 'kgkit_audit_write_failures_total')).toBe(0);
    expect(sampleValue(scraped, 'kgkit_log_messages_total', { level: 'warn' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(scraped, 'kgkit_database_up')).toBe(1);
    expect(sampleValue(scraped, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(scraped.types.get('nodejs_heap_size_used_bytes')).toBe('gauge');
  });

  it('shows the job queues and the usage backlog from the database, and the delivery outcomes of this process', async () => {
    let scraped = await scrape();
    for (const [kind, states] of [
      ['order_lookup', ['pending', 'found', 'failed']],
      ['license_upload', ['pending', 'uploaded', 'rejected', 'skipped']],
      ['usage_record', ['pending', 'sent', 'rejected', 'expired']],
    ] as const)
      for (const state of states) expect(sampleValue(scraped, 'kgkit_jobs', { kind, state }), `${kind} ${state}`).toBe(0);

    const [recorded] = await meter.record([{ eventId: 'metrics-e1', instanceId: 'metrics-1', quantity: '2.5', occurredAt: clock }]);
    expect(recorded).toMatchObject({ status: 'recorded' });
    clock += 2 * HOUR;
    expect(await meter.aggregate()).toMatchObject({ sealed: 1 });
    scraped = await scrape();
    expect(sampleValue(scraped, 'kgkit_jobs', { kind: 'usage_record', state: 'pending' })).toBe(1);
    expect(sampleValue(scraped, 'kgkit_usage_backlog_records')).toBe(1);
    expect(sampleValue(scraped, 'kgkit_usage_backlog_at_risk_records')).toBe(0);
    expect(sampleValue(scraped, 'kgkit_usage_deliveries_total', { outcome: 'sent' })).toBe(0);

    expect(await meter.deliver(async () => ({ kind: 'accepted' }))).toMatchObject({ sent: 1 });
    scraped = await scrape();
    expect(sampleValue(scraped, 'kgkit_usage_backlog_records')).toBe(0);
    expect(sampleValue(scraped, 'kgkit_jobs', { kind: 'usage_record', state: 'sent' })).toBe(1);
    expect(sampleValue(scraped, 'kgkit_usage_deliveries_total', { outcome: 'sent' })).toBe(1);
    expect(sampleValue(scraped, 'kgkit_usage_deliveries_total', { outcome: 'rejected' })).toBe(0);
    expect(sampleValue(scraped, 'kgkit_usage_deliveries_total', { outcome: 'expired' })).toBe(0);
    expect(sampleValue(scraped, 'kgkit_job_outcomes_total', { kind: 'usage_record', outcome: 'succeeded' })).toBe(1);
    expect(sampleValue(scraped, 'kgkit_jobs_in_flight', { kind: 'usage_record' })).toBe(0);
  });
});

describe('metrics without a store', () => {
  const sources = (storeCounts: () => Promise<never>) => ({ jobStats: () => [], storeCounts });
  const warnings: string[] = [];
  const logger = { ...silentLogger, warn: (message: string) => void warnings.push(message) };

  it.each([
    ['does not answer in time', () => new Promise<never>(() => {}), /did not answer the scrape in time/],
    ['fails', () => Promise.reject(new Error('connection refused')), /database read of the scrape failed/],
  ])('leaves the store gauges out and says kgkit_database_up 0 when the database %s', async (_, read, warning) => {
    const metrics = new KgkitMetrics(logger, 50);
    metrics.watch(sources(read));
    const scraped = parsePrometheusText(await metrics.scrape());
    expect(sampleValue(scraped, 'kgkit_database_up')).toBe(0);
    expect([...scraped.samples.keys()].filter((key) => /^kgkit_(jobs|usage_backlog)/.test(key))).toEqual([]);
    expect(warnings.at(-1)).toMatch(warning);
  });

  it('keeps the labels bounded: an odd result code, or one past 32 per activity, counts as other', async () => {
    const metrics = new KgkitMetrics(silentLogger);
    const count = metrics.callCounter('saas-v2');
    const answered = (resultCode: unknown) => count({ activity: 'newInstance', result: { body: { resultCode } }, durationMs: 3 });
    answered('x{"}\n');
    answered(42);
    for (let code = 0; code < 40; code++) answered(String(code).padStart(6, '0'));
    answered('000001');
    const scraped = parsePrometheusText(await metrics.scrape());
    const labels = [...scraped.samples.keys()].filter((key) => key.startsWith('kgkit_calls_total{'));
    expect(labels).toHaveLength(32);
    expect(sampleValue(scraped, 'kgkit_calls_total', { ...saas, activity: 'newInstance', result_code: 'none' })).toBe(1);
    expect(sampleValue(scraped, 'kgkit_calls_total', { ...saas, activity: 'newInstance', result_code: '000001' })).toBe(2);
    // Codes 0–29 and `none` took 31 labels; the odd code and the ten past the bound share `other`.
    expect(sampleValue(scraped, 'kgkit_calls_total', { ...saas, activity: 'newInstance', result_code: 'other' })).toBe(11);
  });

  it('counts an error no handler answered', async () => {
    const store = await openTestStore('sqlite');
    try {
      const metrics = new KgkitMetrics(silentLogger);
      const app = buildApp({
        config: { ...TEST_CONFIG, apiToken: TOKEN },
        db: store.db,
        lifecycle: {} as InstanceLifecycle,
        nonces: sqlNonceRegistry(store.db),
        logger: silentLogger,
        families: [
          (target) =>
            target.post('/boom', () => {
              throw new Error('the database went away');
            }),
        ],
        metrics,
      });
      expect(await (await app.request('/boom', { method: 'POST' })).json()).toMatchObject({ resultCode: '000005' });
      expect(sampleValue(parsePrometheusText(await metrics.scrape()), 'kgkit_unhandled_errors_total')).toBe(1);
    } finally {
      await store.dispose();
    }
  });
});
