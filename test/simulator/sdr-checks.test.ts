import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MarketplaceApi } from '../../src/marketplace/client.js';
import { type SdrContext, type UsageInstanceView, checkUsageRecord, parseUsageTime } from '../../src/simulator/sdr-checks.js';
import type { UsageRecordWire } from '../../src/usage/push.js';
import { MARKETPLACE_KEYS, startMarketplace } from '../support/marketplace-server.js';

// The marketplace's background check of usage records (SDR codes, docs/decisions.md#13): first the rules one by one, then the
// whole path — the push is accepted at once, its records stay `pending` until the check runs, then `valid` or
// `invalid` with their code.
const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const wire = (at: number) =>
  new Date(at)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

const INSTANCES: Record<string, UsageInstanceView> = {
  'ppu-1': { createdAt: NOW - 30 * DAY, chargingMode: 'ON_DEMAND', state: 'running', seller: 'self', productId: 'OFFI-LISTED' },
  'pkg-1': { createdAt: NOW - 30 * DAY, chargingMode: 'ON_DEMAND_PKG', state: 'running', seller: 'self', productId: 'OFFI-LISTED' },
  'other-1': { createdAt: NOW - 30 * DAY, chargingMode: 'ON_DEMAND', state: 'running', seller: 'other' },
  'period-1': { createdAt: NOW - 30 * DAY, chargingMode: 'PERIOD', state: 'running', seller: 'self' },
  'failed-1': { createdAt: NOW - 30 * DAY, chargingMode: 'ON_DEMAND', state: 'failed', seller: 'self' },
  'frozen-1': { createdAt: NOW - 30 * DAY, chargingMode: 'ON_DEMAND', state: 'frozen', frozenAt: NOW - 3 * HOUR, seller: 'self' },
  'young-1': { createdAt: NOW - 90 * 60_000, chargingMode: 'ON_DEMAND', state: 'running', seller: 'self' },
  'released-1': { createdAt: NOW - 30 * DAY, releasedAt: NOW - 150 * 60_000, chargingMode: 'ON_DEMAND', state: 'released', seller: 'self' },
  'delisted-1': { createdAt: NOW - 30 * DAY, chargingMode: 'ON_DEMAND', state: 'running', seller: 'self', productId: 'OFFI-DELISTED' },
};
const context: SdrContext = { now: NOW, instanceOf: (id) => INSTANCES[id], productDelisted: (id) => id === 'OFFI-DELISTED' };
const record = (over: Partial<UsageRecordWire> = {}): UsageRecordWire => ({
  instance_id: 'ppu-1',
  record_time: wire(NOW - 50 * 60_000),
  begin_time: wire(NOW - 2 * HOUR),
  end_time: wire(NOW - HOUR),
  usage_value: '12.5',
  metering_sn: 'sn-1',
  ...over,
});

describe('the SDR check of one record', () => {
  it.each([
    ['a correct record', record(), {}, undefined],
    ['a package record naming its package', record({ relate_pkg_instance: 'pkg-1' }), {}, undefined],
    ['a blank metering_sn', record({ metering_sn: ' ' }), {}, '004'],
    ['a metering_sn sent before with other content', record(), { snReused: true }, '005'],
    ['a date that does not exist', record({ begin_time: '20260231T010000Z' }), {}, '002'],
    ['an hour 24', record({ end_time: '20261121T240000Z' }), {}, '002'],
    ['a usage of 0', record({ usage_value: '0' }), {}, '003'],
    ['five decimals', record({ usage_value: '1.00001' }), {}, '003'],
    ['an unknown instance', record({ instance_id: 'nobody' }), {}, '001'],
    ['an unknown package instance', record({ relate_pkg_instance: 'nobody' }), {}, '001'],
    ["another seller's instance", record({ instance_id: 'other-1' }), {}, '009'],
    ['a delisted product', record({ instance_id: 'delisted-1' }), {}, '006'],
    ['a yearly instance', record({ instance_id: 'period-1' }), {}, '012'],
    ['a package that is not a package', record({ relate_pkg_instance: 'ppu-1' }), {}, '012'],
    ['an instance whose order failed', record({ instance_id: 'failed-1' }), {}, '013'],
    ['usage after the freeze', record({ instance_id: 'frozen-1' }), {}, '013'],
    ['usage before the instance existed', record({ instance_id: 'young-1' }), {}, '011'],
    ['usage after the release', record({ instance_id: 'released-1' }), {}, '011'],
    ['begin after end', record({ begin_time: wire(NOW - HOUR), end_time: wire(NOW - 2 * HOUR) }), {}, '011'],
    ['end after record_time', record({ record_time: wire(NOW - 2 * HOUR) }), {}, '011'],
    ['a record_time in the future', record({ record_time: wire(NOW + HOUR) }), {}, '011'],
    ['a begin_time 22 days ago', record({ begin_time: wire(NOW - 22 * DAY), end_time: wire(NOW - 22 * DAY + HOUR) }), {}, '007'],
    ['a second record of the same window', record({ metering_sn: 'sn-2' }), { sameWindowAs: 'sn-1' }, '010'],
  ] as const)('%s → %s', (_name, input, extra, code) => {
    const verdict = checkUsageRecord(input, { ...context, ...extra });
    expect(verdict.state === 'invalid' ? verdict.code : undefined).toBe(code);
    if (verdict.state === 'invalid') expect(verdict.reason.length).toBeGreaterThan(10);
  });

  it('without known instances (the bare Open API double) the instance checks are skipped', () => {
    expect(checkUsageRecord(record({ instance_id: 'nobody' }), { now: NOW })).toEqual({ state: 'valid' });
  });

  it('reads only real UTC times', () => {
    expect(parseUsageTime('20261121T120000Z')).toBe(NOW);
    expect(parseUsageTime('20261321T120000Z')).toBeUndefined();
    expect(parseUsageTime('2026-11-21T12:00:00Z')).toBeUndefined();
  });
});

describe('usage pushed to the marketplace side: pending, then checked in the background', () => {
  let marketplace: Awaited<ReturnType<typeof startMarketplace>>;
  const waiting: (() => void)[] = [];
  const runChecks = async () => {
    for (const wake of waiting.splice(0)) wake();
    await new Promise((resolve) => setImmediate(resolve));
  };

  beforeAll(async () => {
    marketplace = await startMarketplace({
      now: () => NOW,
      usageChecks: {
        instanceOf: (id) => INSTANCES[id],
        productDelisted: (id) => id === 'OFFI-DELISTED',
        delayMs: 120_000,
        sleep: () => new Promise<void>((resolve) => waiting.push(resolve)),
      },
    });
  });
  afterAll(() => marketplace.close());

  it('accepts the push at once (MKT.0000), keeps every record pending, then gives each its verdict', async () => {
    const api = new MarketplaceApi({ hosts: [marketplace.url], ...MARKETPLACE_KEYS, now: () => NOW, retries: 0 });
    const records = [
      record({ metering_sn: 'ok-1' }),
      record({ metering_sn: 'unknown-1', instance_id: 'nobody' }),
      record({ metering_sn: 'period-1', instance_id: 'period-1' }),
      record({ metering_sn: 'ok-1-again', begin_time: record().begin_time }),
    ];
    expect(await api.pushUsage(records)).toEqual({ kind: 'accepted' });
    const states = () =>
      Object.fromEntries([...marketplace.state.usage.values()].map((u) => [u.record.metering_sn, u.sdr.state === 'invalid' ? u.sdr.code : u.sdr.state]));
    expect(states()).toEqual({ 'ok-1': 'pending', 'unknown-1': 'pending', 'period-1': 'pending', 'ok-1-again': 'pending' });
    await runChecks();
    expect(states()).toEqual({ 'ok-1': 'valid', 'unknown-1': '001', 'period-1': '012', 'ok-1-again': '010' });

    // The same metering_sn with other content: billed once; the second one is an SDR of its own, invalid 005.
    expect(await api.pushUsage([record({ metering_sn: 'ok-1', usage_value: '99' })])).toEqual({ kind: 'accepted' });
    await runChecks();
    expect(marketplace.state.duplicates.map((d) => d.sdr)).toEqual([{ state: 'invalid', code: '005', reason: expect.stringContaining('ok-1') }]);
    expect(marketplace.state.usage.get('ok-1')!.record.usage_value).toBe('12.5');
    expect(marketplace.state.violations).toEqual([]);
  });
});
