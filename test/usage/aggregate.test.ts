import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UsageMeter } from '../../src/usage/meter.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { DAY, HOUR, MINUTE, T0, addInstance, type Clock, meterOn, usageRows } from './helpers.js';

describe.each(DIALECTS)('sealing billing windows on %s', (dialect) => {
  let store: TestStore;
  let meter: UsageMeter;
  const clock: Clock = { now: 0 };
  let n = 0;
  const use = (instanceId: string, quantity: string, occurredAt: number, packageInstanceId?: string) =>
    meter.record([{ eventId: `e-${++n}`, instanceId, quantity, occurredAt, ...(packageInstanceId ? { packageInstanceId } : {}) }]);
  const records = async () =>
    (await meter.status({ limit: 1000 })).records.sort((a, b) => (a.instanceId + a.beginTime).localeCompare(b.instanceId + b.beginTime));

  beforeEach(async () => {
    store = await openTestStore(dialect);
    clock.now = T0;
    await addInstance(store.db, 'inst-a', { createdAt: T0 - DAY });
    meter = meterOn(store.db, clock);
  });
  afterEach(async () => store.dispose());

  it('seals a window once its grace period has passed, into one record with the exact sum', async () => {
    clock.now = T0 + 50 * MINUTE;
    for (const quantity of ['0.1', '0.1', '0.1', '1.0001']) await use('inst-a', quantity, T0 + 10 * MINUTE);
    clock.now = T0 + HOUR + 5 * MINUTE - 1;
    expect(await meter.aggregate()).toEqual({ sealed: 0, moved: 0, unbillable: 0 });
    clock.now = T0 + HOUR + 5 * MINUTE + 300;
    expect(await meter.aggregate()).toEqual({ sealed: 1, moved: 0, unbillable: 0 });
    expect(await records()).toMatchObject([
      {
        instanceId: 'inst-a',
        beginTime: '20260302T000000Z',
        endTime: '20260302T010000Z',
        recordTime: '20260302T010500Z',
        usageValue: '1.3001',
        state: 'pending',
        attempts: 0,
      },
    ]);
    const { events } = await usageRows(store.db);
    expect(new Set(events.map((event) => event.metering_sn))).toEqual(new Set([(await records())[0]!.meteringSn]));
  });

  it('keeps the metering_sn of a sealed window: aggregating again makes nothing new', async () => {
    await use('inst-a', '2', T0);
    clock.now = T0 + 2 * HOUR;
    await meter.aggregate();
    const before = await usageRows(store.db);
    expect(await meter.aggregate()).toEqual({ sealed: 0, moved: 0, unbillable: 0 });
    expect(await usageRows(store.db)).toEqual(before);
    expect(before.records[0]!.metering_sn).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('makes one record per instance, package and window, and none for a window without usage', async () => {
    await addInstance(store.db, 'inst-b', { createdAt: T0 - DAY });
    clock.now = T0 + 3 * HOUR;
    await use('inst-a', '1', T0 + MINUTE);
    await use('inst-a', '2', T0 + 2 * MINUTE, 'pkg-1');
    await use('inst-a', '4', T0 + 2 * HOUR + MINUTE);
    await use('inst-b', '8', T0 + 2 * MINUTE);
    clock.now = T0 + 4 * HOUR;
    expect((await meter.aggregate()).sealed).toBe(4);
    expect((await records()).map((r) => [r.instanceId, r.packageInstanceId, r.beginTime, r.usageValue])).toEqual([
      ['inst-a', undefined, '20260302T000000Z', '1'],
      ['inst-a', 'pkg-1', '20260302T000000Z', '2'],
      ['inst-a', undefined, '20260302T020000Z', '4'],
      ['inst-b', undefined, '20260302T000000Z', '8'],
    ]);
  });

  it('begins no earlier than the instance was created and ends no later than its release, in whole seconds', async () => {
    await addInstance(store.db, 'inst-new', { createdAt: T0 + 20 * MINUTE + 1_500 });
    await addInstance(store.db, 'inst-gone', { createdAt: T0 - DAY, releasedAt: T0 + 40 * MINUTE + 2_700 });
    clock.now = T0 + 50 * MINUTE;
    await use('inst-new', '1', T0 + 30 * MINUTE);
    await use('inst-gone', '1', T0 + 30 * MINUTE);
    clock.now = T0 + 2 * HOUR;
    await meter.aggregate();
    expect((await records()).map((r) => [r.instanceId, r.beginTime, r.endTime])).toEqual([
      ['inst-gone', '20260302T000000Z', '20260302T004002Z'],
      ['inst-new', '20260302T002002Z', '20260302T010000Z'],
    ]);
  });

  it('puts an event that comes after its window was sealed into the earliest window not sealed, keeping its occurredAt', async () => {
    clock.now = T0 + 30 * MINUTE;
    await use('inst-a', '1', T0 + 10 * MINUTE);
    clock.now = T0 + 90 * MINUTE;
    await use('inst-a', '2', T0 + 80 * MINUTE);
    clock.now = T0 + 2 * HOUR + 10 * MINUTE; // windows 0 and 1 sealed
    await meter.aggregate();
    await use('inst-a', '4', T0 + 20 * MINUTE); // late for window 0; window 1 is sealed too; window 2 is open
    expect(await meter.aggregate()).toEqual({ sealed: 0, moved: 1, unbillable: 0 });
    clock.now = T0 + 3 * HOUR + 5 * MINUTE;
    expect((await meter.aggregate()).sealed).toBe(1);
    expect((await records()).map((r) => [r.beginTime, r.usageValue])).toEqual([
      ['20260302T000000Z', '1'],
      ['20260302T010000Z', '2'],
      ['20260302T020000Z', '4'],
    ]);
    const late = (await usageRows(store.db)).events.find((event) => event.quantity === 40_000)!;
    expect(late).toMatchObject({ occurred_at: T0 + 20 * MINUTE, window_start: T0 + 2 * HOUR });
  });

  it('seals a late event at once into an earlier window that had no usage', async () => {
    clock.now = T0 + 30 * MINUTE;
    await use('inst-a', '1', T0 + 10 * MINUTE);
    clock.now = T0 + 3 * HOUR + 10 * MINUTE;
    await meter.aggregate();
    await use('inst-a', '2', T0 + 50 * MINUTE); // window 0 sealed, window 1 (empty) never sealed
    expect(await meter.aggregate()).toEqual({ sealed: 1, moved: 1, unbillable: 0 });
    expect((await records()).map((r) => [r.beginTime, r.endTime, r.usageValue, r.recordTime])).toEqual([
      ['20260302T000000Z', '20260302T010000Z', '1', '20260302T031000Z'],
      ['20260302T010000Z', '20260302T020000Z', '2', '20260302T031000Z'],
    ]);
  });

  it('keeps a late event that no window within the instance life can carry out of every record, and says so', async () => {
    clock.now = T0 + 30 * MINUTE;
    await use('inst-a', '1', T0 + 10 * MINUTE);
    clock.now = T0 + HOUR + 10 * MINUTE;
    await meter.aggregate();
    await use('inst-a', '2', T0 + 20 * MINUTE);
    await store.db
      .updateTable('instances')
      .set({ status: 'RELEASED', updated_at: T0 + HOUR })
      .where('instance_id', '=', 'inst-a')
      .execute();
    expect(await meter.aggregate()).toEqual({ sealed: 0, moved: 0, unbillable: 1 });
    expect(await meter.status()).toMatchObject({ openEvents: 0, unbillableEvents: 1, counts: { pending: 1 } });
    expect((await meter.usageInfo(['inst-a'])).get('inst-a')).toMatchObject([{ usageValue: '1' }]);
  });

  it('seals daily windows at midnight Beijing time when configured so', async () => {
    const daily = meterOn(store.db, clock, { window: 'daily' });
    clock.now = T0 + 20 * HOUR;
    await daily.record([
      { eventId: 'd-1', instanceId: 'inst-a', quantity: '1', occurredAt: T0 + 15 * HOUR }, // 2 March, 23:00 Beijing
      { eventId: 'd-2', instanceId: 'inst-a', quantity: '2', occurredAt: T0 + 17 * HOUR }, // 3 March, 01:00 Beijing
    ]);
    clock.now = T0 + 16 * HOUR + 5 * MINUTE;
    expect((await daily.aggregate()).sealed).toBe(1);
    clock.now = T0 + 40 * HOUR + 5 * MINUTE;
    expect((await daily.aggregate()).sealed).toBe(1);
    expect((await records()).map((r) => [r.beginTime, r.endTime, r.usageValue])).toEqual([
      ['20260301T160000Z', '20260302T160000Z', '1'],
      ['20260302T160000Z', '20260303T160000Z', '2'],
    ]);
  });

  it('makes one record per window when two meters aggregate the same store at once, while events keep coming', async () => {
    const instances = ['inst-a', 'inst-b', 'inst-c'];
    for (const id of instances.slice(1)) await addInstance(store.db, id, { createdAt: T0 - DAY });
    const other = meterOn(store.db, clock);
    let expected = 0n;
    clock.now = T0 + 6 * HOUR;
    const events = [];
    for (let i = 0; i < 600; i += 1) {
      events.push({ eventId: `c-${i}`, instanceId: instances[i % 3]!, quantity: `${i % 7}.${i % 10}1`, occurredAt: T0 + ((i * 37) % 360) * MINUTE });
      expected += BigInt(Math.round(Number(`${i % 7}.${i % 10}1`) * 10_000));
    }
    clock.now = T0 + 7 * HOUR;
    await Promise.all([
      meter.record(events.slice(0, 300)),
      meter.aggregate(),
      other.aggregate(),
      other.record(events.slice(300)),
      meter.aggregate(),
      other.aggregate(),
    ]);
    // An event recorded just after its window was sealed went on to window 6: seal that one too.
    clock.now = T0 + 8 * HOUR;
    await Promise.all([meter.aggregate(), other.aggregate()]);
    const { events: rows, records: sealed } = await usageRows(store.db);
    expect(sealed.length).toBeGreaterThanOrEqual(18);
    expect(new Set(sealed.map((r) => `${r.instance_id} ${r.window_start}`)).size).toBe(sealed.length);
    expect(rows.every((event) => event.metering_sn !== null)).toBe(true);
    expect(sealed.reduce((sum, r) => sum + BigInt(r.usage), 0n)).toBe(expected);
    for (const record of sealed) {
      const marked = rows.filter((event) => event.metering_sn === record.metering_sn).reduce((sum, event) => sum + BigInt(event.quantity), 0n);
      expect(marked).toBe(BigInt(record.usage));
    }
  });
});
