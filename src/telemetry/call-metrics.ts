/** What the observe path tells the metrics of a call (a subset of what the generated mounts report). */
export interface CountedCall {
  activity: string | undefined;
  result: { body: unknown };
  durationMs: number;
}

/**
 * Upper bounds of the latency buckets, in seconds: fine below 100 ms where kgkit answers, then up to the 4.5 s at
 * which kgkit answers 000005 whatever holds a call up and the 5 s after which the marketplace gives up
 * (docs/decisions.md#marketplace-retries).
 */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 4.5, 5] as const;

/** Result codes kept apart per family and activity; more (a handler answering something new each time) count as `other`. */
const MAX_CODES = 32;
const CODE = /^[0-9A-Za-z._-]{1,32}$/;

interface CodeCell {
  /** The result_code label: the code, or `other`. */
  code: string;
  count: number;
}

interface ActivityCells {
  activity: string;
  /** Calls per result_code label. */
  codes: Map<string, CodeCell>;
  /** Every code seen (up to a bound) to its cell, so that a code is judged once. */
  seen: Map<string, CodeCell>;
  /** Calls per bucket (not cumulative), the last one past every bound. */
  buckets: Float64Array;
  sum: number;
  count: number;
}

export interface MetricSample {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/**
 * The call counters and latency histograms, kept as plain numbers per family, activity and result code: after a pair's
 * first call, counting one is two map lookups and a few additions, with nothing allocated (docs/decisions.md#23). They
 * become samples only when scraped.
 */
export class CallCells {
  private readonly families = new Map<string, Map<string, ActivityCells>>();

  /** The counting function of one family, for its observe callback. */
  counter(family: string): (call: CountedCall) => void {
    const activities = this.families.get(family) ?? new Map<string, ActivityCells>();
    this.families.set(family, activities);
    return (call) => {
      const activity = call.activity ?? 'unknown';
      let cells = activities.get(activity);
      if (cells === undefined) {
        cells = { activity, codes: new Map(), seen: new Map(), buckets: new Float64Array(DURATION_BUCKETS.length + 1), sum: 0, count: 0 };
        activities.set(activity, cells);
      }
      const code = (call.result.body as { resultCode?: unknown } | null)?.resultCode;
      const key = typeof code === 'string' ? code : 'none';
      const cell = cells.seen.get(key) ?? codeCell(cells, key);
      cell.count += 1;
      const seconds = call.durationMs / 1000;
      let bucket = 0;
      while (bucket < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[bucket]!) bucket += 1;
      cells.buckets[bucket]! += 1;
      cells.sum += seconds;
      cells.count += 1;
    };
  }

  callSamples(): MetricSample[] {
    const samples: MetricSample[] = [];
    for (const [family, activities] of this.families)
      for (const cells of activities.values())
        for (const cell of cells.codes.values()) samples.push({ labels: { family, activity: cells.activity, result_code: cell.code }, value: cell.count });
    return samples;
  }

  /** Cumulative buckets, `+Inf`, sum and count, as Prometheus histograms are written. */
  durationSamples(name: string): MetricSample[] {
    const samples: MetricSample[] = [];
    for (const [family, activities] of this.families)
      for (const cells of activities.values()) {
        const labels = { family, activity: cells.activity };
        let cumulative = 0;
        for (const [index, bound] of DURATION_BUCKETS.entries()) {
          cumulative += cells.buckets[index]!;
          samples.push({ labels: { ...labels, le: bound }, value: cumulative, metricName: `${name}_bucket` });
        }
        samples.push({ labels: { ...labels, le: '+Inf' }, value: cells.count, metricName: `${name}_bucket` });
        samples.push({ labels, value: cells.sum, metricName: `${name}_sum` });
        samples.push({ labels, value: cells.count, metricName: `${name}_count` });
      }
    return samples;
  }
}

/** A result code's cell, or the shared `other` one for a malformed code or one past MAX_CODES. */
function codeCell(cells: ActivityCells, code: string): CodeCell {
  const label = CODE.test(code) && cells.codes.size < MAX_CODES ? code : 'other';
  let cell = cells.codes.get(label);
  if (cell === undefined) {
    cell = { code: label, count: 0 };
    cells.codes.set(label, cell);
  }
  if (cells.seen.size < MAX_CODES * 4) cells.seen.set(code, cell);
  return cell;
}
