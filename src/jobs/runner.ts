import { randomUUID } from 'node:crypto';
import type { Logger } from '../log.js';
import { type BackoffPolicy, backoffProblems, retryDelay } from './backoff.js';
import type { Batch, Failure, JobItem, JobStore, Retried, Work } from './job-store.js';
import { repeatEvery } from './loop.js';

/** When a kind stops trying an item that keeps failing; without either, it is tried until it succeeds or is refused. */
export interface GiveUpRule {
  /** Attempts after which a failed item is given up. */
  maxAttempts?: number;
  /** Age after which a waiting item is given up untried (the store's `expire` says what its age is). */
  maxAgeMs?: number;
}

export interface JobRunnerOptions<Item extends JobItem, Result> {
  /** The kind's name in logs and stats: "order lookup". */
  kind: string;
  store: JobStore<Item, Result>;
  backoff: BackoffPolicy;
  giveUp?: GiveUpRule;
  /** How long a claim holds its items; longer than one attempt takes, transport retries included. */
  leaseMs: number;
  /** Items a claim takes (usage delivery's batch size, which may shrink); 1 by default: claimed just before worked. */
  claimSize?: () => number;
  /** Items a run takes at most; the next run goes on. */
  maxPerRun?: number;
  logger: Logger;
  now?: () => number;
  random?: () => number;
}

interface Claimed<Item> {
  owner: string;
  items: Item[];
}

/** What one run did. */
export interface RunReport {
  claimed: number;
  succeeded: number;
  retried: number;
  gaveUp: number;
  /** Given up untried for their age. */
  expired: number;
}

/** Counters since the runner was made, for metrics and status pages. */
export interface JobStats extends Omit<RunReport, 'claimed'> {
  kind: string;
  /** Items settled after an attempt: succeeded, retried or given up. */
  attempted: number;
  /** Items claimed and not settled yet. */
  inFlight: number;
}

/**
 * The one durable job runner behind order lookups, License uploads and usage delivery. Items live in their kind's
 * table; a run claims due ones with a lease (so no two replicas work one item at once, and a crashed replica's items
 * come back when its lease runs out), hands them to the kind's work, and records each outcome: success, a retry after
 * the backoff, or giving up (a refusal, too many attempts, too old).
 */
export class JobRunner<Item extends JobItem, Result = void> {
  private readonly kind: string;
  private readonly store: JobStore<Item, Result>;
  private readonly backoff: BackoffPolicy;
  private readonly giveUp: GiveUpRule;
  private readonly leaseMs: number;
  private readonly claimSize: () => number;
  private readonly maxPerRun: number;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly counters = { attempted: 0, succeeded: 0, retried: 0, gaveUp: 0, expired: 0, inFlight: 0 };
  /** The attempt this process is making of each item: a second caller waits for it instead of finding the item leased. */
  private readonly attempts = new Map<string, Promise<void>>();
  private readonly working = new Set<Promise<unknown>>();
  private readonly stopping = new AbortController();

  constructor({
    kind,
    store,
    backoff,
    giveUp = {},
    leaseMs,
    claimSize = () => 1,
    maxPerRun = Number.POSITIVE_INFINITY,
    logger,
    now = Date.now,
    random = Math.random,
  }: JobRunnerOptions<Item, Result>) {
    const problems = backoffProblems(backoff);
    if (!(Number.isInteger(leaseMs) && leaseMs > 0)) problems.push('leaseMs must be a positive integer');
    if (giveUp.maxAttempts !== undefined && !(Number.isInteger(giveUp.maxAttempts) && giveUp.maxAttempts >= 1))
      problems.push('maxAttempts must be a positive integer');
    if (giveUp.maxAgeMs !== undefined && store.expire === undefined) problems.push('maxAgeMs needs a store that can expire items');
    if (problems.length > 0) throw new Error(`${kind} jobs: ${problems.join('; ')}`);
    this.kind = kind;
    this.store = store;
    this.backoff = backoff;
    this.giveUp = giveUp;
    this.leaseMs = leaseMs;
    this.claimSize = claimSize;
    this.maxPerRun = maxPerRun;
    this.logger = logger;
    this.now = now;
    this.random = random;
  }

  /**
   * Gives up what is past the age limit, then claims and works due items until none is due, `maxPerRun` were taken, the
   * work ends the run, or the runner stops.
   */
  async runDue(work: Work<Item, Result>, signal?: AbortSignal): Promise<RunReport> {
    const report: RunReport = { claimed: 0, succeeded: 0, retried: 0, gaveUp: 0, expired: 0 };
    const stop = signal ? AbortSignal.any([signal, this.stopping.signal]) : this.stopping.signal;
    if (stop.aborted) return report;
    if (this.giveUp.maxAgeMs !== undefined) {
      const now = this.now();
      report.expired = await this.store.expire!(now - this.giveUp.maxAgeMs, now);
      this.counters.expired += report.expired;
    }
    while (!stop.aborted && report.claimed < this.maxPerRun) {
      const claimed = await this.claim(Math.min(this.claimSize(), this.maxPerRun - report.claimed));
      const { items } = claimed;
      if (items.length === 0) break;
      report.claimed += items.length;
      const attempt = this.attempt(claimed, work, stop, report);
      for (const item of items)
        this.attempts.set(
          item.key,
          attempt.then(
            () => undefined,
            () => undefined,
          ),
        );
      try {
        if (!(await this.track(attempt))) break;
      } finally {
        for (const item of items) this.attempts.delete(item.key);
      }
    }
    return report;
  }

  /** Works one item now if it is due and nobody holds it; waits for the attempt this process is already making of it. */
  runOne(key: string, work: Work<Item, Result>, signal?: AbortSignal): Promise<void> {
    const running = this.attempts.get(key);
    if (running) return running;
    if (this.stopping.signal.aborted) return Promise.resolve();
    const stop = signal ? AbortSignal.any([signal, this.stopping.signal]) : this.stopping.signal;
    const report: RunReport = { claimed: 0, succeeded: 0, retried: 0, gaveUp: 0, expired: 0 };
    const attempt = this.track(
      this.claim(1, key).then(async (claimed) => {
        if (claimed.items.length > 0) await this.attempt(claimed, work, stop, report);
      }),
    ).finally(() => this.attempts.delete(key));
    this.attempts.set(key, attempt);
    return attempt;
  }

  /**
   * Runs `run` every `intervalMs` (at once first), a run never overlapping the last; errors go to `onError` (by default
   * an error line). The answer stops it: no claim after it is called; it aborts the work's signal and resolves once the
   * work in flight is over.
   */
  start({
    intervalMs,
    run,
    onError,
  }: {
    intervalMs: number;
    run: (signal: AbortSignal) => Promise<unknown>;
    onError?: (error: unknown) => void;
  }): () => Promise<void> {
    const report = onError ?? ((error: unknown) => this.logger.error(`${this.kind} jobs failed`, { error: (error as Error).message ?? String(error) }));
    const stopLoop = repeatEvery(intervalMs, () => run(this.stopping.signal), report);
    return async () => {
      this.stopping.abort();
      await stopLoop();
      await this.idle();
    };
  }

  /** Resolves once every attempt started has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.working.size > 0) await Promise.allSettled([...this.working]);
  }

  stats(): JobStats {
    return { kind: this.kind, ...this.counters };
  }

  /** Leases due items to a new owner: each claim is its own owner, so that the lease of one batch is never another's. */
  private async claim(limit: number, key?: string): Promise<Claimed<Item>> {
    const now = this.now();
    const owner = randomUUID();
    const items = await this.store.claim({ now, limit, owner, leaseUntil: now + this.leaseMs, ...(key === undefined ? {} : { key }) });
    this.counters.inFlight += items.length;
    return { owner, items };
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.working.add(work);
    void work.finally(() => this.working.delete(work)).catch(() => {});
    return work;
  }

  /** One batch through the kind's work; answers whether the run goes on. */
  private async attempt({ owner, items }: Claimed<Item>, work: Work<Item, Result>, signal: AbortSignal, report: RunReport): Promise<boolean> {
    const unsettled = new Set(items);
    const holder = () => ({ owner, now: this.now() });
    const settle = async (some: readonly Item[], write: () => Promise<void>) => {
      for (const item of some) if (!unsettled.has(item)) throw new Error(`${this.kind} ${item.key} is not an unsettled item of this batch`);
      for (const item of some) unsettled.delete(item);
      this.counters.inFlight -= some.length;
      await write();
      this.counters.attempted += some.length;
    };
    const batch: Batch<Item, Result> = {
      items,
      signal,
      succeeded: (some, result) =>
        settle(some, async () => {
          await this.store.succeed(some, holder(), result);
          this.count('succeeded', some.length, report);
        }),
      failed: async (some, failure) => {
        let retried: Retried = { gaveUp: false, attempts: 0 };
        await settle(some, async () => {
          retried = await this.retryOrGiveUp(some, holder(), failure);
          this.count(retried.gaveUp ? 'gaveUp' : 'retried', some.length, report);
        });
        return retried;
      },
      refused: (some, failure) =>
        settle(some, async () => {
          await this.store.giveUp(some, { ...holder(), ...failure });
          this.count('gaveUp', some.length, report);
        }),
      keepLease: async () => {
        const now = this.now();
        await this.store.extend([...unsettled], { owner, now, leaseUntil: now + this.leaseMs });
      },
    };
    let goOn = false;
    let threw = true;
    try {
      goOn = (await work(batch)) !== false;
      threw = false;
    } finally {
      // What the work did not settle goes back untried, and the run ends: it would only claim the same items again.
      if (unsettled.size > 0) {
        const left = [...unsettled];
        unsettled.clear();
        this.counters.inFlight -= left.length;
        const released = this.store.release(left, holder());
        await (threw ? released.catch(() => {}) : released);
        goOn = false;
      }
    }
    return goOn;
  }

  private async retryOrGiveUp(items: readonly Item[], holder: { owner: string; now: number }, failure: Failure): Promise<Retried> {
    const attempts = Math.max(...items.map((item) => item.attempts)) + 1;
    if (this.giveUp.maxAttempts !== undefined && attempts >= this.giveUp.maxAttempts) {
      await this.store.giveUp(items, { ...holder, ...failure });
      return { gaveUp: true, attempts };
    }
    const nextAttemptAt = holder.now + retryDelay(attempts, this.backoff, this.random);
    await this.store.retry(items, { ...holder, ...failure, nextAttemptAt });
    return { gaveUp: false, attempts, nextAttemptAt };
  }

  private count(counter: 'succeeded' | 'retried' | 'gaveUp', n: number, report: RunReport): void {
    this.counters[counter] += n;
    report[counter] += n;
  }
}
