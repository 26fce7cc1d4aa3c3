/**
 * Issue 4, done when: 10,000 usage events over several instances and hours, with a marketplace that fails every third
 * call, times out some (bills the batch but answers `unreachable`) and is down for five hours, are delivered exactly
 * once by metering_sn, in batches ≤ 1000, with correct windows and exact sums. The clock is injected: nothing waits.
 * USAGE_REPORT=1 prints the numbers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UsageMeter } from '../../src/usage/meter.js';
import { type DoubleInstance, type UsageDouble, parseWireTime, usageDouble, valueUnits } from '../support/usage-double.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { DAY, HOUR, MINUTE, T0, addInstance, type Clock, meterOn } from './helpers.js';

const EVENTS = 10_000;
const HOURS = 8;
const PLAIN_INSTANCES = 250;
const TICK = 5 * MINUTE;
const GRACE = 5 * MINUTE;
const OUTAGE = { from: T0 + HOUR, to: T0 + 6 * HOUR };

interface Event {
  eventId: string;
  instanceId: string;
  packageInstanceId: string;
  quantity: string | number;
  units: bigint;
  occurredAt: number;
  recordAt: number;
}

/** A small deterministic generator (mulberry32), so every run records the same events. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function instances(): Map<string, DoubleInstance> {
  const life = new Map<string, DoubleInstance>();
  for (let i = 0; i < PLAIN_INSTANCES; i += 1) life.set(`inst-${String(i).padStart(3, '0')}`, { createdAt: T0 - DAY });
  life.set('inst-new', { createdAt: T0 + 80 * MINUTE + 1_500 }); // begins mid-window: begin_time is its creation
  life.set('inst-gone', { createdAt: T0 - DAY, releasedAt: T0 + 4 * HOUR + 40 * MINUTE + 700 }); // ends mid-window
  life.set('inst-pkg', { createdAt: T0 - DAY }); // every event deducts package pkg-1
  return life;
}

function events(life: Map<string, DoubleInstance>): Event[] {
  const next = random(4);
  const ids = [...life.keys()];
  return Array.from({ length: EVENTS }, (_, i) => {
    const instanceId = ids[Math.floor(next() * ids.length)]!;
    const { createdAt, releasedAt = T0 + HOURS * HOUR } = life.get(instanceId)!;
    const from = Math.max(T0, createdAt);
    const occurredAt = from + Math.floor(next() * (Math.min(T0 + HOURS * HOUR, releasedAt) - from));
    const units = BigInt(1 + Math.floor(next() * 99_999));
    const text = `${units / 10_000n}.${String(units % 10_000n).padStart(4, '0')}`;
    // About 2% come late, after their window was sealed; the rest within three minutes.
    const late = instanceId !== 'inst-gone' && next() < 0.02;
    const recordAt = occurredAt + (late ? 75 * MINUTE : Math.floor(next() * 3 * MINUTE));
    return {
      eventId: `evt-${i}`,
      instanceId,
      packageInstanceId: instanceId === 'inst-pkg' ? 'pkg-1' : '',
      quantity: i % 5 === 0 ? Number(text) : text,
      units,
      occurredAt,
      recordAt,
    };
  });
}

/**
 * The rules, written again as a plain model: an event counts in its own window unless that one is sealed, then in the
 * earliest later window not sealed; a window is sealed at the first tick after its end plus the grace period.
 */
function expectedWindows(all: Event[], ticks: number[]): Map<string, bigint> {
  const sealed = new Map<string, bigint>(); // "instance package window" → sum
  const open = new Map<string, bigint>();
  const key = (event: Event, window: number) => `${event.instanceId} ${event.packageInstanceId} ${window}`;
  const windowOf = (at: number) => Math.floor(at / HOUR) * HOUR;
  let index = 0;
  const ordered = [...all].sort((a, b) => a.recordAt - b.recordAt);
  for (const tick of ticks) {
    for (; index < ordered.length && ordered[index]!.recordAt <= tick; index += 1) {
      const event = ordered[index]!;
      let window = windowOf(event.occurredAt);
      while (sealed.has(key(event, window))) window += HOUR;
      open.set(key(event, window), (open.get(key(event, window)) ?? 0n) + event.units);
    }
    for (const [name, sum] of [...open]) {
      const window = Number(name.split(' ')[2]);
      if (window + HOUR + GRACE <= tick) {
        sealed.set(name, sum);
        open.delete(name);
      }
    }
  }
  expect(open.size).toBe(0);
  return sealed;
}

describe.each(DIALECTS)('usage metering end to end on %s', (dialect) => {
  let store: TestStore;
  let meter: UsageMeter;
  let double: UsageDouble;
  let all: Event[];
  let ticks: number[];
  let life: Map<string, DoubleInstance>;
  const clock: Clock = { now: T0 };
  let duration = 0;

  beforeAll(async () => {
    store = await openTestStore(dialect);
    life = instances();
    for (const [id, span] of life) await addInstance(store.db, id, span);
    all = events(life);
    meter = meterOn(store.db, clock, { random: random(9), graceMs: GRACE });
    double = usageDouble({
      now: () => clock.now,
      instances: life,
      fault: (call) => (clock.now >= OUTAGE.from && clock.now < OUTAGE.to ? 'down' : call % 3 === 0 ? 'fail' : call % 7 === 0 ? 'timeout' : undefined),
    });

    const started = performance.now();
    ticks = [];
    const ordered = [...all].sort((a, b) => a.recordAt - b.recordAt);
    let index = 0;
    for (let tick = T0 + TICK; tick <= T0 + (HOURS + 3) * HOUR; tick += TICK) {
      clock.now = tick;
      ticks.push(tick);
      const due: Event[] = [];
      for (; index < ordered.length && ordered[index]!.recordAt <= tick; index += 1) due.push(ordered[index]!);
      for (let at = 0; at < due.length; at += 1000) {
        const chunk = due.slice(at, at + 1000);
        const results = await meter.record(
          chunk.map(({ eventId, instanceId, packageInstanceId, quantity, occurredAt }) => ({
            eventId,
            instanceId,
            quantity,
            occurredAt,
            ...(packageInstanceId === '' ? {} : { packageInstanceId }),
          })),
        );
        expect(results.filter((result) => result.status !== 'recorded')).toEqual([]);
      }
      await meter.aggregate();
      await meter.deliver(double.push);
    }
    duration = performance.now() - started;
  });
  afterAll(async () => store.dispose());

  it('delivers every record exactly once by metering_sn, breaking no rule of the marketplace', async () => {
    expect(double.violations).toEqual([]);
    const status = await meter.status({ limit: 10_000 });
    expect(status.counts).toEqual({ pending: 0, sent: status.records.length, rejected: 0, expired: 0 });
    expect(status).toMatchObject({ openEvents: 0, unbillableEvents: 0, atRisk: 0 });
    expect(new Set(double.billed.keys())).toEqual(new Set(status.records.map((record) => record.meteringSn)));
    expect(double.resent).toBeGreaterThan(0); // the timeouts were resent, and not billed twice
  });

  it('sent batches of at most 1000 records, full ones after the outage', () => {
    const sizes = double.calls.map((call) => call.size);
    expect(Math.max(...sizes)).toBe(1000);
    expect(double.calls.filter((call) => call.answer === 'MKT.0999').length).toBeGreaterThan(0);
    expect(double.calls.filter((call) => call.answer === 'unreachable').length).toBeGreaterThan(0);
  });

  it('bills each instance, package and window exactly the events recorded for it, within the instance life', () => {
    const expected = expectedWindows(all, ticks);
    const billed = new Map<string, bigint>();
    for (const record of double.billed.values()) {
      const begin = parseWireTime(record.begin_time)!;
      const end = parseWireTime(record.end_time)!;
      const window = Math.floor(begin / HOUR) * HOUR;
      const { createdAt, releasedAt } = life.get(record.instance_id)!;
      expect(begin).toBe(Math.max(window, Math.ceil(createdAt / 1_000) * 1_000));
      expect(end).toBe(Math.min(window + HOUR, releasedAt === undefined ? Infinity : Math.floor(releasedAt / 1_000) * 1_000));
      expect(record.relate_pkg_instance).toBe(record.instance_id === 'inst-pkg' ? 'pkg-1' : undefined);
      const name = `${record.instance_id} ${record.relate_pkg_instance ?? ''} ${window}`;
      expect(billed.has(name)).toBe(false);
      billed.set(name, valueUnits(record.usage_value));
    }
    expect(billed).toEqual(expected);

    const perInstance = (pairs: Iterable<[string, bigint]>) => {
      const sums = new Map<string, bigint>();
      for (const [id, units] of pairs) sums.set(id, (sums.get(id) ?? 0n) + units);
      return sums;
    };
    expect(perInstance([...double.billed.values()].map((record) => [record.instance_id, valueUnits(record.usage_value)]))).toEqual(
      perInstance(all.map((event) => [event.instanceId, event.units])),
    );
    expect([...billed.keys()].some((name) => name.startsWith('inst-new ') && name.endsWith(` ${T0 + HOUR}`))).toBe(true);
    expect([...billed.keys()].some((name) => name.startsWith('inst-gone ') && name.endsWith(` ${T0 + 4 * HOUR}`))).toBe(true);
    expect(all.filter((event) => event.recordAt - event.occurredAt > HOUR).length).toBeGreaterThan(100);

    if (process.env.USAGE_REPORT) {
      const sizes = double.calls.map((call) => call.size);
      console.info(
        `${dialect}: ${EVENTS} events, ${life.size} instances, ${HOURS} hours → ${double.billed.size} records; ${double.calls.length} calls ` +
          `(${double.calls.filter((c) => c.answer === 'accepted').length} accepted, ${double.calls.filter((c) => c.answer === 'MKT.0999').length} MKT.0999, ` +
          `${double.calls.filter((c) => c.answer === 'unreachable').length} unreachable), largest batch ${Math.max(...sizes)}, ` +
          `${double.resent} records resent after timeouts and not billed twice; ${Math.round(duration)} ms`,
      );
    }
  });
});
