import type { Kysely } from 'kysely';
import type { Logger } from '../log.js';
import type { Dialect } from '../store/connect.js';
import {
  type PruneBatch,
  pruneAuditEvents,
  pruneExpiredNonces,
  pruneExpiredSsoAttempts,
  pruneExpiredSsoSessions,
  pruneFinishedLicenseUploads,
  pruneFinishedOrderLookups,
  pruneFinishedUsageRecords,
  pruneUnbillableUsageEvents,
  pruneUsageEventsOfFinishedRecords,
} from '../store/retention.js';
import type { Database } from '../store/schema.js';
import { type RetentionPolicy, cutoff, retentionProblems } from './policy.js';

export interface RetentionJobOptions {
  db: Kysely<Database>;
  dialect: Dialect;
  policy: RetentionPolicy;
  logger: Logger;
  now?: () => number;
  random?: () => number;
  /** Rows one delete statement removes at most. */
  batchSize?: number;
  /** Delete statements per table and run at most: a large backlog is worked off over several runs. */
  maxBatches?: number;
}

export interface RetentionReport {
  /** Rows deleted per table by this run (this replica only: another's deletes are its own). */
  pruned: Record<string, number>;
  /** Tables whose pruning failed; the next run tries them again. */
  failed: string[];
}

interface Step {
  table: string;
  prune(batch: PruneBatch): Promise<number>;
}

/** How far a run's start may move either way from the interval, so that replicas started together spread out. */
const JITTER = 0.2;

/**
 * Bounded storage (docs/decisions.md#20): every replica runs this job; each run deletes, in batches, what nothing needs
 * any more. Runs on several replicas at once are safe: old rows are deleted once, whoever deletes them, and
 * src/store/retention.ts makes concurrent batches skip each other's rows. Never pruned: instances, pending usage
 * records and the events of open windows, lookups and uploads still being retried.
 */
export class RetentionJob {
  private readonly db: Kysely<Database>;
  private readonly dialect: Dialect;
  private readonly policy: RetentionPolicy;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly batchSize: number;
  private readonly maxBatches: number;

  constructor({ db, dialect, policy, logger, now = Date.now, random = Math.random, batchSize = 1000, maxBatches = 100 }: RetentionJobOptions) {
    const problems = retentionProblems(policy);
    if (!Number.isInteger(batchSize) || batchSize < 1) problems.push('batchSize must be a positive integer');
    if (!Number.isInteger(maxBatches) || maxBatches < 1) problems.push('maxBatches must be a positive integer');
    if (problems.length > 0) throw new Error(`retention job: ${problems.join('; ')}`);
    this.db = db;
    this.dialect = dialect;
    this.policy = policy;
    this.logger = logger;
    this.now = now;
    this.random = random;
    this.batchSize = batchSize;
    this.maxBatches = maxBatches;
  }

  /** One run: every table in turn, batch after batch until a batch comes back short; stops between batches once aborted. */
  async runOnce(signal?: AbortSignal): Promise<RetentionReport> {
    const started = this.now();
    const report: RetentionReport = { pruned: {}, failed: [] };
    const batch: PruneBatch = { db: this.db, dialect: this.dialect, limit: this.batchSize };
    for (const step of this.steps(started)) {
      try {
        for (let round = 0; round < this.maxBatches && !signal?.aborted; round += 1) {
          const count = await step.prune(batch);
          report.pruned[step.table] = (report.pruned[step.table] ?? 0) + count;
          if (count < this.batchSize) break;
        }
      } catch (error) {
        report.failed.push(step.table);
        this.logger.warn('retention: pruning failed; the next run tries again', { table: step.table, error: (error as Error).message ?? String(error) });
      }
    }
    const pruned = Object.fromEntries(Object.entries(report.pruned).filter(([, count]) => count > 0));
    if (Object.keys(pruned).length > 0) this.logger.info('retention: pruned old rows', { pruned, durationMs: this.now() - started });
    return report;
  }

  /**
   * Runs every `intervalMs` (give or take a fifth, at random), the first run one interval after the start. Answers the
   * function that stops it: no batch starts after it is called, and it resolves once the run in progress is over.
   */
  start(intervalMs: number): () => Promise<void> {
    if (!Number.isInteger(intervalMs) || intervalMs < 1) throw new Error('retention job: intervalMs must be a positive integer');
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<unknown> | undefined;
    const schedule = () => {
      if (abort.signal.aborted) return;
      timer = setTimeout(
        () => {
          running = this.runOnce(abort.signal)
            .catch((error: unknown) =>
              this.logger.warn('retention: run failed; the next run tries again', { error: (error as Error).message ?? String(error) }),
            )
            .finally(() => {
              running = undefined;
              schedule();
            });
        },
        Math.round(intervalMs * (1 - JITTER + 2 * JITTER * this.random())),
      );
      timer.unref();
    };
    schedule();
    return async () => {
      abort.abort();
      clearTimeout(timer);
      await running;
    };
  }

  private steps(now: number): Step[] {
    const steps: Step[] = [
      { table: 'nonces', prune: (batch) => pruneExpiredNonces(batch, now) },
      { table: 'sso_login_attempts', prune: (batch) => pruneExpiredSsoAttempts(batch, now) },
      { table: 'sso_sessions', prune: (batch) => pruneExpiredSsoSessions(batch, now) },
    ];
    const audit = cutoff(now, this.policy.auditDays);
    if (audit !== undefined) steps.push({ table: 'events', prune: (batch) => pruneAuditEvents(batch, audit) });
    const usage = cutoff(now, this.policy.usageDays);
    if (usage !== undefined) {
      steps.push(
        { table: 'usage_events', prune: (batch) => pruneUsageEventsOfFinishedRecords(batch, usage) },
        { table: 'usage_events', prune: (batch) => pruneUnbillableUsageEvents(batch, usage) },
        // After the events: a record goes only once none of its events is left.
        { table: 'usage_records', prune: (batch) => pruneFinishedUsageRecords(batch, usage) },
      );
    }
    const jobs = cutoff(now, this.policy.jobsDays);
    if (jobs !== undefined) {
      steps.push(
        { table: 'order_lookups', prune: (batch) => pruneFinishedOrderLookups(batch, jobs) },
        { table: 'license_requests', prune: (batch) => pruneFinishedLicenseUploads(batch, jobs) },
      );
    }
    return steps;
  }
}
