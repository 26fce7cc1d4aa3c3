import { describe, expect, it } from 'vitest';
import type { LoadResult } from '../../bench/load.js';
import { withDescendants } from '../../bench/memory.js';
import { parseCpuList, planPinning } from '../../bench/pinning.js';
import { categoryOf } from '../../bench/profile-summary.js';
import { mergeRuns, splitConnections } from '../../bench/replica-runs.js';
import {
  BARE,
  type HalfLoad,
  type Measured,
  type Memory,
  PRISM,
  halfLoadTable,
  kgkitName,
  loadTable,
  memoryTable,
  targetVerdicts,
} from '../../bench/report.js';
import { SettingError, readSettings } from '../../bench/settings.js';
import type { StoreSizeRow } from '../../bench/store-size.js';

// The bench's arithmetic and verdicts on made-up figures: no server, no load (make bench measures; this checks the sums).

const run = (rps: number, p99 = 5, problems: string[] = []): LoadResult => ({ rps, p50: p99 / 2, p99, answered: rps, problems });
const half = (rps: number, p99: number, late?: LoadResult['late']): HalfLoad => ({ ...run(rps, p99), targetRps: rps, ...(late ? { late } : {}) });
const row = (workload: string, server: string, rps: number, extra: Partial<Measured> = {}): Measured => ({
  workload,
  server,
  full: run(rps),
  rssMiB: 90,
  ...extra,
});
const SQLITE = kgkitName({ dialect: 'SQLite', replicas: 1 });
const PG = kgkitName({ dialect: 'PostgreSQL', replicas: 1 });
const PG2 = kgkitName({ dialect: 'PostgreSQL', replicas: 2 });
const lineOf = (lines: string[], text: string) => lines.find((line) => line.includes(text));

describe('two replicas, one load', () => {
  it('adds the rps, keeps the worse latencies and every problem, per replica', () => {
    const merged = mergeRuns([run(1_000, 8), { ...run(1_200, 12), p50: 3, problems: ['2 socket errors or timeouts'] }]);
    expect(merged).toEqual({ rps: 2_200, p50: 4, p99: 12, answered: 2_200, problems: ['replica 2: 2 socket errors or timeouts'] });
  });

  it('adds the late calls of paced runs and keeps the worse lag', () => {
    const merged = mergeRuns([
      { ...run(500), late: { calls: 3, sent: 2_500, worstMs: 12 } },
      { ...run(500), late: { calls: 1, sent: 2_501, worstMs: 30 } },
    ]);
    expect(merged.late).toEqual({ calls: 4, sent: 5_001, worstMs: 30 });
    expect(mergeRuns([run(500), run(500)])).not.toHaveProperty('late');
  });

  it('answers a single run as it is', () => {
    const single = run(500);
    expect(mergeRuns([single])).toBe(single);
  });

  it.each([
    [10, 2, [5, 5]],
    [11, 2, [6, 5]],
    [1, 2, [1, 1]],
    [10, 1, [10]],
  ])('splits %i connections over %i load generators as %j', (total, parts, expected) => {
    expect(splitConnections(total, parts)).toEqual(expected);
  });
});

describe('targets of the hot-path issue', () => {
  const memory: Memory[] = [
    { server: BARE, idleMiB: [60], afterMiB: [110], settledMiB: [70] },
    { server: PRISM, idleMiB: [150], afterMiB: [170] },
    { server: SQLITE, idleMiB: [80], afterMiB: [100], settledMiB: [75] },
    { server: PG, idleMiB: [120], afterMiB: [130], settledMiB: [65] },
    { server: PG2, idleMiB: [90, 95], afterMiB: [100, 105] },
  ];
  const results: Measured[] = [
    row('newInstance', BARE, 4_000),
    row('newInstance', PRISM, 300),
    row('newInstance', SQLITE, 2_000, { half: half(1_000, 12) }),
    row('newInstance', PG, 1_000),
    row('newInstance', PG2, 1_500),
    row('queryInstance ×1', BARE, 5_000),
    row('queryInstance ×1', PRISM, 1_000),
    row('queryInstance ×1', SQLITE, 3_000, { half: half(1_500, 25) }),
  ];
  const verdicts = targetVerdicts(results, memory, {}).map((verdict) => verdict.line);

  it.each([
    ['PASS  newInstance on kgkit SQLite: 50 % of bare Hono', 'the SQLite newInstance floor is 50 %, inclusive'],
    ['MISS  queryInstance ×1 on kgkit SQLite: 60 % of bare Hono', 'queryInstance ×1 needs 70 %'],
    ['PASS  newInstance on kgkit SQLite: 6.7× the Prism', '5× Prism'],
    ['MISS  queryInstance ×1 on kgkit SQLite: 3.0× the Prism', '5× Prism'],
    ['PASS  newInstance on kgkit SQLite: p99 12.0 ms at half', 'p99 under 20 ms at half load'],
    ['MISS  queryInstance ×1 on kgkit SQLite: p99 25.0 ms at half', 'p99 under 20 ms at half load'],
    ['PASS  memory of kgkit SQLite, all its processes: 80 MiB idle', 'idle under 100 MiB'],
    ['MISS  memory of kgkit PostgreSQL, all its processes: 120 MiB idle', 'idle under 100 MiB'],
    ["PASS  memory of kgkit SQLite after the runs: 100 MiB, bare Hono's 110 MiB", 'after load no more than bare Hono'],
    ["MISS  memory of kgkit PostgreSQL after the runs: 130 MiB, bare Hono's 110 MiB", 'after load no more than bare Hono'],
    ["MISS  memory of kgkit SQLite 30 s after the runs: 75 MiB, bare Hono's 70 MiB", 'half a minute later, read the same way'],
    ["PASS  memory of kgkit PostgreSQL 30 s after the runs: 65 MiB, bare Hono's 70 MiB", 'half a minute later, read the same way'],
    ['MISS  newInstance on kgkit PostgreSQL: 25 % of bare Hono', 'PostgreSQL newInstance needs 30 % with one replica'],
    ['PASS  newInstance on PostgreSQL: 1,500 rps with two replicas, 1,000 with one', 'more with two replicas'],
  ])('%s (%s)', (expected) => {
    expect(lineOf(verdicts, expected), verdicts.join('\n')).toBeDefined();
  });

  it('sets no share-of-bare target for queryInstance ×100 nor for PostgreSQL queries', () => {
    const more = targetVerdicts(
      [...results, row('queryInstance ×100', BARE, 1_000), row('queryInstance ×100', SQLITE, 100), row('queryInstance ×1', PG, 10)],
      memory,
      {},
    );
    expect(more.filter((verdict) => verdict.line.includes('queryInstance ×100') && verdict.line.includes('bare'))).toEqual([]);
    expect(more.filter((verdict) => verdict.line.includes('queryInstance ×1 on kgkit PostgreSQL'))).toEqual([]);
  });

  it('never passes a run with problems, nor two replicas slower than one', () => {
    const spoiled = targetVerdicts(
      [
        row('newInstance', BARE, 1_000),
        row('newInstance', SQLITE, 900, { full: run(900, 5, ['3 unexpected answers']) }),
        row('newInstance', PG, 800),
        row('newInstance', PG2, 700),
      ],
      [],
      {},
    ).map((verdict) => verdict.line);
    expect(lineOf(spoiled, 'newInstance on kgkit SQLite: 90 %')).toMatch(/^MISS/);
    expect(lineOf(spoiled, 'with two replicas')).toMatch(/^MISS/);
  });

  it('leaves out the targets whose rows were not measured (BENCH_ONLY, BENCH_WORKLOADS)', () => {
    expect(targetVerdicts([row('queryInstance ×1', BARE, 5_000), row('queryInstance ×1', SQLITE, 4_000)], [], {}).map((v) => v.line)).toEqual([
      "PASS  queryInstance ×1 on kgkit SQLite: 80 % of bare Hono's rps (target ≥ 70 %)",
    ]);
  });

  it('calls latency flat when the largest store is within 1.5× + 0.2 ms of the smallest', () => {
    const size = (stored: number, p50: number): StoreSizeRow => ({ stored, latency: { 'queryInstance ×1': { p50, p99: 2 * p50, problems: [] } } });
    const lines = targetVerdicts([], [], { SQLite: [size(1_000, 1), size(1_000_000, 1.7)], PostgreSQL: [size(1_000, 1), size(1_000_000, 1.71)] }).map(
      (verdict) => verdict.line,
    );
    expect(lines.map((line) => line.slice(0, 4))).toEqual(['PASS', 'MISS']);
  });
});

describe('the printed tables', () => {
  it('gives kgkit its share of bare Hono and its multiple of Prism, two replicas together', () => {
    const table = loadTable([row('newInstance', BARE, 4_000), row('newInstance', PRISM, 400), row('newInstance', PG2, 2_000, { rssMiB: 210 })]);
    expect(table[3]).toMatch(/kgkit PostgreSQL ×2\s+2,000\s.*\s210\s+50 %\s+5\.0×$/);
  });

  it('gives the half-load rate asked and held, and the late calls of a paced run', () => {
    const table = halfLoadTable([
      row('newInstance', BARE, 4_000),
      row('newInstance', SQLITE, 2_000, { half: { ...half(998, 6), targetRps: 1_000, late: { calls: 20, sent: 1_000, worstMs: 14.25 } } }),
      row('queryInstance ×1', SQLITE, 3_000, { half: half(1_500, 9) }),
    ]);
    expect(table.slice(1).map((line) => line.split(/\s{2,}/).filter(Boolean))).toEqual([
      ['newInstance', SQLITE, '1,000', '998', '3.00', '6.00', '20 (2.0 %)', '14.3'],
      ['queryInstance ×1', SQLITE, '1,500', '1,500', '4.50', '9.00', '–', '–'],
    ]);
  });

  it('shows the memory of two replicas together and each', () => {
    const table = memoryTable([{ server: PG2, idleMiB: [90, 95], afterMiB: [100, 105], settledMiB: [80, 82] }], [row('newInstance', PG2, 1, { rssMiB: 230 })]);
    expect(table.slice(1).map((line) => line.split(/\s{2,}/).filter(Boolean))).toEqual([
      [PG2, 'together', '185', '230', '205', '162'],
      ['replica 1', '90', '100', '80'],
      ['replica 2', '95', '105', '82'],
    ]);
  });
});

describe('CPU pinning', () => {
  it.each([
    ['0-3', [0, 1, 2, 3]],
    ['0,2-3,7', [0, 2, 3, 7]],
    ['1', [1]],
  ])('reads the affinity list %s', (list, cpus) => {
    expect(parseCpuList(list)).toEqual(cpus);
  });

  it('keeps the last CPU for the load and the others for the servers', () => {
    expect(planPinning(true, true, [0, 1, 2, 3])).toMatchObject({ serverCpus: '0,1,2', loadCpus: '3' });
    expect(planPinning(true, true, [0, 1])).toMatchObject({ serverCpus: '0', loadCpus: '1' });
  });

  it.each([
    [false, true, [0, 1], 'BENCH_PIN=0'],
    [true, false, [0, 1], 'taskset not found'],
    [true, true, [0], '1 CPU'],
  ])('does not pin when wanted=%s, taskset=%s, CPUs %j (%s)', (wanted, taskset, cpus, why) => {
    const plan = planPinning(wanted, taskset, cpus);
    expect(plan.serverCpus).toBeUndefined();
    expect(plan.note).toContain(why);
  });
});

describe('a server and all its processes', () => {
  it('follows children and grandchildren, nothing else', () => {
    const parentOf = new Map([
      [10, 1],
      [11, 10],
      [12, 11],
      [20, 1],
      [21, 20],
    ]);
    expect(withDescendants([10], parentOf).sort()).toEqual([10, 11, 12]);
    expect(withDescendants([10, 20], parentOf).sort()).toEqual([10, 11, 12, 20, 21]);
  });
});

describe('profile categories', () => {
  it.each([
    ['(idle)', '', 'idle'],
    ['(garbage collector)', '', 'gc'],
    ['run', 'file:///work/main/node_modules/better-sqlite3/lib/methods/wrappers.js', 'sqlite/pg driver'],
    ['parse', 'file:///work/main/node_modules/pg-protocol/dist/parser.js', 'sqlite/pg driver'],
    ['executeQuery', 'file:///work/main/node_modules/kysely/dist/esm/dialect/sqlite/sqlite-driver.js', 'sqlite/pg driver'],
    ['compileQuery', 'file:///work/main/node_modules/kysely/dist/esm/query-compiler/default-query-compiler.js', 'kysely'],
    ['dispatch', 'file:///work/main/node_modules/hono/dist/hono-base.js', 'hono'],
    ['responseViaCache', 'file:///work/main/node_modules/@hono/node-server/dist/index.mjs', 'hono'],
    ['validate42', '', 'ajv validation'],
    ['digest', '', 'crypto'],
    ['createHmac', 'node:crypto', 'crypto'],
    ['writev', '', 'node http'],
    ['parserOnHeadersComplete', 'node:_http_common', 'node http'],
    ['handleRequest', 'file:///tmp/kgkit-bench-x/dist/src/saas-v2/mount.js', 'kgkit'],
    ['handleRequest', 'file:///work/wt-bench/src/saas-v2/mount.ts', 'kgkit'],
    ['emit', 'node:events', 'node (other)'],
  ])('%s in %s is %s', (name, url, category) => {
    expect(categoryOf(name, url)).toBe(category);
  });
});

describe('settings', () => {
  const slugs = ['new-instance', 'query-1', 'query-100'];

  it('has defaults for everything', () => {
    expect(readSettings({}, slugs)).toMatchObject({ seconds: 5, connections: 10, only: undefined, workloads: undefined, pin: true, fromSource: false });
  });

  it('reads the filters', () => {
    expect(readSettings({ BENCH_ONLY: 'postgres', BENCH_WORKLOADS: 'query-1, new-instance', BENCH_STORE_SIZES: 'none', BENCH_PIN: '0' }, slugs)).toMatchObject({
      only: 'postgres',
      workloads: ['query-1', 'new-instance'],
      storeSizes: [],
      pin: false,
    });
  });

  it.each([
    [{ BENCH_SECONDS: '50' }, 'BENCH_SECONDS must be an integer from 1 to 45 (got 50)'],
    [{ BENCH_CONNECTIONS: 'ten' }, 'BENCH_CONNECTIONS must be an integer from 1 to 1000 (got ten)'],
    [{ BENCH_ONLY: 'mysql' }, 'BENCH_ONLY must be one of sqlite, postgres (got mysql)'],
    [{ BENCH_WORKLOADS: 'query-1,delete' }, 'BENCH_WORKLOADS takes a comma-separated list of new-instance, query-1, query-100 (got query-1,delete)'],
    [{ BENCH_STORE_SIZES: '1000,-5' }, 'BENCH_STORE_SIZES must be positive integers separated by commas, or none (got 1000,-5)'],
    [{ BENCH_PIN: 'yes' }, 'BENCH_PIN must be 0 or 1 (got yes)'],
    [{ BENCH_LOAD: 'ab' }, 'BENCH_LOAD must be one of wrk, autocannon (got ab)'],
  ])('refuses %j with one line', (env, message) => {
    expect(() => readSettings(env, slugs)).toThrow(new SettingError(message));
  });
});
