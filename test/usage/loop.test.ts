import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/log.js';
import type { PushOutcome, PushUsage } from '../../src/usage/push.js';
import { openTestStore, type TestStore } from '../support/stores.js';
import { DAY, HOUR, MINUTE, T0, addInstance, type Clock, meterOn, usageRows } from './helpers.js';

const until = async (condition: () => Promise<boolean> | boolean, timeoutMs = 3_000) => {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('the metering loop', () => {
  let store: TestStore;
  const clock: Clock = { now: T0 };
  const errors: string[] = [];
  const logger: Logger = { debug() {}, info() {}, warn() {}, error: (message, fields) => void errors.push(`${message} ${JSON.stringify(fields)}`) };

  beforeEach(async () => {
    store = await openTestStore('sqlite');
    errors.length = 0;
    clock.now = T0 + 30 * MINUTE;
    await addInstance(store.db, 'inst-a', { createdAt: T0 - DAY });
    await meterOn(store.db, clock).record(
      Array.from({ length: 3 }, (_, i) => ({ eventId: `e-${i}`, instanceId: 'inst-a', quantity: '1', occurredAt: T0 + i * MINUTE })),
    );
    clock.now = T0 + HOUR + 10 * MINUTE;
  });
  afterEach(async () => store.dispose());

  it('aggregates and delivers on every tick, at once after start, until stopped', async () => {
    const stop = meterOn(store.db, clock).start({ intervalMs: 60_000, pushUsage: async () => ({ kind: 'accepted' }) });
    await until(async () => (await usageRows(store.db)).records.some((record) => record.state === 'sent'));
    await stop();
    expect(errors).toEqual([]);
  });

  it('never runs a tick while the previous one is still running', async () => {
    let running = 0;
    let most = 0;
    let calls = 0;
    const slow: PushUsage = async () => {
      running += 1;
      most = Math.max(most, running);
      calls += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
      running -= 1;
      return { kind: 'unreachable', message: 'timeout' };
    };
    const meter = meterOn(store.db, clock, { retryBaseMs: 1, retryCapMs: 1, now: () => (clock.now += 1_000) });
    const stop = meter.start({ intervalMs: 1, pushUsage: slow });
    await until(() => calls >= 4);
    await stop();
    expect(most).toBe(1);
  });

  it('logs a failing tick and goes on', async () => {
    let broken = true;
    const meter = meterOn(store.db, clock);
    const now = () => {
      if (broken) throw new Error('clock unavailable');
      return clock.now;
    };
    const stop = meterOn(store.db, clock, { now, logger }).start({ intervalMs: 1, pushUsage: async () => ({ kind: 'accepted' }) });
    await until(() => errors.length >= 2);
    broken = false;
    await until(async () => (await meter.status()).counts.sent === 1);
    await stop();
    expect(errors[0]).toBe('usage: metering tick failed {"error":"clock unavailable"}');
  });

  it('aborts the push in flight when stopped, leaving its records pending', async () => {
    let pushing = false;
    const hanging: PushUsage = (_records, signal) =>
      new Promise<PushOutcome>((resolve) => {
        pushing = true;
        signal?.addEventListener('abort', () => resolve({ kind: 'unreachable', message: 'aborted' }));
      });
    const stop = meterOn(store.db, clock).start({ intervalMs: 1, pushUsage: hanging });
    await until(() => pushing);
    await stop();
    expect((await usageRows(store.db)).records).toMatchObject([{ state: 'pending', attempts: 1, last_error: 'aborted' }]);
  });

  it('refuses an interval that is not a positive integer', () => {
    expect(() => meterOn(store.db, clock).start({ intervalMs: 0, pushUsage: async () => ({ kind: 'accepted' }) })).toThrow(/intervalMs/);
  });
});
