/** One piece of work as the runner sees it; each kind adds what its work needs. */
export interface JobItem {
  /** Unique among its kind's items (a second attempt in this process waits for the first). */
  key: string;
  /** Attempts made before this one. */
  attempts: number;
}

/** Which run holds the items, and the time of the write. */
export interface Holder {
  owner: string;
  now: number;
}

/** Why an attempt failed: the marketplace's code (null when none came) and what it said. */
export interface Failure {
  code: string | null;
  error: string;
}

/**
 * What the runner needs of the table that keeps a kind's items (src/store/job-leases.ts has the SQL). Each write after
 * the claim changes only the items `owner` still holds, so a run whose lease ran out and was taken over changes nothing;
 * each attempt recorded adds one to the item's attempts.
 */
export interface JobStore<Item extends JobItem, Result> {
  /** Leases up to `limit` due items, oldest first, to `owner` until `leaseUntil`: only the item `key` when given. */
  claim(request: { now: number; limit: number; owner: string; leaseUntil: number; key?: string }): Promise<Item[]>;
  extend(items: readonly Item[], lease: Holder & { leaseUntil: number }): Promise<void>;
  /** Gives items back untried: due again at once. */
  release(items: readonly Item[], holder: Holder): Promise<void>;
  succeed(items: readonly Item[], holder: Holder, result: Result): Promise<void>;
  retry(items: readonly Item[], failure: Holder & Failure & { nextAttemptAt: number }): Promise<void>;
  giveUp(items: readonly Item[], failure: Holder & Failure): Promise<void>;
  /** Gives up, untried, every waiting item nobody holds that is older than `before` (the kind's age limit); answers how many. */
  expire?(before: number, now: number): Promise<number>;
}

/** What the runner did with a failed attempt. */
export interface Retried {
  gaveUp: boolean;
  /** The item's attempts now. */
  attempts: number;
  /** When it is tried again, unless it gave up. */
  nextAttemptAt?: number;
}

/**
 * The items one claim leased, handed to the kind's work. The work settles each item once, as it learns its fate (usage
 * delivery settles a batch in parts as it halves it); whatever it leaves unsettled is given back untried.
 */
export interface Batch<Item extends JobItem, Result> {
  readonly items: readonly Item[];
  /** Aborted when the runner stops: the work should end soon, settling what it knows. */
  readonly signal: AbortSignal;
  succeeded(items: readonly Item[], result: Result): Promise<void>;
  /** Tried again after the backoff, or given up when the kind's give-up rule says so. */
  failed(items: readonly Item[], failure: Failure): Promise<Retried>;
  /** A retry cannot succeed: given up now. */
  refused(items: readonly Item[], failure: Failure): Promise<void>;
  /** Renews the lease of the items not settled yet, for work that takes many calls. */
  keepLease(): Promise<void>;
}

/** A kind's work on one batch; answering false ends the run (the failure is not the items', the next are no better off). */
// biome-ignore lint/suspicious/noConfusingVoidType: work that answers nothing (void) goes on, as much as `true` does.
export type Work<Item extends JobItem, Result> = (batch: Batch<Item, Result>) => Promise<boolean | void>;
