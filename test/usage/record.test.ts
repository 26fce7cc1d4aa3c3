import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UsageMeter } from '../../src/usage/meter.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { DAY, HOUR, MINUTE, T0, addInstance, type Clock, meterOn, usageRows } from './helpers.js';

describe.each(DIALECTS)('recording usage on %s', (dialect) => {
  let store: TestStore;
  let meter: UsageMeter;
  const clock: Clock = { now: 0 };

  beforeEach(async () => {
    store = await openTestStore(dialect);
    clock.now = T0 + 2 * HOUR;
    await addInstance(store.db, 'inst-a', { createdAt: T0 - 30 * DAY });
    await addInstance(store.db, 'inst-late', { createdAt: T0 + 30 * MINUTE });
    await addInstance(store.db, 'inst-gone', { createdAt: T0 - DAY, releasedAt: T0 + HOUR });
    await addInstance(store.db, 'inst-edge', { createdAt: T0 + HOUR - 500 });
    meter = meterOn(store.db, clock);
  });
  afterEach(async () => store.dispose());

  it('records an event once: a resend with the same content is a duplicate and counts nothing again', async () => {
    const event = { eventId: 'e-1', instanceId: 'inst-a', quantity: '2.5', occurredAt: T0 + 90 * MINUTE };
    expect(await meter.record([event])).toEqual([{ eventId: 'e-1', status: 'recorded', code: '000000' }]);
    expect(await meter.record([event, { ...event, quantity: 2.5 }])).toEqual([
      { eventId: 'e-1', status: 'duplicate', code: '000000' },
      { eventId: 'e-1', status: 'duplicate', code: '000000' },
    ]);
    const { events } = await usageRows(store.db);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ quantity: 25_000, occurred_at: T0 + 90 * MINUTE, window_start: T0 + HOUR, metering_sn: null });
  });

  it('takes a resend without occurredAt as the same event, whatever the time now', async () => {
    expect(await meter.record([{ eventId: 'e-1', instanceId: 'inst-a', quantity: 1 }])).toMatchObject([{ status: 'recorded' }]);
    clock.now += MINUTE;
    expect(await meter.record([{ eventId: 'e-1', instanceId: 'inst-a', quantity: 1 }])).toMatchObject([{ status: 'duplicate' }]);
    expect(await meter.record([{ eventId: 'e-1', instanceId: 'inst-a', quantity: 1, occurredAt: T0 }])).toMatchObject([{ status: 'duplicate' }]);
    expect((await usageRows(store.db)).events[0]).toMatchObject({ occurred_at: T0 + 2 * HOUR, occurred_at_given: 0 });
  });

  it.each([
    ['quantity', { quantity: '3' }],
    ['instance', { instanceId: 'inst-late' }],
    ['package', { packageInstanceId: 'pkg-1' }],
    ['occurredAt', { occurredAt: T0 + 91 * MINUTE }],
  ])('refuses an eventId reused with another %s (000002)', async (_what, change) => {
    const event = { eventId: 'e-1', instanceId: 'inst-a', quantity: '2', occurredAt: T0 + 90 * MINUTE };
    await meter.record([event]);
    expect(await meter.record([{ ...event, ...change }])).toEqual([
      { eventId: 'e-1', status: 'refused', code: '000002', message: 'eventId reused with different content' },
    ]);
    expect((await usageRows(store.db)).events).toHaveLength(1);
  });

  it('refuses the second of two events with one id and different content in the same call', async () => {
    const event = { eventId: 'e-1', instanceId: 'inst-a', quantity: '2' };
    expect(await meter.record([event, { ...event, quantity: '3' }])).toMatchObject([
      { status: 'recorded' },
      { status: 'refused', code: '000002', message: 'eventId reused with different content' },
    ]);
  });

  const good = { eventId: 'e-9', instanceId: 'inst-a', quantity: '1' };
  it.each([
    ['no eventId', { eventId: undefined }, '000002', /eventId must be/],
    ['an empty eventId', { eventId: '' }, '000002', /eventId must be/],
    ['an eventId of 129 characters', { eventId: 'x'.repeat(129) }, '000002', /eventId must be/],
    ['no instanceId', { instanceId: undefined }, '000002', /instanceId must be/],
    ['an instanceId of 65 characters', { instanceId: 'i'.repeat(65) }, '000002', /instanceId must be/],
    ['an empty packageInstanceId', { packageInstanceId: '' }, '000002', /packageInstanceId/],
    ['a numeric packageInstanceId', { packageInstanceId: 7 }, '000002', /packageInstanceId/],
    ['no quantity', { quantity: undefined }, '000002', /quantity must be/],
    ['a zero quantity', { quantity: '0' }, '000002', /greater than 0/],
    ['a negative quantity', { quantity: -1 }, '000002', /plain positive decimal/],
    ['5 decimals', { quantity: '0.00001' }, '000002', /more than 4 decimals/],
    ['a quantity over 99999999.9999', { quantity: '100000000' }, '000002', /larger than/],
    ['a fractional occurredAt', { occurredAt: T0 + 0.5 }, '000002', /epoch milliseconds/],
    ['an occurredAt in text', { occurredAt: '2026-03-02T01:00:00Z' }, '000002', /epoch milliseconds/],
    ['an unknown instance', { instanceId: 'nobody' }, '000003', /not known to kgkit/],
    ['an occurredAt in the future beyond the skew', { occurredAt: T0 + 2 * HOUR + 2 * MINUTE + 1 }, '000002', /in the future/],
    ['an occurredAt more than 21 days ago', { occurredAt: T0 + 2 * HOUR - 21 * DAY - 1 }, '000002', /more than 21 days ago/],
    ['an occurredAt before the instance was created', { instanceId: 'inst-late', occurredAt: T0 + 29 * MINUTE }, '000002', /before the instance was created/],
    ['an occurredAt after the release', { instanceId: 'inst-gone', occurredAt: T0 + HOUR + 1 }, '000002', /after the instance was released/],
    ['an occurredAt at the release', { instanceId: 'inst-gone', occurredAt: T0 + HOUR }, '000002', /at or after the instance was released/],
    ['an occurredAt in the last second of a window the instance began in', { instanceId: 'inst-edge', occurredAt: T0 + HOUR - 200 }, '000002', /whole second/],
  ])('refuses an event with %s (%s), storing nothing', async (_what, change, code, message) => {
    const [result] = await meter.record([{ ...good, ...change } as never]);
    expect(result).toMatchObject({ status: 'refused', code });
    expect(result!.message).toMatch(message);
    expect(await usageRows(store.db)).toEqual({ events: [], records: [] });
  });

  it('accepts the edges: within the skew, at creation, a second before release, 21 days old to the millisecond', async () => {
    const results = await meter.record([
      { eventId: 'skew', instanceId: 'inst-a', quantity: '1', occurredAt: T0 + 2 * HOUR + 2 * MINUTE },
      { eventId: 'created', instanceId: 'inst-late', quantity: '1', occurredAt: T0 + 30 * MINUTE },
      { eventId: 'released', instanceId: 'inst-gone', quantity: '1', occurredAt: T0 + HOUR - 1_000 },
      { eventId: 'old', instanceId: 'inst-a', quantity: '1', occurredAt: T0 + 2 * HOUR - 21 * DAY },
    ]);
    expect(results.map((result) => result.status)).toEqual(['recorded', 'recorded', 'recorded', 'recorded']);
  });

  it('takes null for an optional field as leaving it out', async () => {
    const results = await meter.record([{ eventId: 'n', instanceId: 'inst-a', quantity: '1', occurredAt: null, packageInstanceId: null } as never]);
    expect(results).toEqual([{ eventId: 'n', status: 'recorded', code: '000000' }]);
    expect((await usageRows(store.db)).events[0]).toMatchObject({ package_instance_id: '', occurred_at: clock.now, occurred_at_given: 0 });
  });

  it.each([
    [{ batchSize: 0 }, /batchSize must be an integer from 1 to 1000/],
    [{ batchSize: 1001 }, /batchSize/],
    [{ graceMs: -1 }, /graceMs must be a non-negative integer/],
    [{ retryCapMs: 1.5 }, /retryCapMs/],
    [{ dailyUtcOffsetMinutes: 0.5 }, /dailyUtcOffsetMinutes must be an integer/],
  ])('refuses the meter option %j at start-up', (options, message) => {
    expect(() => meterOn(store.db, clock, options)).toThrow(message);
  });

  it('answers each event of a mixed call on its own, in order', async () => {
    const results = await meter.record([
      { eventId: 'ok-1', instanceId: 'inst-a', quantity: '1' },
      { eventId: 'bad', instanceId: 'nobody', quantity: '1' },
      { eventId: 'ok-2', instanceId: 'inst-a', quantity: '0.0001', packageInstanceId: 'pkg-1' },
    ]);
    expect(results.map((result) => [result.eventId, result.status, result.code])).toEqual([
      ['ok-1', 'recorded', '000000'],
      ['bad', 'refused', '000003'],
      ['ok-2', 'recorded', '000000'],
    ]);
  });

  it('refuses a call of more than 1000 events as a whole', async () => {
    const events = Array.from({ length: 1001 }, (_, i) => ({ eventId: `e-${i}`, instanceId: 'inst-a', quantity: '1' }));
    const results = await meter.record(events);
    expect(results).toHaveLength(1001);
    expect(new Set(results.map((result) => `${result.status} ${result.code} ${result.message}`))).toEqual(
      new Set(['refused 000002 a call records at most 1000 events (got 1001)']),
    );
    expect((await usageRows(store.db)).events).toHaveLength(0);
  });

  it('refuses usage that would take one window past 99999999.9999', async () => {
    const results = await meter.record([
      { eventId: 'big-1', instanceId: 'inst-a', quantity: '99999999' },
      { eventId: 'small', instanceId: 'inst-a', quantity: '0.9999' },
      { eventId: 'big-2', instanceId: 'inst-a', quantity: '0.0001' },
    ]);
    expect(results.map((result) => result.status)).toEqual(['recorded', 'recorded', 'refused']);
    expect(results[2]!.message).toMatch(/one billing window may not exceed 99999999.9999/);
  });

  it('refuses an instance whose order says it is not pay-per-use, and records when the lookup fails', async () => {
    const modes: Record<string, string | Error | undefined> = { 'inst-a': 'PERIOD', 'inst-late': 'ON_DEMAND_PKG', 'inst-gone': new Error('order query down') };
    const checked = meterOn(store.db, clock, {
      chargingModeOf: async (instanceId) => {
        const mode = modes[instanceId];
        if (mode instanceof Error) throw mode;
        return mode;
      },
    });
    const results = await checked.record([
      { eventId: 'a', instanceId: 'inst-a', quantity: '1' },
      { eventId: 'b', instanceId: 'inst-late', quantity: '1' },
      { eventId: 'c', instanceId: 'inst-gone', quantity: '1', occurredAt: T0 + 30 * MINUTE },
    ]);
    expect(results).toEqual([
      { eventId: 'a', status: 'refused', code: '000002', message: 'instance is not pay-per-use (charging mode PERIOD)' },
      { eventId: 'b', status: 'recorded', code: '000000' },
      { eventId: 'c', status: 'recorded', code: '000000' },
    ]);
  });

  it('refuses a late event of a released instance when no window within its life is left', async () => {
    await meter.record([{ eventId: 'on-time', instanceId: 'inst-gone', quantity: '1', occurredAt: T0 + 10 * MINUTE }]);
    expect((await meter.aggregate()).sealed).toBe(1);
    const [late] = await meter.record([{ eventId: 'late', instanceId: 'inst-gone', quantity: '1', occurredAt: T0 + 20 * MINUTE }]);
    expect(late).toMatchObject({ status: 'refused', code: '000002' });
    expect(late!.message).toMatch(/already reported and the instance was released since/);
  });

  it('counts concurrent resends of one event once', async () => {
    const event = { eventId: 'race', instanceId: 'inst-a', quantity: '1', occurredAt: T0 + HOUR };
    const other = meterOn(store.db, clock);
    const results = await Promise.all([meter.record([event]), other.record([event]), meter.record([event])]);
    expect(
      results
        .flat()
        .map((result) => result.status)
        .sort(),
    ).toEqual(['duplicate', 'duplicate', 'recorded']);
    expect((await usageRows(store.db)).events).toHaveLength(1);
  });
});
