import { Counter, Gauge, type Metric, Registry, collectDefaultMetrics } from 'prom-client';
import type { JobStats } from '../jobs/runner.js';
import type { Logger } from '../log.js';
import { CallCells, type CountedCall, type MetricSample } from './call-metrics.js';

/** What the database says of the queues, read once per scrape (every replica's items, not only this process's). */
export interface StoreCounts {
  /** Items per job kind and state. */
  jobs: { kind: string; state: string; count: number }[];
  /** Usage records waiting to be delivered, and those of them close to the 21-day limit. */
  usageBacklog: number;
  usageAtRisk: number;
}

/** Where the scrape-time metrics come from; the composition root wires them (src/server/metric-sources.ts). */
export interface MetricSources {
  /** The counters of this process's job runners: order lookups, License uploads, usage delivery. */
  jobStats(): readonly JobStats[];
  /** The database read behind the queue gauges. */
  storeCounts(): Promise<StoreCounts>;
}

/** The longest a scrape waits for the database; after it the store's gauges are left out and kgkit_database_up is 0. */
export const STORE_READ_TIMEOUT_MS = 2_000;

const OUTCOMES = [
  ['succeeded', 'succeeded'],
  ['retried', 'retried'],
  ['gave_up', 'gaveUp'],
  ['expired', 'expired'],
] as const;
/** Usage delivery says it in the words of its record states: a record given up is `rejected`. */
const DELIVERIES = [
  ['sent', 'succeeded'],
  ['rejected', 'gaveUp'],
  ['expired', 'expired'],
  ['retried', 'retried'],
] as const;
const USAGE_KIND = 'usage record';
const label = (kind: string) => kind.replaceAll(' ', '_');

/**
 * kgkit's metrics in its own prom-client registry (never the global one): marketplace calls, refusals, provisioning,
 * job queues and outcomes, usage delivery, store errors, and the process (docs/decisions.md#23). Counting on the call
 * path touches plain numbers only; what needs the database is read when scraped, with a timeout.
 */
export class KgkitMetrics {
  readonly registry = new Registry();
  private readonly calls = new CallCells();
  private readonly refused: Counter<'path' | 'result_code'>;
  private readonly unhandled: Counter;
  private readonly provisioning: Gauge<'operation'>;
  private readonly logLines: Counter<'level'>;
  private readonly databaseUp: Gauge;
  private sources: MetricSources | undefined;
  private auditFailures: () => number = () => 0;
  private store: StoreCounts | undefined;
  private reading: Promise<StoreCounts | undefined> | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly storeReadTimeoutMs = STORE_READ_TIMEOUT_MS,
  ) {
    const registers = [this.registry];
    this.registerSamples('kgkit_calls_total', 'counter', 'Marketplace calls that reached their contract, by family, activity and result code', () =>
      this.calls.callSamples(),
    );
    this.registerSamples('kgkit_call_duration_seconds', 'histogram', 'Time to answer a marketplace call, by family and activity', () =>
      this.calls.durationSamples('kgkit_call_duration_seconds'),
    );
    this.refused = new Counter({
      name: 'kgkit_refused_calls_total',
      help: 'Calls refused before their contract (signature, timestamp, replay, body size), by path and result code',
      labelNames: ['path', 'result_code'],
      registers,
    });
    this.unhandled = new Counter({
      name: 'kgkit_unhandled_errors_total',
      help: 'Calls that failed with an error no handler answered (answered 000005 internal error); the database failing mid-call is the usual cause',
      registers,
    });
    this.provisioning = new Gauge({
      name: 'kgkit_provisioning_in_flight',
      help: "Calls to the product's provisioner running in this process, by operation (background provisioning included)",
      labelNames: ['operation'],
      registers,
    });
    this.logLines = new Counter({ name: 'kgkit_log_messages_total', help: 'Warning and error log lines', labelNames: ['level'], registers });
    this.databaseUp = new Gauge({
      name: 'kgkit_database_up',
      help: `1 when the scrape's database read answered within ${this.storeReadTimeoutMs} ms`,
      registers,
    });
    const audit = () => this.auditFailures();
    new Counter({
      name: 'kgkit_audit_write_failures_total',
      help: 'Calls whose audit row the store refused (GET /healthz auditWriteFailures)',
      registers,
      collect() {
        this.reset();
        this.inc(audit());
      },
    });
    this.storeGauges();
    this.jobCounters(registers);
    collectDefaultMetrics({ register: this.registry });
  }

  /** The counting function a family's observe callback calls with every call. */
  callCounter(family: string): (call: CountedCall) => void {
    return this.calls.counter(family);
  }

  /** Counts the refusals of one signed path; its children made once, so a refusal allocates nothing. */
  refusalCounter(path: string): (code: string) => void {
    const children = new Map<string, Counter.Internal>();
    return (code) => {
      let child = children.get(code);
      if (child === undefined) {
        child = this.refused.labels(path, code);
        children.set(code, child);
      }
      child.inc();
    };
  }

  unhandledError(): void {
    this.unhandled.inc();
  }

  /** Wraps one provisioner operation so that the gauge counts it while it runs. */
  inFlight(operation: string): <T>(work: () => Promise<T>) => Promise<T> {
    const gauge = this.provisioning.labels(operation);
    gauge.set(0);
    return async (work) => {
      gauge.inc();
      try {
        return await work();
      } finally {
        gauge.dec();
      }
    };
  }

  /** The logger with its warning and error lines counted. */
  countLines(logger: Logger): Logger {
    const warn = this.logLines.labels('warn');
    const error = this.logLines.labels('error');
    warn.inc(0);
    error.inc(0);
    return {
      debug: (message, fields) => logger.debug(message, fields),
      info: (message, fields) => logger.info(message, fields),
      warn: (message, fields) => (warn.inc(), logger.warn(message, fields)),
      error: (message, fields) => (error.inc(), logger.error(message, fields)),
    };
  }

  watch(sources: MetricSources): void {
    this.sources = sources;
  }

  watchAuditFailures(read: () => number): void {
    this.auditFailures = read;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text: the database read first (shared by scrapes that overlap), then every metric. */
  async scrape(): Promise<string> {
    this.reading ??= this.readStore().finally(() => (this.reading = undefined));
    this.store = await this.reading;
    this.databaseUp.set(this.store === undefined ? 0 : 1);
    return this.registry.metrics();
  }

  private async readStore(): Promise<StoreCounts | undefined> {
    if (this.sources === undefined) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), this.storeReadTimeoutMs);
      timer.unref();
    });
    try {
      const read = await Promise.race([this.sources.storeCounts(), late]);
      if (read !== 'late') return read;
      this.logger.warn('metrics: the database did not answer the scrape in time; its gauges are left out', { timeoutMs: this.storeReadTimeoutMs });
    } catch (error) {
      this.logger.warn('metrics: the database read of the scrape failed; its gauges are left out', { error: (error as Error).message });
    } finally {
      clearTimeout(timer);
    }
    return undefined;
  }

  /** Gauges from the scrape's database read; absent when it failed, rather than stale or zero. */
  private storeGauges(): void {
    const from = (read: (counts: StoreCounts) => MetricSample[]) => () => (this.store === undefined ? [] : read(this.store));
    this.registerSamples(
      'kgkit_jobs',
      'gauge',
      'Items of each job kind per state, in the database (every replica): order lookups, License uploads, usage records',
      from((counts) => counts.jobs.map(({ kind, state, count }) => ({ labels: { kind: label(kind), state }, value: count }))),
    );
    this.registerSamples(
      'kgkit_usage_backlog_records',
      'gauge',
      'Usage records waiting to be delivered to the marketplace',
      from((counts) => [{ labels: {}, value: counts.usageBacklog }]),
    );
    this.registerSamples(
      'kgkit_usage_backlog_at_risk_records',
      'gauge',
      'Usage records waiting for more than 18 days: three days before the marketplace refuses them',
      from((counts) => [{ labels: {}, value: counts.usageAtRisk }]),
    );
  }

  /** Counters and gauges from this process's job runners, read when scraped. */
  private jobCounters(registers: Registry[]): void {
    const stats = () => this.sources?.jobStats() ?? [];
    new Counter({
      name: 'kgkit_job_outcomes_total',
      help: 'Job items settled by this process since it started, by kind and outcome',
      labelNames: ['kind', 'outcome'],
      registers,
      collect() {
        this.reset();
        for (const job of stats()) for (const [outcome, field] of OUTCOMES) this.inc({ kind: label(job.kind), outcome }, job[field]);
      },
    });
    new Gauge({
      name: 'kgkit_jobs_in_flight',
      help: 'Job items this process has claimed and not settled yet, by kind',
      labelNames: ['kind'],
      registers,
      collect() {
        this.reset();
        for (const job of stats()) this.set({ kind: label(job.kind) }, job.inFlight);
      },
    });
    new Counter({
      name: 'kgkit_usage_deliveries_total',
      help: 'Usage records this process delivered (sent), saw refused (rejected), let expire untried or will retry, since it started',
      labelNames: ['outcome'],
      registers,
      collect() {
        this.reset();
        const usage = stats().find((job) => job.kind === USAGE_KIND);
        if (usage) for (const [outcome, field] of DELIVERIES) this.inc({ outcome }, usage[field]);
      },
    });
  }

  /**
   * A metric written from samples kept elsewhere. The registry formats any object with a name, a type and `get()`;
   * prom-client's Metric type names only its own classes, hence the cast.
   */
  private registerSamples(name: string, type: 'counter' | 'gauge' | 'histogram', help: string, samples: () => MetricSample[]): void {
    const metric = { name, help, type, aggregator: 'sum', get: async () => ({ name, help, type, aggregator: 'sum', values: samples() }) };
    this.registry.registerMetric(metric as unknown as Metric);
  }
}
