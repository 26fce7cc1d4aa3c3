import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InstanceLifecycle } from '../../src/instances/lifecycle.js';
import { MarketplaceApi } from '../../src/marketplace/client.js';
import { SqlInstanceRepository } from '../../src/store/instances.js';
import { UsageMeter } from '../../src/usage/meter.js';
import { fakeProvisioner } from '../support/fake-provisioner.js';
import { MARKETPLACE_KEYS, startMarketplace } from '../support/marketplace-server.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { TEST_DATA_KEYS } from '../support/server.js';

// Issue 4's delivery, over the wire: the meter pushes through the generated client (HMAC-signed, canonical body) to the
// marketplace double, which checks every request against openapi/marketplace and its signature, bills each metering_sn
// once, fails every third call (HTTP 500 MKT.0999) and holds every fourth answer past the client's timeout after billing
// it (the client gives up after 1 s, the double answers after 1.2 s: generous, so that a slow machine does not turn a
// normal answer into a timeout). Every record must arrive exactly once, in batches of at most 250, with the sums of the
// events recorded.
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 20, 0, 0, 0);
const INSTANCES = 40;
const HOURS = 30;
const EVENTS = 10_000;

describe.each(DIALECTS)('usage push over HTTP on %s', (dialect) => {
  let store: TestStore;
  let marketplace: Awaited<ReturnType<typeof startMarketplace>>;
  const clock = { now: T0 - 86_400_000 };

  beforeAll(async () => {
    store = await openTestStore(dialect);
    marketplace = await startMarketplace({
      now: () => clock.now,
      fault: (op, n) => (op !== 'pushUsage' ? undefined : n % 3 === 0 ? 'error' : n % 4 === 0 ? 'timeout' : undefined),
      holdMs: 1_200,
    });
    const lifecycle = new InstanceLifecycle({
      repository: new SqlInstanceRepository(store.db, TEST_DATA_KEYS),
      provisioner: fakeProvisioner().provisioner,
      now: () => clock.now,
    });
    for (let i = 0; i < INSTANCES; i++) await lifecycle.create({ orderId: `CSPPU${i}`, orderLineId: `CSPPU${i}-000001`, businessId: `ppu-${i}`, test: false });
  });
  afterAll(async () => {
    await marketplace.close();
    await store.dispose();
  });

  it(`delivers ${EVENTS} events of ${INSTANCES} instances over ${HOURS} hours exactly once, in batches of at most 250`, async () => {
    clock.now = T0 + HOURS * HOUR + 10 * 60_000;
    const meter = new UsageMeter({ db: store.db, now: () => clock.now, batchSize: 250, retryBaseMs: 1_000, retryCapMs: 60_000 });
    const api = new MarketplaceApi({ hosts: [marketplace.url], ...MARKETPLACE_KEYS, timeoutMs: 1_000, retries: 0, now: () => clock.now });
    const expected = new Map<string, bigint>();
    for (let start = 0; start < EVENTS; start += 1000) {
      const events = Array.from({ length: 1000 }, (_, k) => {
        const i = start + k;
        const instanceId = `ppu-${i % INSTANCES}`;
        const occurredAt = T0 + Math.floor((i / EVENTS) * HOURS * HOUR);
        const units = BigInt((i * 7919) % 99_999) + 1n;
        const window = Math.floor(occurredAt / HOUR) * HOUR;
        const key = `${instanceId}|${new Date(window).toISOString()}`;
        expected.set(key, (expected.get(key) ?? 0n) + units);
        return { eventId: `evt-${i}`, instanceId, quantity: `${units / 10_000n}.${String(units % 10_000n).padStart(4, '0')}`, occurredAt };
      });
      const results = await meter.record(events);
      expect(results.every((r) => r.status === 'recorded')).toBe(true);
    }
    await meter.aggregate();
    let rounds = 0;
    for (; rounds < 200 && (await meter.status()).counts.pending > 0; rounds++) {
      await meter.deliver((records, signal) => api.pushUsage(records, signal));
      clock.now += 61_000;
    }
    const status = await meter.status({ limit: 1000 });
    expect(status.counts).toEqual({ pending: 0, sent: expected.size, rejected: 0, expired: 0 });
    expect(marketplace.state.violations).toEqual([]);
    expect(marketplace.state.conflicts).toEqual([]);
    expect(marketplace.state.usage.size).toBe(expected.size);
    expect(Math.max(...marketplace.state.pushes.map((p) => p.records))).toBeLessThanOrEqual(250);
    expect(marketplace.state.pushes.some((p) => p.fault === 'error')).toBe(true);
    // A timed-out push was billed, then sent again: the marketplace saw those records twice and billed them once.
    expect(marketplace.state.pushes.some((p) => p.fault === 'timeout')).toBe(true);
    expect(marketplace.state.resent).toBeGreaterThan(0);

    const billed = new Map<string, bigint>();
    for (const { record, sdr } of marketplace.state.usage.values()) {
      expect(sdr).toEqual({ state: 'valid' });
      const begin = record.begin_time.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6.000Z');
      expect(Date.parse(record.end_time.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z')) - Date.parse(begin)).toBe(HOUR);
      const [whole, fraction = ''] = record.usage_value.split('.');
      billed.set(`${record.instance_id}|${begin}`, BigInt(whole!) * 10_000n + BigInt(fraction.padEnd(4, '0')));
    }
    expect(billed).toEqual(expected);
    if (process.env.USAGE_REPORT)
      console.log({
        records: expected.size,
        pushes: marketplace.state.pushes.length,
        resent: marketplace.state.resent,
        calls: marketplace.state.calls.get('pushUsage'),
        rounds,
      });
  }, 60_000);
});
