import type { LoadResult } from './load.js';

/**
 * The runs of one load against two replicas at once, as one: answers per second add up; the latencies are those of
 * the worse replica (each load generator knows only its own percentiles, so the worse is the honest bound).
 */
export function mergeRuns(runs: readonly LoadResult[]): LoadResult {
  if (runs.length === 1) return runs[0]!;
  const worst = (pick: (run: LoadResult) => number) => Math.max(...runs.map(pick));
  const total = (pick: (run: LoadResult) => number) => runs.reduce((sum, run) => sum + pick(run), 0);
  const merged: LoadResult = {
    rps: total((run) => run.rps),
    p50: worst((run) => run.p50),
    p99: worst((run) => run.p99),
    answered: total((run) => run.answered),
    problems: runs.flatMap((run, i) => run.problems.map((problem) => `replica ${i + 1}: ${problem}`)),
  };
  if (runs.every((run) => run.late === undefined)) return merged;
  return {
    ...merged,
    late: {
      calls: total((run) => run.late?.calls ?? 0),
      sent: total((run) => run.late?.sent ?? 0),
      worstMs: worst((run) => run.late?.worstMs ?? 0),
    },
  };
}

/** `total` connections over `parts` load generators (one per replica), at least one each. */
export function splitConnections(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.max(1, Math.floor(total / parts) + (i < total % parts ? 1 : 0)));
}
