import { describe, expect, it } from 'vitest';
import { repeatEvery } from '../../src/jobs/loop.js';
import { jobStatus } from '../../src/jobs/status.js';

const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 1));
};

describe('the interval loop', () => {
  it('ticks at once, then again after each tick ends, never two at a time; a failing tick is reported and the next comes', async () => {
    let ticks = 0;
    let running = 0;
    let most = 0;
    const errors: string[] = [];
    const stop = repeatEvery(
      1,
      async () => {
        ticks += 1;
        running += 1;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 2));
        running -= 1;
        if (ticks === 2) throw new Error('tick 2 failed');
      },
      (error) => errors.push((error as Error).message),
    );
    await until(() => ticks >= 4);
    await stop();
    expect(most).toBe(1);
    expect(errors).toEqual(['tick 2 failed']);
  });

  it('stops: no tick after it is called, and it resolves once the tick in progress is over', async () => {
    let ticks = 0;
    let release!: () => void;
    let finished = false;
    const stop = repeatEvery(
      1,
      async () => {
        ticks += 1;
        await new Promise<void>((resolve) => (release = resolve));
        finished = true;
      },
      () => {},
    );
    await until(() => ticks === 1);
    const stopping = stop();
    release();
    await stopping;
    expect(finished).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(ticks).toBe(1);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses the interval %s', (intervalMs) => {
    expect(() =>
      repeatEvery(
        intervalMs,
        async () => {},
        () => {},
      ),
    ).toThrow(/intervalMs/);
  });
});

describe('a status listing', () => {
  const listing = {
    states: ['pending', 'done', 'failed'] as const,
    count: async () => new Map([['done', 3] as const]),
    newest: async (_filter: object, limit: number) => Array.from({ length: Math.min(limit, 3) }, (_, i) => `item-${i}`),
  };

  it('counts every state of the kind, zero when it has none, beside the newest items', async () => {
    expect(await jobStatus(listing, {})).toEqual({ counts: { pending: 0, done: 3, failed: 0 }, items: ['item-0', 'item-1', 'item-2'] });
  });

  it.each([
    [undefined, 100],
    [0, 100],
    [-5, 1],
    [2.7, 2],
    [50_000, 10_000],
  ])('holds the limit %s to %d', async (limit, held) => {
    let asked = 0;
    await jobStatus({ ...listing, newest: async (_filter: object, n: number) => ((asked = n), []) }, limit === undefined ? {} : { limit });
    expect(asked).toBe(held);
  });
});
