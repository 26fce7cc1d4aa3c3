/**
 * `make bench`: kgkit's production server under a real load generator (wrk, installed from Debian's packages when
 * missing; autocannon when wrk cannot be had, or with BENCH_LOAD=autocannon), beside a bare Hono endpoint
 * answering the same bytes and the Prism mock of the contract, on SQLite and on PostgreSQL (when it answers).
 * Prints the machine, a table with the ratios, queryInstance latency by store size, the time of `make gen`, and
 * PASS/MISS per target of issue 6. Not part of the test suite.
 *
 *   BENCH_SECONDS       length of each measured run (default 5, at most 45: calls are signed before a run and the
 *                       signature window is 60 s)
 *   BENCH_CONNECTIONS   concurrent connections of the load generator (default 10, autocannon's own default)
 *   BENCH_LOAD          wrk (default) or autocannon; the runs at half of the maximum rate always use autocannon,
 *                       which can hold a rate
 *   BENCH_STORE_SIZES   instances stored for the latency-by-size runs (default 1000,100000,1000000)
 *   BENCH_PROFILE=1     run kgkit with node --cpu-prof and print the functions with the most self time
 *   BENCH_KGKIT_FLAGS   node flags for kgkit, to try a deployment setting (e.g. --max-semi-space-size=4)
 *   BENCH_KGKIT_ROOT    another checkout whose src/ to run as kgkit (node_modules linked), to measure before → after
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openStore } from '../src/store/connect.js';
import { timeMakeGen } from './gen-time.js';
import { type LoadOptions, runLoad } from './load.js';
import { filesystemOf, machineLine } from './machine.js';
import { topSelfTime } from './profile-summary.js';
import { BARE, type Dialect, type Measured, PRISM, kgkitOn, loadTable, problemLines, storeSizeTable, targetVerdicts } from './report.js';
import { ROOT, type ServerProcess, startBareHono, startKgkit, startPrism } from './servers.js';
import { SignedPool, newOrderBody, sign } from './signed-requests.js';
import { type StoreSizeRow, measureStoreSizes } from './store-size.js';
import { postgresSchema, postgresVersion } from './stores.js';
import { WORKLOADS, isSuccess } from './workloads.js';
import { runWrk, wrkBinary } from './wrk.js';

const SECONDS = envInteger('BENCH_SECONDS', 5, 1, 45);
const CONNECTIONS = envInteger('BENCH_CONNECTIONS', 10, 1, 1000);
const STORE_SIZES = envSizes('BENCH_STORE_SIZES', [1_000, 100_000, 1_000_000]);
const PROFILE = process.env.BENCH_PROFILE === '1';
const KGKIT_FLAGS = (process.env.BENCH_KGKIT_FLAGS ?? '').split(' ').filter((flag) => flag !== '');
const KGKIT_ROOT = process.env.BENCH_KGKIT_ROOT || ROOT;
const WARM_UP_SECONDS = 1;
const WRK = process.env.BENCH_LOAD === 'autocannon' ? undefined : wrkBinary();
/** The maximum-rate runs: wrk when there is one. */
const runMax = (options: LoadOptions) => (WRK ? runWrk(WRK, options) : runLoad(options));

const scratch = mkdtempSync(join(tmpdir(), 'kgkit-bench-'));
const profileDir = join(scratch, 'profiles');
const cleanups: (() => Promise<void>)[] = [];
process.once('SIGINT', () => void cleanUp().then(() => process.exit(130)));

interface Servers {
  kgkit: Map<Dialect, ServerProcess>;
  bare: ServerProcess;
  prism: ServerProcess;
  /** The 100 instances every query asks for, on every store. */
  instanceIds: string[];
}

try {
  const pgVersion = await postgresVersion();
  const dialects: Dialect[] = pgVersion ? ['SQLite', 'PostgreSQL'] : ['SQLite'];
  await printSetting(pgVersion);
  const servers = await startServers(dialects);
  const results = await measureLoad(servers);
  await servers.bare.stop();
  await servers.prism.stop();
  const profiles = new Map<Dialect, string[]>();
  for (const [dialect, server] of servers.kgkit) {
    await server.stop();
    if (PROFILE) profiles.set(dialect, topSelfTime(join(profileDir, dialect), 15));
  }
  const sizes = await measureSizes(dialects);
  process.stderr.write('bench: make gen…\n');
  const genSeconds = timeMakeGen();
  printResults(results, sizes, genSeconds, dialects, profiles);
} finally {
  await cleanUp();
}

async function printSetting(pgVersion: string | undefined): Promise<void> {
  const sqliteSettings = await sqliteSettingsOf(join(scratch, 'settings.sqlite'));
  console.log(`kgkit bench, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`);
  console.log(`machine: ${machineLine(pgVersion)}`);
  console.log(`load average before: ${loadAverage()} (a shared machine: other work competes for the same cores)`);
  console.log(
    `runs: ${SECONDS} s each after a ${WARM_UP_SECONDS} s warm-up, ${CONNECTIONS} connections, ` +
      `${WRK ? `wrk (one thread, ${WRK}) at the maximum rate, autocannon 9.0.0 in the bench process at half of it` : 'autocannon 9.0.0 in the bench process'}; ` +
      'every call signed before its run (a fresh nonce each, newInstance a new order each), none signed during a run',
  );
  console.log(
    `kgkit: ${KGKIT_ROOT === ROOT ? '' : `${KGKIT_ROOT}/`}src/index.ts under node ${[...KGKIT_FLAGS, '--import tsx'].join(' ')}, LOG_LEVEL=warn, defaults otherwise; SQLite on ${filesystemOf(scratch)} (${sqliteSettings})` +
      (pgVersion ? '; PostgreSQL in a schema of its own, dropped after' : '; PostgreSQL did not answer: SQLite only'),
  );
  console.log('');
}

/** kgkit on each store with 100 instances made through the interface itself; then the bare endpoint and Prism. */
async function startServers(dialects: readonly Dialect[]): Promise<Servers> {
  const flags = (dialect: Dialect) => [...KGKIT_FLAGS, ...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, dialect)}`] : [])];
  const kgkit = new Map<Dialect, ServerProcess>();
  for (const dialect of dialects) {
    const database = dialect === 'SQLite' ? `file:${join(scratch, 'kgkit.sqlite')}` : (await schemaDroppedAfter()).url;
    kgkit.set(dialect, await started(startKgkit(kgkitOn(dialect), database, flags(dialect), KGKIT_ROOT)));
  }
  const creates = Array.from({ length: 100 }, () => newOrderBody() as { businessId: string });
  // The bare endpoint answers, byte for byte, what kgkit answered to each workload.
  const answers: Record<string, string> = {};
  for (const [dialect, server] of kgkit) {
    for (const body of creates) {
      const answer = await call(server, body);
      if (!isSuccess(answer)) throw new Error(`kgkit on ${dialect} did not create ${body.businessId}: ${answer}`);
      answers['new-instance'] ??= answer;
    }
  }
  const instanceIds = creates.map((body) => body.businessId);
  for (const workload of WORKLOADS.filter((w) => w.slug !== 'new-instance'))
    answers[workload.slug] = await call(kgkit.get('SQLite')!, workload.bodies(instanceIds)());
  const answersFile = join(scratch, 'answers.json');
  writeFileSync(answersFile, JSON.stringify(answers));
  return { kgkit, bare: await started(startBareHono(answersFile)), prism: await started(startPrism()), instanceIds };
}

/** Every workload on every server, one after the other: max rate, then (kgkit) half of it. */
async function measureLoad({ kgkit, bare, prism, instanceIds }: Servers): Promise<Measured[]> {
  const results: Measured[] = [];
  for (const workload of WORKLOADS) {
    const targets: { name: string; server: ServerProcess; path: string; headers?: Record<string, string> }[] = [
      { name: BARE, server: bare, path: `/bare/${workload.slug}` },
      { name: PRISM, server: prism, path: '/saas', headers: { prefer: `example=${workload.example}` } },
      ...[...kgkit].map(([dialect, server]) => ({ name: kgkitOn(dialect), server, path: '/saas' })),
    ];
    for (const { name, server, path, headers = {} } of targets) {
      process.stderr.write(`bench: ${workload.name} on ${name}…\n`);
      const run = (seconds: number, poolSize: number, overallRate?: number) =>
        (overallRate ? runLoad : runMax)({
          url: server.url,
          path,
          headers,
          pool: new SignedPool(workload.bodies(instanceIds), poolSize),
          connections: CONNECTIONS,
          seconds,
          ...(overallRate ? { overallRate } : {}),
          pid: server.pid,
          expect: isSuccess,
        });
      const warm = await run(WARM_UP_SECONDS, 12_000);
      // Pools with room to spare (a second of warm-up runs colder than the run): a call signed during the run
      // would take CPU from the server.
      const full = await run(SECONDS, Math.ceil(Math.max(warm.rps * 3, 10_000) * SECONDS));
      const halfRate = Math.max(1, Math.round(full.rps / 2));
      const half = name.startsWith('kgkit') ? await run(SECONDS, Math.ceil(halfRate * SECONDS * 1.2) + 2_000, halfRate) : undefined;
      results.push({ workload: workload.name, server: name, full, ...(half ? { half } : {}) });
    }
  }
  return results;
}

/** queryInstance latency by store size, on a fresh store (and server) per dialect. */
async function measureSizes(dialects: readonly Dialect[]): Promise<Record<Dialect, StoreSizeRow[]>> {
  const sizes = {} as Record<Dialect, StoreSizeRow[]>;
  for (const dialect of dialects) {
    process.stderr.write(`bench: queryInstance by store size on ${dialect}…\n`);
    const sqlitePath = join(scratch, 'sizes.sqlite');
    const postgresUrl = dialect === 'PostgreSQL' ? (await schemaDroppedAfter()).url : undefined;
    const server = await started(startKgkit(`kgkit ${dialect} (sizes)`, postgresUrl ?? `file:${sqlitePath}`, KGKIT_FLAGS, KGKIT_ROOT));
    sizes[dialect] = await measureStoreSizes(server, postgresUrl ? { postgresUrl } : { sqlitePath }, STORE_SIZES, SECONDS);
    await server.stop();
  }
  return sizes;
}

function printResults(
  results: Measured[],
  sizes: Record<Dialect, StoreSizeRow[]>,
  genSeconds: number,
  dialects: readonly Dialect[],
  profiles: Map<Dialect, string[]>,
): void {
  console.log(loadTable(results).join('\n'));
  console.log('');
  console.log(
    'p99@50%: a second run limited to half of the measured rps (autocannon overallRate, which releases each connection’s share at the start of every second).',
  );
  console.log('RSS: largest VmRSS of the server process during the run. Prism answers its static example (2 instances) to queryInstance ×100.');
  console.log('');
  console.log('queryInstance by store size, ms (one connection, one call after another, a fixed mix of 1,000 ids spread over the store)');
  console.log(storeSizeTable(sizes).join('\n'));
  console.log('');
  console.log(`make gen: ${genSeconds.toFixed(1)} s (every contract, in a scratch copy)`);
  console.log(`load average after: ${loadAverage()}`);
  const problems = problemLines(results, sizes);
  if (problems.length > 0) console.log(['', ...problems].join('\n'));
  console.log('');
  console.log(
    targetVerdicts(results, sizes, dialects)
      .map((verdict) => verdict.line)
      .join('\n'),
  );
  for (const [dialect, lines] of profiles)
    console.log(['', `kgkit on ${dialect}: most self time (node --cpu-prof, main thread, whole run)`, ...lines].join('\n'));
}

/** A server that is stopped at the end whatever happens. */
async function started(starting: Promise<ServerProcess>): Promise<ServerProcess> {
  const server = await starting;
  cleanups.push(() => server.stop());
  return server;
}

/** A PostgreSQL schema of the bench's own, dropped at the end whatever happens. */
async function schemaDroppedAfter(): Promise<{ url: string }> {
  const schema = await postgresSchema();
  cleanups.push(() => schema.drop());
  return schema;
}

async function call(server: ServerProcess, body: object): Promise<string> {
  const signed = sign(body);
  const response = await fetch(`${server.url}/saas?${signed.query}`, {
    method: 'POST',
    body: signed.body,
    headers: { 'content-type': 'application/json;charset=UTF-8' },
  });
  return response.text();
}

/** journal_mode and synchronous as kgkit's own connection code sets them. */
async function sqliteSettingsOf(path: string): Promise<string> {
  const store = await openStore({ dialect: 'sqlite', target: path });
  try {
    const journal = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(store.db);
    const synchronous = await sql<{ synchronous: number }>`pragma synchronous`.execute(store.db);
    const level = ['OFF', 'NORMAL', 'FULL', 'EXTRA'][synchronous.rows[0]!.synchronous] ?? String(synchronous.rows[0]!.synchronous);
    return `journal_mode=${journal.rows[0]!.journal_mode}, synchronous=${level}`;
  } finally {
    await store.close();
  }
}

function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

function envInteger(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be an integer from ${min} to ${max} (got ${raw})`);
  return value;
}

function envSizes(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const sizes = raw.split(',').map((size) => Number(size.trim()));
  if (sizes.some((size) => !Number.isInteger(size) || size < 1)) throw new Error(`${name} must be positive integers separated by commas (got ${raw})`);
  return sizes;
}

async function cleanUp(): Promise<void> {
  while (cleanups.length > 0) await cleanups.pop()!().catch((error: unknown) => console.error(`bench: clean-up failed: ${(error as Error).message}`));
  rmSync(scratch, { recursive: true, force: true });
}
