import type { LoadResult } from './load.js';
import type { StoreSizeRow } from './store-size.js';

export type Dialect = 'SQLite' | 'PostgreSQL';

/** kgkit as measured: a store, and how many server processes share it. */
export interface Deployment {
  dialect: Dialect;
  replicas: number;
}

/** What was measured for one workload on one server (two replicas: their runs merged, mergeRuns). */
export interface Measured {
  workload: string;
  server: string;
  full: LoadResult;
  /** kgkit only: the run limited to half of `full.rps`. */
  half?: HalfLoad;
  /** Largest resident memory during the maximum-rate run, all processes of the server (both replicas) summed, MiB. */
  rssMiB: number;
}

/** The run at half of the maximum rate, with the rate it was limited to. */
export interface HalfLoad extends LoadResult {
  targetRps: number;
}

/** Resident memory of one server, all its processes, MiB; per replica for kgkit with two. */
export interface Memory {
  server: string;
  /** After start-up, before any call. */
  idleMiB: number[];
  /** After every run (a second after the last call). */
  afterMiB: number[];
  /** Half a minute later, once V8's memory reducer has had time to give pages back; absent when not read. */
  settledMiB?: number[];
}

export const BARE = 'bare Hono';
export const PRISM = 'Prism mock';
export const kgkitName = ({ dialect, replicas }: Deployment) => `kgkit ${dialect}${replicas > 1 ? ` ×${replicas}` : ''}`;

const ms = (value: number | undefined) => (value === undefined || Number.isNaN(value) ? '–' : value < 10 ? value.toFixed(2) : value.toFixed(1));
const mib = (value: number | undefined) => (value === undefined || Number.isNaN(value) ? '–' : value.toFixed(0));
const int = (value: number) => Math.round(value).toLocaleString('en-US');
const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);
const pad = (cells: string[], widths: number[]) => cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');

/** The load table: one row per workload and server, with kgkit's ratios to the bare endpoint and to Prism. */
export function loadTable(results: readonly Measured[]): string[] {
  const widths = [19, 21, 7, 7, 7, 11, 8, 8, 9];
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
          mib(row.rssMiB),
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

/** kgkit at half of its maximum rate: the rate asked and held, the latencies, and (paced wrk) the calls that left late. */
export function halfLoadTable(results: readonly Measured[]): string[] {
  const widths = [19, 21, 10, 7, 7, 7, 16, 12];
  const lines = [pad(['workload', 'server', 'target rps', 'rps', 'p50 ms', 'p99 ms', 'late calls', 'worst lag ms'], widths)];
  let previous = '';
  for (const row of results) {
    const half = row.half;
    if (!half) continue;
    const late = half.late;
    lines.push(
      pad(
        [
          row.workload === previous ? '' : row.workload,
          row.server + (half.problems.length > 0 ? ' !' : ''),
          int(half.targetRps),
          int(half.rps),
          ms(half.p50),
          ms(half.p99),
          late ? `${int(late.calls)} (${((100 * late.calls) / Math.max(1, late.sent)).toFixed(1)} %)` : '–',
          late && late.calls > 0 ? ms(late.worstMs) : '–',
        ],
        widths,
      ),
    );
    previous = row.workload;
  }
  return lines;
}

/** Idle, peak (over the maximum-rate runs) and after-load memory of every server; two replicas summed and each. */
export function memoryTable(memory: readonly Memory[], results: readonly Measured[]): string[] {
  const widths = [21, 12, 8, 8, 16, 12];
  const lines = [pad(['server', '', 'idle', 'peak', 'after the runs', '30 s later'], widths)];
  for (const { server, idleMiB, afterMiB, settledMiB } of memory) {
    const peak = Math.max(...results.filter((row) => row.server === server).map((row) => row.rssMiB));
    const settled = settledMiB ? mib(sum(settledMiB)) : '–';
    lines.push(pad([server, idleMiB.length > 1 ? 'together' : '', mib(sum(idleMiB)), mib(peak), mib(sum(afterMiB)), settled], widths));
    if (idleMiB.length > 1)
      idleMiB.forEach((idle, i) => {
        lines.push(pad(['', `replica ${i + 1}`, mib(idle), '', mib(afterMiB[i]), settledMiB ? mib(settledMiB[i]) : '–'], widths));
      });
  }
  return lines;
}

export function storeSizeTable(rows: Partial<Record<Dialect, StoreSizeRow[]>>): string[] {
  const widths = [11, 10, 9, 9, 11, 11];
  const lines = [pad(['dialect', 'stored', '×1 p50', '×1 p99', '×100 p50', '×100 p99'], widths)];
  for (const [dialect, sizes] of Object.entries(rows)) {
    for (const row of sizes ?? []) {
      const one = row.latency['queryInstance ×1'];
      const hundred = row.latency['queryInstance ×100'];
      lines.push(pad([dialect, int(row.stored), ms(one?.p50), ms(one?.p99), ms(hundred?.p50), ms(hundred?.p99)], widths));
    }
  }
  return lines;
}

export function problemLines(results: readonly Measured[], sizes: Partial<Record<Dialect, StoreSizeRow[]>>): string[] {
  const lines: string[] = [];
  for (const row of results) {
    for (const problem of row.full.problems) lines.push(`! ${row.workload} on ${row.server}: ${problem}`);
    for (const problem of row.half?.problems ?? []) lines.push(`! ${row.workload} on ${row.server} at half load: ${problem}`);
  }
  for (const [dialect, rows] of Object.entries(sizes))
    for (const row of rows ?? [])
      for (const [workload, latency] of Object.entries(row.latency))
        for (const problem of latency.problems) lines.push(`! ${workload} with ${int(row.stored)} stored on ${dialect}: ${problem}`);
  return lines;
}

export interface Verdict {
  pass: boolean;
  line: string;
}

const SQLITE = kgkitName({ dialect: 'SQLite', replicas: 1 });
const POSTGRES = kgkitName({ dialect: 'PostgreSQL', replicas: 1 });
const POSTGRES_TWO = kgkitName({ dialect: 'PostgreSQL', replicas: 2 });
const IDLE_LIMIT_MIB = 100;

/**
 * PASS/MISS of every target of the hot-path issue that the measured rows allow (a target whose rows were not measured,
 * BENCH_ONLY or BENCH_WORKLOADS, is left out); a run with problems never passes.
 */
export function targetVerdicts(results: readonly Measured[], memory: readonly Memory[], sizes: Partial<Record<Dialect, StoreSizeRow[]>>): Verdict[] {
  const verdicts: Verdict[] = [];
  const verdict = (pass: boolean, text: string) => verdicts.push({ pass, line: `${pass ? 'PASS' : 'MISS'}  ${text}` });
  const trusted = (...rows: Measured[]) => rows.every((row) => row.full.problems.length === 0);

  const shareOfBare = (server: string, workload: string, floor: number) => {
    const ours = find(results, workload, server);
    const bare = find(results, workload, BARE);
    if (!ours || !bare) return;
    const share = (100 * ours.full.rps) / bare.full.rps;
    verdict(trusted(ours, bare) && share >= floor, `${workload} on ${server}: ${share.toFixed(0)} % of bare Hono's rps (target ≥ ${floor} %)`);
  };
  const timesPrism = (server: string, workload: string) => {
    const ours = find(results, workload, server);
    const prism = find(results, workload, PRISM);
    if (!ours || !prism) return;
    const times = ours.full.rps / prism.full.rps;
    verdict(trusted(ours, prism) && times >= 5, `${workload} on ${server}: ${times.toFixed(1)}× the Prism mock's rps (target ≥ 5×)`);
  };

  shareOfBare(SQLITE, 'newInstance', 50);
  shareOfBare(SQLITE, 'queryInstance ×1', 70);
  timesPrism(SQLITE, 'newInstance');
  timesPrism(SQLITE, 'queryInstance ×1');
  for (const row of results.filter((r) => r.server === SQLITE && r.half))
    verdict(
      row.half!.problems.length === 0 && row.half!.p99 < 20,
      `${row.workload} on ${SQLITE}: p99 ${ms(row.half!.p99)} ms at half of max load (target < 20 ms)`,
    );

  const bareMemory = memory.find((entry) => entry.server === BARE);
  for (const entry of memory.filter((m) => m.server === SQLITE || m.server === POSTGRES)) {
    const idle = sum(entry.idleMiB);
    verdict(idle < IDLE_LIMIT_MIB, `memory of ${entry.server}, all its processes: ${mib(idle)} MiB idle (target < ${IDLE_LIMIT_MIB} MiB)`);
    if (bareMemory) {
      const after = sum(entry.afterMiB);
      const bareAfter = sum(bareMemory.afterMiB);
      verdict(after <= bareAfter, `memory of ${entry.server} after the runs: ${mib(after)} MiB, bare Hono's ${mib(bareAfter)} MiB (target: no more)`);
      if (entry.settledMiB && bareMemory.settledMiB) {
        const settled = sum(entry.settledMiB);
        const bareSettled = sum(bareMemory.settledMiB);
        verdict(
          settled <= bareSettled,
          `memory of ${entry.server} 30 s after the runs: ${mib(settled)} MiB, bare Hono's ${mib(bareSettled)} MiB (target: no more)`,
        );
      }
    }
  }

  shareOfBare(POSTGRES, 'newInstance', 30);
  const one = find(results, 'newInstance', POSTGRES);
  const two = find(results, 'newInstance', POSTGRES_TWO);
  if (one && two)
    verdict(
      trusted(one, two) && two.full.rps > one.full.rps,
      `newInstance on PostgreSQL: ${int(two.full.rps)} rps with two replicas, ${int(one.full.rps)} with one (target: more with two)`,
    );

  for (const [dialect, rows = []] of Object.entries(sizes)) {
    if (rows.length < 2) continue;
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
  return verdicts;
}

function find(results: readonly Measured[], workload: string, server: string): Measured | undefined {
  return results.find((row) => row.workload === workload && row.server === server);
}
