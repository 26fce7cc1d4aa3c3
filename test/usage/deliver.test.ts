import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/log.js';
import type { UsageMeter } from '../../src/usage/meter.js';
import type { PushOutcome, PushUsage, UsageRecordWire } from '../../src/usage/push.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { DAY, HOUR, MINUTE, T0, addInstance, type Clock, meterOn, usageRows } from './helpers.js';

function recordingLogger() {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, ...(fields ? { fields } : {}) });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}

/** A PushUsage answering from a script; it keeps every batch it was sent. */
function scripted(answer: (records: UsageRecordWire[], call: number) => PushOutcome) {
  const batches: UsageRecordWire[][] = [];
  const push: PushUsage = async (records) => (batches.push(records), answer(records, batches.length));
  return { push, batches };
}
const accepted: PushOutcome = { kind: 'accepted' };
const refusedWith = (code: string, status = 500): PushOutcome => ({ kind: 'refused', status, code, message: `answer ${code}` });

describe.each(DIALECTS)('delivering usage records on %s', (dialect) => {
  let store: TestStore;
  let meter: UsageMeter;
  let log: ReturnType<typeof recordingLogger>;
  const clock: Clock = { now: 0 };

  /** One record per hour of inst-a (and every third hour one of pkg-1 too), all sealed and due. */
  async function seal(windows: number, meterToUse = meter) {
    const events = Array.from({ length: windows }, (_, i) => ({
      eventId: `e-${i}`,
      instanceId: 'inst-a',
      quantity: `${i + 1}.5`,
      occurredAt: T0 + i * HOUR + MINUTE,
    }));
    clock.now = T0 + windows * HOUR;
    for (let i = 0; i < events.length; i += 1000) await meterToUse.record(events.slice(i, i + 1000));
    clock.now += 10 * MINUTE;
    await meterToUse.aggregate();
  }
  const states = async () => (await usageRows(store.db)).records.sort((a, b) => a.begin_at - b.begin_at);

  beforeEach(async () => {
    store = await openTestStore(dialect);
    clock.now = T0;
    log = recordingLogger();
    await addInstance(store.db, 'inst-a', { createdAt: T0 - DAY });
    meter = meterOn(store.db, clock, { logger: log.logger });
  });
  afterEach(async () => store.dispose());

  it('sends due records oldest first, as wire records, and marks them sent once accepted', async () => {
    clock.now = T0 + 30 * MINUTE;
    await meter.record([
      { eventId: 'p', instanceId: 'inst-a', quantity: '0.25', occurredAt: T0 + MINUTE, packageInstanceId: 'pkg-1' },
      { eventId: 'q', instanceId: 'inst-a', quantity: '3', occurredAt: T0 + 2 * MINUTE },
    ]);
    clock.now = T0 + HOUR + 7 * MINUTE;
    await meter.aggregate();
    const marketplace = scripted(() => accepted);
    expect(await meter.deliver(marketplace.push)).toMatchObject({ calls: 1, batchSizes: [2], sent: 2, rejected: 0, retried: 0 });
    const [batch] = marketplace.batches;
    expect(batch!.map(({ metering_sn, ...rest }) => rest).sort((a, b) => a.usage_value.localeCompare(b.usage_value))).toEqual([
      {
        instance_id: 'inst-a',
        relate_pkg_instance: 'pkg-1',
        record_time: '20260302T010700Z',
        begin_time: '20260302T000000Z',
        end_time: '20260302T010000Z',
        usage_value: '0.25',
      },
      { instance_id: 'inst-a', record_time: '20260302T010700Z', begin_time: '20260302T000000Z', end_time: '20260302T010000Z', usage_value: '3' },
    ]);
    expect((await states()).map((r) => [r.state, r.attempts, r.sent_at, r.lease_owner])).toEqual([
      ['sent', 1, clock.now, null],
      ['sent', 1, clock.now, null],
    ]);
    expect(await meter.deliver(marketplace.push)).toMatchObject({ calls: 0 });
  });

  it('sends in batches of at most the batch size, oldest window first', async () => {
    const small = meterOn(store.db, clock, { batchSize: 3 });
    await seal(7, small);
    const marketplace = scripted(() => accepted);
    expect((await small.deliver(marketplace.push)).batchSizes).toEqual([3, 3, 1]);
    const begins = marketplace.batches.flat().map((record) => record.begin_time);
    expect(begins).toEqual([...begins].sort());
  });

  it.each([
    ['unreachable', { kind: 'unreachable', message: 'timeout after 10000 ms' } as PushOutcome, null, /timeout/],
    ['MKT.0999', refusedWith('MKT.0999'), 'MKT.0999', /HTTP 500 MKT.0999/],
    ['an undocumented code', refusedWith('MKT.4242', 400), 'MKT.4242', /HTTP 400 MKT.4242/],
  ])('keeps records pending after %s, with backoff and the error, and sends them once due', async (_what, outcome, code, error) => {
    await seal(2);
    const failing = scripted(() => outcome);
    expect(await meter.deliver(failing.push)).toMatchObject({ calls: 1, retried: 2, sent: 0 });
    const failedAt = clock.now;
    expect((await states()).map((r) => [r.state, r.attempts, r.next_attempt_at - failedAt, r.last_code])).toEqual([
      ['pending', 1, 22_500, code],
      ['pending', 1, 22_500, code],
    ]);
    expect((await states())[0]!.last_error).toMatch(error);
    clock.now = failedAt + 22_499;
    expect((await meter.deliver(scripted(() => accepted).push)).calls).toBe(0);
    clock.now = failedAt + 22_500;
    expect(await meter.deliver(scripted(() => accepted).push)).toMatchObject({ calls: 1, sent: 2 });
    expect((await states()).map((r) => [r.state, r.attempts, r.last_error])).toEqual([
      ['sent', 2, null],
      ['sent', 2, null],
    ]);
  });

  it('backs off longer after each failure, up to the cap', async () => {
    await seal(1);
    const failing = scripted(() => refusedWith('MKT.0999'));
    const waits: number[] = [];
    for (let attempt = 0; attempt < 7; attempt += 1) {
      await meter.deliver(failing.push);
      const [record] = await states();
      waits.push(record!.next_attempt_at - clock.now);
      clock.now = record!.next_attempt_at;
    }
    expect(waits).toEqual([22_500, 45_000, 90_000, 180_000, 360_000, 450_000, 450_000]);
  });

  it('treats a pushUsage that throws as unreachable', async () => {
    await seal(1);
    expect(await meter.deliver(async () => Promise.reject(new Error('socket hang up')))).toMatchObject({ calls: 1, retried: 1 });
    expect((await states())[0]).toMatchObject({ state: 'pending', attempts: 1, last_error: 'socket hang up' });
  });

  it.each(['MKT.0102', 'MKT.0151', 'MKT.0154', 'APIG.0301', 'APIGW.0101'])(
    'keeps records pending on the credential problem %s and logs an error',
    async (code) => {
      await seal(2);
      expect(await meter.deliver(scripted(() => refusedWith(code, 401)).push)).toMatchObject({ calls: 1, retried: 2 });
      expect((await states()).map((r) => [r.state, r.last_code])).toEqual([
        ['pending', code],
        ['pending', code],
      ]);
      expect(log.lines.find((line) => line.level === 'error')).toMatchObject({ fields: { code } });
    },
  );

  it('stops a run at the first failure, leaving the records it did not try untouched and due', async () => {
    const small = meterOn(store.db, clock, { batchSize: 2 });
    await seal(5, small);
    const flaky = scripted((_records, call) => (call === 2 ? refusedWith('MKT.0999') : accepted));
    expect(await small.deliver(flaky.push)).toMatchObject({ calls: 2, sent: 2, retried: 2 });
    expect((await states()).map((r) => [r.state, r.attempts])).toEqual([
      ['sent', 1],
      ['sent', 1],
      ['pending', 1],
      ['pending', 1],
      ['pending', 0],
    ]);
    expect(await small.deliver(scripted(() => accepted).push)).toMatchObject({ calls: 1, sent: 1 });
  });

  it('halves the batch on MKT.9003 and keeps the smaller size', async () => {
    await seal(8);
    const limited = scripted((records) => (records.length > 3 ? refusedWith('MKT.9003') : accepted));
    expect(await meter.deliver(limited.push)).toMatchObject({ batchSizes: [8, 4, 2, 2, 4, 2, 2], sent: 8 });
    await seal(16);
    const report = await meter.deliver(limited.push);
    expect(report.batchSizes).toEqual([2, 2, 2, 2]);
    expect(report.sent).toBe(8);
  });

  it.each(['MKT.0100', 'MKT.0101', 'MKT.0199', 'MKT.0150', 'MKT.9001', 'MKT.9002', 'MKT.9004'])(
    'isolates the record refused with %s by halving the batch; the others are sent',
    async (code) => {
      await seal(8);
      const bad = (await states())[5]!.metering_sn;
      const picky = scripted((records) => (records.some((record) => record.metering_sn === bad) ? refusedWith(code, 400) : accepted));
      expect(await meter.deliver(picky.push)).toMatchObject({ batchSizes: [8, 4, 4, 2, 1, 1, 2], sent: 7, rejected: 1 });
      const rows = await states();
      expect(rows.filter((r) => r.state === 'sent')).toHaveLength(7);
      expect(rows.find((r) => r.metering_sn === bad)).toMatchObject({ state: 'rejected', last_code: code, last_error: `${code}: answer ${code}` });
      expect(await meter.deliver(picky.push)).toMatchObject({ calls: 0 });
    },
  );

  it('keeps the lease of a batch while halving it, so that no other run takes its records meanwhile', async () => {
    await seal(4);
    const bad = (await states())[3]!.metering_sn;
    const other = meterOn(store.db, clock);
    const taken: string[] = [];
    const slowAndPicky: PushUsage = async (records) => {
      clock.now += 4 * MINUTE; // each call takes four minutes of the five-minute lease
      await other.deliver(async (theirs) => (taken.push(...theirs.map((record) => record.metering_sn)), accepted));
      return records.some((record) => record.metering_sn === bad) ? refusedWith('MKT.0100') : accepted;
    };
    expect(await meter.deliver(slowAndPicky)).toMatchObject({ batchSizes: [4, 2, 2, 1, 1], sent: 3, rejected: 1 });
    expect(taken).toEqual([]);
  });

  it('expires a pending record once its begin_time is more than 21 days old, without sending it', async () => {
    await seal(2);
    clock.now = T0 + HOUR + 21 * DAY; // the first window began 21 days and an hour ago, the second exactly 21 days ago
    const marketplace = scripted(() => accepted);
    expect(await meter.deliver(marketplace.push)).toMatchObject({ expired: 1, sent: 1, calls: 1 });
    expect((await states()).map((r) => [r.state, r.last_error])).toEqual([
      ['expired', 'begin_time is more than 21 days old: the marketplace refuses such records (MKT.9004), so it was never sent'],
      ['sent', null],
    ]);
    expect(marketplace.batches.flat()).toHaveLength(1);
    expect(log.lines).toContainEqual({ level: 'error', message: 'usage: records expired before they could be delivered', fields: { records: 1 } });
  });

  it('flags pending records older than 18 days as at risk, and logs them', async () => {
    await seal(2);
    clock.now = T0 + HOUR + 18 * DAY;
    await meter.deliver(scripted(() => refusedWith('MKT.0999')).push);
    expect(log.lines).toContainEqual({ level: 'warn', message: 'usage: pending records are close to the 21-day limit', fields: { records: 1 } });
    const status = await meter.status();
    expect(status.atRisk).toBe(1);
    expect(status.records.map((r) => r.atRisk)).toEqual([false, true]);
  });

  it('never sends one record twice at the same time when two meters deliver at once', async () => {
    const small = meterOn(store.db, clock, { batchSize: 5 });
    const other = meterOn(store.db, clock, { batchSize: 5 });
    await seal(40, small);
    const pushed: string[] = [];
    const slow: PushUsage = async (records) => {
      pushed.push(...records.map((record) => record.metering_sn));
      await new Promise((resolve) => setTimeout(resolve, 5));
      return accepted;
    };
    await Promise.all([small.deliver(slow), other.deliver(slow), small.deliver(slow)]);
    while ((await small.deliver(slow)).calls > 0);
    expect(pushed).toHaveLength(40);
    expect(new Set(pushed).size).toBe(40);
  });

  it('takes over records whose delivery run died once its lease has run out', async () => {
    await seal(1);
    const stuck = meterOn(store.db, clock, { leaseMs: 5 * MINUTE });
    const never = new AbortController();
    void stuck.deliver(() => new Promise<PushOutcome>(() => {}), never.signal);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await states())[0]!.lease_owner).not.toBeNull();
    expect((await meter.deliver(scripted(() => accepted).push)).calls).toBe(0);
    clock.now += 5 * MINUTE + 1;
    expect(await meter.deliver(scripted(() => accepted).push)).toMatchObject({ calls: 1, sent: 1 });
  });
});
