/**
 * The simulator's time. The marketplace's schedule (retries hourly for 3 h, a period that ends) runs on a clock that may
 * go faster than real time: `scaledClock` (the CLI's `--speed`) or `virtualClock` (tests: time jumps to the next wake-up
 * as soon as nothing is in flight, so a 3-hour retry schedule takes milliseconds and is exact).
 */
export interface SimClock {
  now(): number;
  /** Resolves once `ms` of simulated time have passed, or at once when `signal` aborts (callers check it). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Work the clock must wait for before it moves on (a call to the seller); a real-time clock just awaits it. */
  busy<T>(work: Promise<T>): Promise<T>;
  /** Simulated milliseconds per real millisecond (Infinity for the virtual clock). */
  readonly speed: number;
}

export function scaledClock({ speed = 1, start, realNow = Date.now }: { speed?: number; start?: number; realNow?: () => number } = {}): SimClock {
  if (!(speed > 0 && Number.isFinite(speed))) throw new Error('clock: speed must be a positive number');
  const realStart = realNow();
  const simStart = start ?? realStart;
  return {
    speed,
    now: () => simStart + (realNow() - realStart) * speed,
    sleep: (ms, signal) =>
      new Promise((resolve) => {
        if (signal?.aborted) return resolve();
        const timer = setTimeout(done, Math.max(0, ms / speed));
        function done() {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          resolve();
        }
        signal?.addEventListener('abort', done, { once: true });
      }),
    busy: (work) => work,
  };
}

export interface VirtualClock extends SimClock {
  /** Sleepers still waiting (for tests). */
  readonly waiting: number;
}

/** Discrete-event time: it stands still while work is in flight and jumps to the earliest wake-up when all is idle. */
export function virtualClock({ start = Date.UTC(2026, 0, 5, 9, 0, 0) }: { start?: number } = {}): VirtualClock {
  let now = start;
  let inFlight = 0;
  let checkPending = false;
  const sleepers: { at: number; wake: () => void }[] = [];

  const check = () => {
    if (checkPending) return;
    checkPending = true;
    // setImmediate runs after every pending promise continuation, so work that starts right after a wake-up is seen.
    setImmediate(() => {
      checkPending = false;
      if (inFlight > 0 || sleepers.length === 0) return;
      sleepers.sort((a, b) => a.at - b.at);
      now = Math.max(now, sleepers[0]!.at);
      while (sleepers.length > 0 && sleepers[0]!.at <= now) sleepers.shift()!.wake();
      check();
    });
  };

  return {
    speed: Number.POSITIVE_INFINITY,
    now: () => now,
    get waiting() {
      return sleepers.length;
    },
    sleep(ms, signal) {
      return new Promise((resolve) => {
        if (signal?.aborted) return resolve();
        const onAbort = () => {
          const index = sleepers.indexOf(sleeper);
          if (index >= 0) sleepers.splice(index, 1);
          resolve();
        };
        const sleeper = {
          at: now + Math.max(0, ms),
          wake: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        sleepers.push(sleeper);
        signal?.addEventListener('abort', onAbort, { once: true });
        check();
      });
    },
    async busy(work) {
      inFlight += 1;
      try {
        return await work;
      } finally {
        inFlight -= 1;
        check();
      }
    },
  };
}
