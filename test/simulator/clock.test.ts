import { describe, expect, it } from 'vitest';
import { scaledClock, virtualClock } from '../../src/simulator/clock.js';

describe('the simulator clocks', () => {
  it('a scaled clock runs `speed` times faster than the real one it reads', () => {
    let real = 1_000;
    const clock = scaledClock({ speed: 60, start: 5_000_000, realNow: () => real });
    expect(clock.now()).toBe(5_000_000);
    real += 1_000;
    expect(clock.now()).toBe(5_060_000);
    expect(() => scaledClock({ speed: 0 })).toThrow('speed must be a positive number');
  });

  it('a scaled clock wakes a sleeper, and at once when the stop signal aborts', async () => {
    const clock = scaledClock({ speed: 1_000_000 });
    await clock.sleep(60_000);
    const stop = new AbortController();
    const slow = scaledClock({ speed: 1 }).sleep(3_600_000, stop.signal);
    stop.abort();
    await slow;
  });

  it('the virtual clock jumps to each wake-up in order, and stands still while work is in flight', async () => {
    const clock = virtualClock({ start: 0 });
    const woke: [string, number][] = [];
    let release!: () => void;
    const work = clock.busy(new Promise<void>((resolve) => (release = resolve)));
    const sleepers = [clock.sleep(7_200_000).then(() => woke.push(['2h', clock.now()])), clock.sleep(60_000).then(() => woke.push(['1m', clock.now()]))];
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(woke).toEqual([]); // the busy work holds time
    release();
    await work;
    await Promise.all(sleepers);
    expect(woke).toEqual([
      ['1m', 60_000],
      ['2h', 7_200_000],
    ]);
    expect(clock.waiting).toBe(0);
  });

  it('an aborted virtual sleep ends at once and leaves no sleeper behind', async () => {
    const clock = virtualClock({ start: 0 });
    const stop = new AbortController();
    const held = clock.busy(new Promise((resolve) => setTimeout(resolve, 30)));
    const sleep = clock.sleep(1_000, stop.signal);
    expect(clock.waiting).toBe(1);
    stop.abort();
    await sleep;
    expect(clock.waiting).toBe(0);
    await held;
    expect(clock.now()).toBe(0);
  });
});
