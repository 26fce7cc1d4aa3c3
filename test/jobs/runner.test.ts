import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Retried, Work } from '../../src/jobs/job-store.js';
import { JobRunner, type JobRunnerOptions } from '../../src/jobs/runner.js';
import { silentLogger } from '../../src/log.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { JOB_TABLES, type JobTableFixture, type TestItem, usageRecords } from './tables.js';

const T0 = Date.UTC(2026, 10, 21, 9, 0, 0);
const LEASE = 60_000;
const DAY = 86_400_000;

const succeed: Work<TestItem, void> = async (batch) => {
  for (const item of batch.items) await batch.succeeded([item]);
};
const fail: Work<TestItem, void> = async (batch) => {
  for (const item of batch.items) await batch.failed([item], { code: 'MKT.0999', error: 'internal error' });
};

/** A promise the test settles when it wants. */
function gate<T = void>() {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}
/** Lets every callback already queued run (no clock involved). */
const drain = async () => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
};

/** The runner's rules over each table of jobs, with a clock and random numbers of the test's choosing. */
function suite(dialect: (typeof DIALECTS)[number], table: JobTableFixture) {
  let store: TestStore;
  let clock: number;
  const runner = (options: Partial<JobRunnerOptions<TestItem, void>> = {}) =>
    new JobRunner<TestItem>({
      kind: 'test job',
      store: table.store(store.db),
      backoff: { baseMs: 10_000, capMs: 80_000, jitter: 0 },
      leaseMs: LEASE,
      logger: silentLogger,
      now: () => clock,
      ...options,
    });
  const add = async (...keys: string[]) => {
    // One millisecond apart: the order in which they were added is the order in which they are due.
    for (const key of keys) await table.add(store.db, key, clock++);
  };
  const read = (key: string) => table.read(store.db, key);

  beforeAll(async () => {
    store = await openTestStore(dialect);
  });
  afterAll(async () => store.dispose());
  beforeEach(async () => {
    clock = T0;
    await store.db.deleteFrom(table.name).execute();
  });

  it('works each due item once, oldest first, and records its success', async () => {
    await add('a', 'b', 'c');
    const worked: string[] = [];
    const jobs = runner({ claimSize: () => 2 });
    const report = await jobs.runDue(async (batch) => {
      worked.push(...batch.items.map((item) => item.key));
      await succeed(batch);
    });
    expect(worked).toEqual(['a', 'b', 'c']);
    expect(report).toEqual({ claimed: 3, succeeded: 3, retried: 0, gaveUp: 0, expired: 0 });
    expect(await read('b')).toMatchObject({ state: table.done, attempts: 1, leaseOwner: null });
    expect((await jobs.runDue(succeed)).claimed).toBe(0);
  });

  it('never lets two runners work one item at once', async () => {
    const keys = Array.from({ length: 20 }, (_, i) => `item-${String(i).padStart(2, '0')}`);
    await add(...keys);
    const worked: string[] = [];
    const work: Work<TestItem, void> = async (batch) => {
      worked.push(...batch.items.map((item) => item.key));
      await drain();
      await succeed(batch);
    };
    const [one, two] = [runner({ claimSize: () => 3 }), runner({ claimSize: () => 3 })];
    await Promise.all([one.runDue(work), two.runDue(work), one.runDue(work), two.runDue(work)]);
    while ((await one.runDue(work)).claimed > 0);
    expect(worked.sort()).toEqual(keys);
    for (const key of keys) expect((await read(key)).state).toBe(table.done);
  });

  it('leaves an item another runner holds alone, takes it over once the lease has run out, and ignores the late outcome of the first', async () => {
    await add('a');
    const leasedAt = clock;
    const crashed = runner();
    const started = gate();
    const unblock = gate();
    const first = crashed.runDue(async (batch) => {
      started.open();
      await unblock.promise;
      await succeed(batch);
    });
    await started.promise;
    const other = runner();
    clock = leasedAt + LEASE - 1;
    expect((await other.runDue(fail)).claimed).toBe(0);
    await other.runOne('a', fail);
    expect(await read('a')).toMatchObject({ state: 'pending', attempts: 0 });
    clock = leasedAt + LEASE;
    expect((await other.runDue(fail)).claimed).toBe(1);
    const taken = await read('a');
    expect(taken).toMatchObject({ state: 'pending', attempts: 1, code: 'MKT.0999', leaseOwner: null });
    // The first runner comes back and reports a success: the item is not its own any more, so nothing changes.
    unblock.open();
    await first;
    expect(await read('a')).toEqual(taken);
  });

  it('backs off after each failure, doubling from the base up to the cap, jittered by the random number', async () => {
    // A quarter of the random half: 62.5 % of the doubled delay.
    const jobs = runner({ backoff: { baseMs: 10_000, capMs: 40_000, jitter: 0.5 }, random: () => 0.25 });
    await add('a');
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 4; attempt++) {
      expect((await jobs.runDue(fail)).claimed).toBe(1);
      const { nextAttemptAt, attempts, state, code } = await read('a');
      expect({ attempts, state, code }).toEqual({ attempts: attempt, state: 'pending', code: 'MKT.0999' });
      waits.push(nextAttemptAt! - clock);
      clock = nextAttemptAt! - 1;
      expect((await jobs.runDue(fail)).claimed).toBe(0);
      clock += 1;
    }
    expect(waits).toEqual([6_250, 12_500, 25_000, 25_000]);
  });

  it('gives up after the last attempt the kind allows, and tries it no more', async () => {
    const jobs = runner({ giveUp: { maxAttempts: 3 } });
    await add('a');
    const outcomes: Retried[] = [];
    const failing: Work<TestItem, void> = async (batch) => void outcomes.push(await batch.failed(batch.items, { code: 'UNREACHABLE', error: 'no answer' }));
    for (let i = 0; i < 3; i++) {
      await jobs.runDue(failing);
      clock += 10 * DAY;
    }
    expect(outcomes.map(({ gaveUp, attempts }) => [gaveUp, attempts])).toEqual([
      [false, 1],
      [false, 2],
      [true, 3],
    ]);
    expect(await read('a')).toMatchObject({ state: table.gaveUp, attempts: 3, code: 'UNREACHABLE', leaseOwner: null });
    expect((await jobs.runDue(failing)).claimed).toBe(0);
  });

  it('gives up at once when the work says a retry cannot succeed', async () => {
    const jobs = runner();
    await add('a');
    const report = await jobs.runDue(async (batch) => batch.refused(batch.items, { code: '91381033', error: 'refused for good' }));
    expect(report).toMatchObject({ claimed: 1, gaveUp: 1 });
    expect(await read('a')).toMatchObject({ state: table.gaveUp, attempts: 1, code: '91381033' });
  });

  it('gives back what the work leaves unsettled, due at once, and ends the run', async () => {
    await add('a', 'b', 'c');
    const jobs = runner({ claimSize: () => 2 });
    const report = await jobs.runDue(async (batch) => batch.succeeded([batch.items[0]!]));
    expect(report).toMatchObject({ claimed: 2, succeeded: 1 });
    expect(await read('b')).toMatchObject({ state: 'pending', attempts: 0, leaseOwner: null });
    const worked: string[] = [];
    await jobs.runDue(async (batch) => void worked.push(...batch.items.map((item) => item.key)));
    expect(worked).toEqual(['b', 'c']);
  });

  it('gives back the batch of work that throws, and lets the error through', async () => {
    await add('a');
    const jobs = runner();
    await expect(jobs.runDue(async () => Promise.reject(new Error('disk full')))).rejects.toThrow('disk full');
    expect(await read('a')).toMatchObject({ state: 'pending', attempts: 0, leaseOwner: null });
    expect(jobs.stats()).toMatchObject({ attempted: 0, inFlight: 0 });
  });

  it('keeps the lease of the items still unsettled when the work asks', async () => {
    await add('a');
    const other = runner();
    const taken: string[] = [];
    await runner().runDue(async (batch) => {
      clock += LEASE / 2;
      await batch.keepLease();
      clock += LEASE / 2 + 1; // past the first lease, within the renewed one
      await other.runDue(async (theirs) => void taken.push(...theirs.items.map((item) => item.key)));
      await succeed(batch);
    });
    expect(taken).toEqual([]);
    expect((await read('a')).state).toBe(table.done);
  });

  it('makes one attempt of an item at a time in one process: a second caller waits for the first', async () => {
    await add('a');
    const jobs = runner();
    const unblock = gate();
    let calls = 0;
    const slow: Work<TestItem, void> = async (batch) => {
      calls += 1;
      await unblock.promise;
      await succeed(batch);
    };
    const first = jobs.runOne('a', slow);
    const second = jobs.runOne('a', slow);
    let secondDone = false;
    void second.then(() => (secondDone = true));
    await drain();
    expect(secondDone).toBe(false);
    unblock.open();
    await Promise.all([first, second]);
    expect(calls).toBe(1);
    expect((await read('a')).state).toBe(table.done);
  });

  it('takes at most a run’s worth of items, a claim’s worth at a time', async () => {
    await add('a', 'b', 'c', 'd', 'e');
    const sizes: number[] = [];
    const report = await runner({ claimSize: () => 2, maxPerRun: 3 }).runDue(async (batch) => (sizes.push(batch.items.length), succeed(batch)));
    expect(sizes).toEqual([2, 1]);
    expect(report.claimed).toBe(3);
  });

  it('when stopped: aborts the work’s signal, waits for the work in flight, and claims nothing after', async () => {
    await add('a');
    const jobs = runner();
    const started = gate();
    const unblock = gate();
    let aborted = false;
    const work: Work<TestItem, void> = async (batch) => {
      started.open();
      await unblock.promise;
      aborted = batch.signal.aborted;
      await succeed(batch);
    };
    const stop = jobs.start({ intervalMs: 60_000, run: (signal) => jobs.runDue(work, signal) });
    await started.promise;
    let stopped = false;
    const stopping = stop().then(() => (stopped = true));
    await drain();
    expect(stopped).toBe(false);
    unblock.open();
    await stopping;
    expect(aborted).toBe(true);
    expect((await read('a')).state).toBe(table.done);

    await add('b');
    expect((await jobs.runDue(succeed)).claimed).toBe(0);
    await jobs.runOne('b', succeed);
    expect(await read('b')).toMatchObject({ state: 'pending', attempts: 0, leaseOwner: null });
  });

  it('counts the items attempted, succeeded, retried, given up and in flight', async () => {
    await add('ok', 'retry', 'refuse');
    const jobs = runner();
    const inFlight: number[] = [];
    await jobs.runDue(async (batch) => {
      inFlight.push(jobs.stats().inFlight);
      const [item] = batch.items;
      if (item!.key === 'ok') await batch.succeeded([item!]);
      else if (item!.key === 'retry') await batch.failed([item!], { code: null, error: 'timeout' });
      else await batch.refused([item!], { code: 'CBC.0101', error: 'no' });
    });
    expect(inFlight).toEqual([1, 1, 1]);
    expect(jobs.stats()).toEqual({ kind: 'test job', attempted: 3, succeeded: 1, retried: 1, gaveUp: 1, expired: 0, inFlight: 0 });
  });
}

describe.each(DIALECTS)('job runner on %s', (dialect) => {
  describe.each(JOB_TABLES)('over $name', (table) => suite(dialect, table));

  describe('with an age limit (usage_records)', () => {
    let store: TestStore;
    beforeAll(async () => {
      store = await openTestStore(dialect);
    });
    afterAll(async () => store.dispose());

    it('gives up, untried, the waiting items older than the limit, and counts them', async () => {
      await usageRecords.add(store.db, 'old', T0);
      await usageRecords.add(store.db, 'young', T0 + DAY);
      const clock = T0 + DAY + 1;
      const jobs = new JobRunner<TestItem>({
        kind: 'usage record',
        store: usageRecords.store(store.db),
        backoff: { baseMs: 1, capMs: 1, jitter: 0 },
        giveUp: { maxAgeMs: DAY },
        leaseMs: LEASE,
        logger: silentLogger,
        now: () => clock,
      });
      const worked: string[] = [];
      const report = await jobs.runDue(async (batch) => (worked.push(...batch.items.map((item) => item.key)), succeed(batch)));
      expect(report).toMatchObject({ expired: 1, succeeded: 1 });
      expect(worked).toEqual(['young']);
      expect(await usageRecords.read(store.db, 'old')).toMatchObject({ state: 'expired', attempts: 0 });
      expect(jobs.stats()).toMatchObject({ expired: 1, succeeded: 1, attempted: 1 });
    });
  });
});

describe('job runner settings', () => {
  const store = usageRecords.store(undefined as never);
  const valid: JobRunnerOptions<TestItem, void> = { kind: 'test job', store, backoff: { baseMs: 1, capMs: 1, jitter: 0 }, leaseMs: 1, logger: silentLogger };
  it.each([
    ['a lease of 0 ms', { leaseMs: 0 }, /leaseMs/],
    ['a fractional lease', { leaseMs: 1.5 }, /leaseMs/],
    ['a negative backoff base', { backoff: { baseMs: -1, capMs: 1, jitter: 0 } }, /baseMs/],
    ['a jitter above 1', { backoff: { baseMs: 1, capMs: 1, jitter: 2 } }, /jitter/],
    ['a jitter that is not a number', { backoff: { baseMs: 1, capMs: 1, jitter: Number.NaN } }, /jitter/],
    ['no attempt at all', { giveUp: { maxAttempts: 0 } }, /maxAttempts/],
    ['an age limit on a store that cannot expire', { store: { ...store, expire: undefined }, giveUp: { maxAgeMs: 1 } }, /maxAgeMs/],
  ] as const)('refuses %s', (_, change, message) => {
    expect(() => new JobRunner<TestItem>({ ...valid, ...change } as JobRunnerOptions<TestItem, void>)).toThrow(message);
  });
});
