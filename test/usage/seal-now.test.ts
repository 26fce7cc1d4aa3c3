import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UsageRecordWire } from '../../src/usage/push.js';
import type { UsageMeter } from '../../src/usage/meter.js';
import { DIALECTS, type TestStore, openTestStore } from '../support/stores.js';
import { type Clock, DAY, HOUR, MINUTE, T0, addInstance, meterOn, usageRows } from './helpers.js';

// Seal now (docs/decisions.md#25): an open window is sealed early into a record that ends at the current second; its
// rest stays a window of its own, so usage recorded later is neither lost nor reported in a later hour.
describe.each(DIALECTS)('seal now on %s', (dialect) => {
  let store: TestStore;
  let meter: UsageMeter;
  const clock: Clock = { now: 0 };
  let n = 0;
  const use = (instanceId: string, quantity: string, occurredAt: number) => meter.record([{ eventId: `s-${++n}`, instanceId, quantity, occurredAt }]);
  const records = async (instanceId?: string) =>
    (await meter.status({ limit: 1000, ...(instanceId ? { instanceId } : {}) })).records
      .map((r) => [r.instanceId, r.beginTime, r.endTime, r.recordTime, r.usageValue])
      .sort((a, b) => String(a[0]! + a[1]).localeCompare(String(b[0]! + b[1])));

  beforeEach(async () => {
    store = await openTestStore(dialect);
    clock.now = T0;
    await addInstance(store.db, 'inst-a', { createdAt: T0 - DAY });
    await addInstance(store.db, 'inst-b', { createdAt: T0 - DAY });
    meter = meterOn(store.db, clock);
  });
  afterEach(async () => store.dispose());

  it('seals the open window into a record ending now; what comes later in that hour goes into the rest of it', async () => {
    clock.now = T0 + 20 * MINUTE;
    await use('inst-a', '1.5', T0 + 10 * MINUTE);
    clock.now = T0 + 25 * MINUTE + 400;
    expect(await meter.sealNow({ instanceId: 'inst-a' })).toEqual({ sealed: 1, moved: 0, unbillable: 0, pending: 1 });
    expect(await records()).toEqual([['inst-a', '20260302T000000Z', '20260302T002500Z', '20260302T002500Z', '1.5']]);

    clock.now = T0 + 40 * MINUTE;
    await use('inst-a', '2', T0 + 30 * MINUTE);
    await use('inst-a', '4', T0 + 20 * MINUTE); // happened before the seal, reported after it
    clock.now = T0 + HOUR + 4 * MINUTE;
    expect(await meter.aggregate()).toEqual({ sealed: 0, moved: 0, unbillable: 0 });
    clock.now = T0 + HOUR + 5 * MINUTE;
    expect(await meter.aggregate()).toEqual({ sealed: 1, moved: 2, unbillable: 0 });
    expect(await records()).toEqual([
      ['inst-a', '20260302T000000Z', '20260302T002500Z', '20260302T002500Z', '1.5'],
      ['inst-a', '20260302T002500Z', '20260302T010000Z', '20260302T010500Z', '6'],
    ]);
    const { records: rows } = await usageRows(store.db);
    expect(rows.map((r) => [r.window_start, r.window_end]).sort()).toEqual([
      [T0, T0 + HOUR],
      [T0 + 25 * MINUTE, T0 + HOUR],
    ]);
  });

  it('seals twice in one hour, then the rest: three records whose spans follow each other', async () => {
    clock.now = T0 + 10 * MINUTE;
    await use('inst-a', '1', T0 + 5 * MINUTE);
    await meter.sealNow();
    clock.now = T0 + 20 * MINUTE;
    await use('inst-a', '2', T0 + 15 * MINUTE);
    expect((await meter.sealNow()).sealed).toBe(1);
    clock.now = T0 + 30 * MINUTE;
    await use('inst-a', '4', T0 + 25 * MINUTE);
    clock.now = T0 + 2 * HOUR;
    await meter.aggregate();
    expect(await records()).toEqual([
      ['inst-a', '20260302T000000Z', '20260302T001000Z', '20260302T001000Z', '1'],
      ['inst-a', '20260302T001000Z', '20260302T002000Z', '20260302T002000Z', '2'],
      ['inst-a', '20260302T002000Z', '20260302T010000Z', '20260302T020000Z', '4'],
    ]);
  });

  it('of one instance leaves the others open, and seals a window in its grace period whole', async () => {
    clock.now = T0 + 30 * MINUTE;
    await use('inst-a', '1', T0 + 10 * MINUTE);
    await use('inst-b', '2', T0 + 10 * MINUTE);
    clock.now = T0 + HOUR + 2 * MINUTE; // the hour ended, its grace has not
    await use('inst-a', '3', T0 + HOUR + MINUTE);
    expect((await meter.sealNow({ instanceId: 'inst-a' })).sealed).toBe(2);
    expect(await records()).toEqual([
      ['inst-a', '20260302T000000Z', '20260302T010000Z', '20260302T010200Z', '1'],
      ['inst-a', '20260302T010000Z', '20260302T010200Z', '20260302T010200Z', '3'],
    ]);
    expect((await meter.status({ instanceId: 'inst-b' })).openEvents).toBe(1);
    expect((await meter.sealNow()).sealed).toBe(1);
    expect(await records('inst-b')).toEqual([['inst-b', '20260302T000000Z', '20260302T010000Z', '20260302T010200Z', '2']]);
  });

  it('keeps a window open when it began within the current second: a record needs a whole second', async () => {
    await addInstance(store.db, 'inst-new', { createdAt: T0 + 10 * MINUTE + 200 });
    clock.now = T0 + 10 * MINUTE + 900;
    await use('inst-new', '1', T0 + 10 * MINUTE + 300);
    expect(await meter.sealNow({ instanceId: 'inst-new' })).toMatchObject({ sealed: 0, pending: 0 });
    clock.now = T0 + 10 * MINUTE + 2_000;
    expect(await meter.sealNow({ instanceId: 'inst-new' })).toMatchObject({ sealed: 1, pending: 1 });
    expect(await records('inst-new')).toEqual([['inst-new', '20260302T001001Z', '20260302T001002Z', '20260302T001002Z', '1']]);
  });

  it('bills usage reported after the seal of an instance released within the same hour, up to the release', async () => {
    clock.now = T0 + 10 * MINUTE;
    await use('inst-a', '1', T0 + 5 * MINUTE);
    await meter.sealNow();
    clock.now = T0 + 20 * MINUTE;
    await use('inst-a', '2', T0 + 15 * MINUTE);
    await store.db
      .updateTable('instances')
      .set({ status: 'RELEASED', updated_at: T0 + 30 * MINUTE })
      .where('instance_id', '=', 'inst-a')
      .execute();
    clock.now = T0 + 40 * MINUTE;
    expect((await use('inst-a', '4', T0 + 25 * MINUTE))[0]).toMatchObject({ status: 'recorded' });
    clock.now = T0 + 2 * HOUR;
    expect(await meter.aggregate()).toEqual({ sealed: 1, moved: 2, unbillable: 0 });
    expect(await records()).toEqual([
      ['inst-a', '20260302T000000Z', '20260302T001000Z', '20260302T001000Z', '1'],
      ['inst-a', '20260302T001000Z', '20260302T003000Z', '20260302T020000Z', '6'],
    ]);
  });

  it('pushes what it sealed at once when the meter pushes, and says what is still pending', async () => {
    const pushed: UsageRecordWire[][] = [];
    const stop = meter.start({ intervalMs: 3_600_000, pushUsage: async (batch) => (pushed.push(batch), { kind: 'accepted' }) });
    try {
      await new Promise((resolve) => setTimeout(resolve, 50)); // the loop's first tick, with nothing to do
      clock.now = T0 + 10 * MINUTE;
      await use('inst-a', '7.25', T0 + 5 * MINUTE);
      const report = await meter.sealNow({ instanceId: 'inst-a' });
      expect(report).toMatchObject({ sealed: 1, pending: 0, delivery: { sent: 1, calls: 1 } });
      expect(pushed.flat()).toEqual([expect.objectContaining({ instance_id: 'inst-a', usage_value: '7.25', end_time: '20260302T001000Z' })]);
    } finally {
      await stop();
    }
    clock.now = T0 + 20 * MINUTE;
    await use('inst-a', '1', T0 + 15 * MINUTE);
    expect(await meter.sealNow()).toEqual({ sealed: 1, moved: 1, unbillable: 0, pending: 1 });
  });
});
