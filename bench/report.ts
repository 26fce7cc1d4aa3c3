import type { LoadResult } from './load.js';
import type { StoreSizeRow } from './store-size.js';

export type Dialect = 'SQLite' | 'PostgreSQL';

/** What was measured for one workload on one server. */
export interface Measured {
  workload: string;
  server: string;
  full: LoadResult;
  /** kgkit only: the run limited to half of `full.rps`. */
  half?: LoadResult;
}

export const BARE = 'bare Hono';
export const PRISM = 'Prism mock';
export const kgkitOn = (dialect: Dialect) => `kgkit ${dialect}`;

const ms = (value: number | undefined) => (value === undefined || Number.isNaN(value) ? '–' : value < 10 ? value.toFixed(2) : value.toFixed(1));
const int = (value: number) => Math.round(value).toLocaleString('en-US');
const pad = (cells: string[], widths: number[]) => cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');

/** The load table: one row per workload and server, with kgkit's ratios to the bare endpoint and to Prism. */
export function loadTable(results: Measured[]): string[] {
  const widths = [19, 17, 7, 7, 7, 11, 8, 8, 9];
  const lines = [pad(['workload', 'server', 'rps', 'p50 ms', 'p99 ms', 'p99@50% ms', 'RSS MiB', 'vs bare', 'vs Prism'], widths)];
  let previous = '';
  for (const row of results) {
    const bare = find(results, row.workload, BARE);
    const prism = find(results, row.workload, PRISM);
    const ours = row.server.startsWith('kgkit');
    const mark = row.full.problems.length > 0 || (row.half?.problems.length ?? 0) > 0 ? ' !' : '';
    lines.push(
      pad(
        [
          row.workload === previous ? '' : row.workload,
          row.server + mark,
          int(row.full.rps),
          ms(row.full.p50),
          ms(row.full.p99),
          ms(row.half?.p99),
          row.full.rssMiB.toFixed(0),
          ours && bare ? `${((100 * row.full.rps) / bare.full.rps).toFixed(0)} %` : '',
          ours && prism ? `${(row.full.rps / prism.full.rps).toFixed(1)}×` : '',
        ],
        widths,
      ),
    );
    previous = row.workload;
  }
  return lines;
}

export function storeSizeTable(rows: Record<Dialect, StoreSizeRow[]>): string[] {
  const widths = [11, 10, 9, 9, 11, 11];
  const lines = [pad(['dialect', 'stored', '×1 p50', '×1 p99', '×100 p50', '×100 p99'], widths)];
  for (const [dialect, sizes] of Object.entries(rows)) {
    for (const row of sizes) {
      const one = row.latency['queryInstance ×1'];
      const hundred = row.latency['queryInstance ×100'];
      lines.push(pad([dialect, int(row.stored), ms(one?.p50), ms(one?.p99), ms(hundred?.p50), ms(hundred?.p99)], widths));
    }
  }
  return lines;
}

export function problemLines(results: Measured[], sizes: Record<string, StoreSizeRow[]>): string[] {
  const lines: string[] = [];
  for (const row of results) {
    for (const problem of row.full.problems) lines.push(`! ${row.workload} on ${row.server}: ${problem}`);
    for (const problem of row.half?.problems ?? []) lines.push(`! ${row.workload} on ${row.server} at half load: ${problem}`);
  }
  for (const [dialect, rows] of Object.entries(sizes))
    for (const row of rows)
      for (const [workload, latency] of Object.entries(row.latency))
        for (const problem of latency.problems) lines.push(`! ${workload} with ${int(row.stored)} stored on ${dialect}: ${problem}`);
  return lines;
}

interface Verdict {
  pass: boolean;
  line: string;
}

/** PASS/MISS of every target of issue 6, per dialect; a run with problems never passes. */
export function targetVerdicts(results: Measured[], sizes: Record<Dialect, StoreSizeRow[]>, dialects: readonly Dialect[]): Verdict[] {
  const verdicts: Verdict[] = [];
  const verdict = (pass: boolean, text: string) => verdicts.push({ pass, line: `${pass ? 'PASS' : 'MISS'}  ${text}` });
  const trusted = (row: Measured | undefined) => row !== undefined && row.full.problems.length === 0;
  const workloads = [...new Set(results.map((row) => row.workload))];

  for (const dialect of dialects) {
    const server = kgkitOn(dialect);
    for (const workload of workloads) {
      const ours = find(results, workload, server);
      const bare = find(results, workload, BARE);
      const prism = find(results, workload, PRISM);
      if (!ours) continue;
      const floor = workload === 'newInstance' ? 50 : 70;
      if (bare) {
        const share = (100 * ours.full.rps) / bare.full.rps;
        verdict(trusted(ours) && trusted(bare) && share >= floor, `${workload} on ${dialect}: ${share.toFixed(0)} % of bare Hono's rps (target ≥ ${floor} %)`);
      }
      if (prism) {
        const times = ours.full.rps / prism.full.rps;
        verdict(trusted(ours) && trusted(prism) && times >= 5, `${workload} on ${dialect}: ${times.toFixed(1)}× the Prism mock's rps (target ≥ 5×)`);
      }
      if (ours.half) {
        verdict(
          ours.half.problems.length === 0 && ours.half.p99 < 20,
          `${workload} on ${dialect}: p99 ${ms(ours.half.p99)} ms at half of max load (target < 20 ms)`,
        );
      }
    }
    const rss = Math.max(...results.filter((row) => row.server === server).flatMap((row) => [row.full.rssMiB, row.half?.rssMiB ?? 0]));
    if (Number.isFinite(rss)) verdict(rss < 150, `RSS on ${dialect}: at most ${rss.toFixed(0)} MiB under load (target < 150 MB)`);
    const rows = sizes[dialect] ?? [];
    if (rows.length >= 2) {
      const smallest = rows[0]!;
      const largest = rows[rows.length - 1]!;
      for (const workload of Object.keys(largest.latency)) {
        const small = smallest.latency[workload]!;
        const large = largest.latency[workload]!;
        // Flat: the median call at the largest store within 1.5× (plus 0.2 ms of timer noise) of the smallest.
        const pass = small.problems.length === 0 && large.problems.length === 0 && large.p50 <= 1.5 * small.p50 + 0.2;
        verdict(
          pass,
          `${workload} on ${dialect}: p50 ${ms(small.p50)} ms with ${int(smallest.stored)} stored, ${ms(large.p50)} ms with ${int(largest.stored)} (target flat: ≤ 1.5× + 0.2 ms)`,
        );
      }
    }
  }
  return verdicts;
}

function find(results: Measured[], workload: string, server: string): Measured | undefined {
  return results.find((row) => row.workload === workload && row.server === server);
}
