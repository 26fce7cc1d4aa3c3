/**
 * `make bench`: kgkit's production server under a real load generator (wrk, installed from Debian's packages when
 * missing; autocannon when wrk cannot be had, or with BENCH_LOAD=autocannon), beside a bare Hono endpoint answering
 * the same bytes and the Prism mock of the contract, on SQLite and on PostgreSQL (when it answers) with one and with
 * two replicas. Prints the machine, a table with the ratios, memory, queryInstance latency by store size, the time
 * of `make gen`, and PASS/MISS per target of the hot-path issue. Not part of the test suite.
 *
 *   BENCH_SECONDS       length of each measured run (default 5, at most 45: calls are signed before a run and the
 *                       signature window is 60 s)
 *   BENCH_CONNECTIONS   concurrent connections of the load generator (default 10, autocannon's own default); two
 *                       replicas get half each
 *   BENCH_LOAD          wrk (default) or autocannon, for every run; at half of the maximum rate wrk is paced by a
 *                       Lua delay() (wrk-pacing.ts), autocannon by its overallRate
 *   BENCH_STORE_SIZES   instances stored for the latency-by-size runs (default 1000,100000,1000000; none: skip them)
 *   BENCH_ONLY          sqlite or postgres: one store only
 *   BENCH_WORKLOADS     some of new-instance,query-1,query-100
 *   BENCH_PIN=0         no taskset: servers and load generator share every CPU
 *   BENCH_FROM_SOURCE=1 run src/index.ts under tsx even when scripts/build.ts can compile it
 *   BENCH_PROFILE=1     run kgkit with node --cpu-prof and print its time by category and the functions with the most
 *                       self time, per deployment
 *   BENCH_KGKIT_FLAGS   node flags for kgkit, to try a deployment setting (e.g. --max-semi-space-size=4)
 *   BENCH_KGKIT_ROOT    another checkout to run as kgkit (node_modules linked), to measure before → after
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openStore } from '../src/store/connect.js';
import { timeMakeGen } from './gen-time.js';
import { type BenchCode, prepareCode } from './kgkit-build.js';
import { type LoadOptions, type LoadResult, runLoad } from './load.js';
import { filesystemOf, machineLine } from './machine.js';
import { sampleRss, treeRssMiB } from './memory.js';
import { mergeRuns, splitConnections } from './replica-runs.js';
import { type Pinning, machinePinning, pinSelf } from './pinning.js';
import { profileSummary } from './profile-summary.js';
import {
  BARE,
  type Deployment,
  type Dialect,
  type Measured,
  type Memory,
  PRISM,
  halfLoadTable,
  kgkitName,
  loadTable,
  memoryTable,
  problemLines,
  storeSizeTable,
  targetVerdicts,
} from './report.js';
import { type KgkitOptions, ROOT, type ServerProcess, startBareHono, startKgkit, startPrism } from './servers.js';
import { SettingError, type Settings, readSettings } from './settings.js';
import { SignedPool, newOrderBody, sign } from './signed-requests.js';
import { type StoreSizeRow, measureStoreSizes } from './store-size.js';
import { POSTGRES_URL, postgresSchema, postgresVersion } from './stores.js';
import { WORKLOADS, type Workload, isSuccess } from './workloads.js';
import { LATE_MS, LATE_SHARE_LIMIT } from './wrk-pacing.js';
import { prepareWrk, wrkBinary } from './wrk.js';

const WARM_UP_SECONDS = 1;
const HALF_LOAD_WRK =
  'half load: wrk again, paced by its Lua delay() to half of the rps just measured: every connection takes its send time ' +
  'from one schedule of evenly spaced slots (no bursts, no jitter). Closed loop, not a constant-arrival generator like ' +
  'wrk2: a connection waits for its answer before it takes the next slot, so when every connection is waiting the next ' +
  'calls leave late and their wait is missing from their latency (coordinated omission). Such calls are counted (late: ' +
  `more than ${LATE_MS} ms after the slot); past ${100 * LATE_SHARE_LIMIT} % of the calls the run is marked !`;
const HALF_LOAD_AUTOCANNON =
  'half load: autocannon overallRate in the bench process, which releases each connection’s share at the start of ' +
  'every second: bursts, so its p99 is that of a burst, not of a steady rate';
/** Time for a server to settle after start-up (or after its last call) before its memory is read. */
const SETTLE_MS = 1_000;
/** And the second reading after the runs: V8's memory reducer gives pages back within 20–40 s of the last call. */
const SETTLED_MS = 30_000;

interface KgkitDeployment {
  deployment: Deployment;
  name: string;
  replicas: ServerProcess[];
  profileDirs: string[];
}

interface Servers {
  kgkit: KgkitDeployment[];
  bare: ServerProcess;
  prism: ServerProcess;
  /** The 100 instances every query asks for, on every store. */
  instanceIds: string[];
  idleMiB: Map<string, number[]>;
}

interface Bench {
  settings: Settings;
  workloads: readonly Workload[];
  root: string;
  code: BenchCode;
  pinning: Pinning;
  wrk: string | undefined;
}

const scratch = mkdtempSync(join(tmpdir(), 'kgkit-bench-'));
const cleanups: (() => Promise<void>)[] = [];
process.once('SIGINT', () => void cleanUp().then(() => process.exit(130)));

try {
  await main();
} catch (error) {
  process.exitCode = error instanceof SettingError ? 2 : 1;
  console.error(`bench: ${(error as Error).message}`);
} finally {
  await cleanUp();
}

async function main(): Promise<void> {
  const settings = readSettings(
    process.env,
    WORKLOADS.map((workload) => workload.slug),
  );
  const workloads = WORKLOADS.filter((workload) => settings.workloads?.includes(workload.slug) ?? true);
  const pgVersion = settings.only === 'sqlite' ? undefined : await postgresVersion();
  if (settings.only === 'postgres' && !pgVersion)
    throw new SettingError(`BENCH_ONLY=postgres, but PostgreSQL does not answer at ${POSTGRES_URL}: start it, or set DATABASE_URL=postgres://…`);
  const dialects: Dialect[] = settings.only === 'postgres' ? ['PostgreSQL'] : pgVersion ? ['SQLite', 'PostgreSQL'] : ['SQLite'];
  const deployments = dialects.flatMap((dialect): Deployment[] =>
    dialect === 'PostgreSQL' ? [1, 2].map((replicas) => ({ dialect, replicas })) : [{ dialect, replicas: 1 }],
  );
  const root = settings.kgkitRoot ?? ROOT;
  process.stderr.write('bench: preparing kgkit…\n');
  const code = await prepareCode(root, scratch, settings.fromSource);
  cleanups.push(async () => code.dispose());
  const pinning = machinePinning(settings.pin);
  const bench: Bench = { settings, workloads, root, code, pinning, wrk: settings.loader === 'wrk' ? wrkBinary() : undefined };
  await printSetting(bench, pgVersion, deployments);

  // The bench process signs calls and runs autocannon: on the load generator's CPU too.
  if (pinning.loadCpus) pinSelf(pinning.loadCpus);
  const servers = await startServers(bench, deployments);
  const results = await measureLoad(bench, servers);
  const memory = await memoryAfter(servers);
  await servers.bare.stop();
  await servers.prism.stop();
  const profiles: [string, string[]][] = [];
  for (const { name, replicas, profileDirs } of servers.kgkit) {
    for (const replica of replicas) await replica.stop();
    if (settings.profile) profiles.push([name, profileSummary(profileDirs, [root, join(scratch, 'dist')], 15)]);
  }
  const queries = workloads.filter((workload) => workload.name.startsWith('queryInstance'));
  const sizes = settings.storeSizes.length > 0 && queries.length > 0 ? await measureSizes(bench, dialects, queries) : {};
  if (pinning.loadCpus) pinSelf(`${pinning.serverCpus},${pinning.loadCpus}`);
  process.stderr.write('bench: make gen…\n');
  const genSeconds = timeMakeGen();
  printResults(results, memory, sizes, genSeconds, profiles);
}

async function printSetting({ settings, root, code, pinning, wrk }: Bench, pgVersion: string | undefined, deployments: readonly Deployment[]): Promise<void> {
  const sqliteSettings = await sqliteSettingsOf(join(scratch, 'settings.sqlite'));
  console.log(`kgkit bench, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`);
  console.log(`machine: ${machineLine(pgVersion)}`);
  console.log(`load average before: ${loadAverage()} (a shared machine: other work competes for the same cores)`);
  console.log(`CPUs: ${pinning.note}`);
  console.log(
    `runs: ${settings.seconds} s each after a ${WARM_UP_SECONDS} s warm-up, ${settings.connections} connections, ` +
      `${wrk ? `wrk (one thread, ${wrk})` : 'autocannon 9.0.0 in the bench process'}; ` +
      'every call signed before its run (a fresh nonce each, newInstance a new order each), none signed during a run',
  );
  console.log(wrk ? HALF_LOAD_WRK : HALF_LOAD_AUTOCANNON);
  console.log(
    `kgkit: ${root === ROOT ? '' : `${root}, `}${code.note}${settings.kgkitFlags.length > 0 ? `, node flags ${settings.kgkitFlags.join(' ')}` : ''}; ` +
      `LOG_LEVEL=warn, defaults otherwise; ${deployments.map(kgkitName).join(', ')}`,
  );
  console.log(
    `stores: SQLite on ${filesystemOf(scratch)} (${sqliteSettings})` +
      (pgVersion
        ? '; PostgreSQL in a schema of its own per deployment, dropped after; two replicas: two processes on one schema, each on its own port and driven by its own load generator with half of the connections, rps summed, the worse p50/p99'
        : settings.only === 'sqlite'
          ? ' (BENCH_ONLY=sqlite)'
          : '; PostgreSQL did not answer: SQLite only'),
  );
  console.log('');
}

/** kgkit per deployment with 100 instances made through the interface itself; then the bare endpoint and Prism. */
async function startServers({ settings, workloads, root, code, pinning }: Bench, deployments: readonly Deployment[]): Promise<Servers> {
  const idleMiB = new Map<string, number[]>();
  const kgkit: KgkitDeployment[] = [];
  for (const deployment of deployments) {
    const name = kgkitName(deployment);
    const database = deployment.dialect === 'SQLite' ? `file:${join(scratch, 'kgkit.sqlite')}` : (await schemaDroppedAfter()).url;
    const replicas: ServerProcess[] = [];
    const profileDirs: string[] = [];
    for (let replica = 1; replica <= deployment.replicas; replica++) {
      const profileDir = join(scratch, 'profiles', `${deployment.dialect}-${deployment.replicas}-${replica}`);
      profileDirs.push(profileDir);
      const nodeFlags = [...settings.kgkitFlags, ...(settings.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])];
      const label = deployment.replicas > 1 ? `${name} replica ${replica}` : name;
      replicas.push(await started(startKgkit(label, database, kgkitOptions(root, code, pinning, nodeFlags))));
    }
    idleMiB.set(name, await idleMemory(replicas));
    kgkit.push({ deployment, name, replicas, profileDirs });
  }
  const creates = Array.from({ length: 100 }, () => newOrderBody() as { businessId: string });
  // The bare endpoint answers, byte for byte, what kgkit answered to each workload.
  const answers: Record<string, string> = {};
  for (const { name, replicas } of kgkit) {
    for (const [i, body] of creates.entries()) {
      const answer = await call(replicas[i % replicas.length]!, body);
      if (!isSuccess(answer)) throw new Error(`${name} did not create ${body.businessId}: ${answer}`);
      answers['new-instance'] ??= answer;
    }
  }
  const instanceIds = creates.map((body) => body.businessId);
  for (const workload of workloads.filter((w) => w.slug !== 'new-instance'))
    answers[workload.slug] = await call(kgkit[0]!.replicas[0]!, workload.bodies(instanceIds)());
  const answersFile = join(scratch, 'answers.json');
  writeFileSync(answersFile, JSON.stringify(answers));
  const bare = await started(startBareHono(answersFile, code.bareHonoEntry, code.serveFlags, pinning.serverCpus));
  idleMiB.set(BARE, await idleMemory([bare]));
  const prism = await started(startPrism(pinning.serverCpus));
  idleMiB.set(PRISM, await idleMemory([prism]));
  return { kgkit, bare, prism, instanceIds, idleMiB };
}

function kgkitOptions(root: string, code: BenchCode, pinning: Pinning, nodeFlags: string[]): KgkitOptions {
  return { root, compiledEntry: code.kgkitEntry, serveFlags: code.serveFlags, nodeFlags, ...(pinning.serverCpus ? { cpus: pinning.serverCpus } : {}) };
}

/** Every workload on every server, one after the other: max rate, then (kgkit) half of it. */
async function measureLoad({ settings, workloads, wrk, pinning }: Bench, { kgkit, bare, prism, instanceIds }: Servers): Promise<Measured[]> {
  const results: Measured[] = [];
  for (const workload of workloads) {
    const targets: { name: string; servers: ServerProcess[]; path: string; headers?: Record<string, string> }[] = [
      { name: BARE, servers: [bare], path: `/bare/${workload.slug}` },
      { name: PRISM, servers: [prism], path: '/saas', headers: { prefer: `example=${workload.example}` } },
      ...kgkit.map(({ name, replicas }) => ({ name, servers: replicas, path: '/saas' })),
    ];
    for (const { name, servers, path, headers = {} } of targets) {
      process.stderr.write(`bench: ${workload.name} on ${name}…\n`);
      const connections = splitConnections(settings.connections, servers.length);
      const allConnections = connections.reduce((sum, count) => sum + count, 0);
      // One load generator per replica, all prepared (calls signed and written) before any starts.
      const run = async (seconds: number, poolSize: number, overallRate?: number) => {
        const starts = servers.map((server, i) => {
          const options: LoadOptions = {
            url: server.url,
            path,
            headers,
            pool: new SignedPool(workload.bodies(instanceIds), Math.ceil(poolSize / servers.length)),
            connections: connections[i]!,
            seconds,
            ...(overallRate ? { overallRate: Math.max(1, Math.round((overallRate * connections[i]!) / allConnections)) } : {}),
            expect: isSuccess,
          };
          return wrk ? prepareWrk(wrk, options, pinning.loadCpus) : () => runLoad(options);
        });
        const rss = sampleRss(servers.map((server) => server.pid));
        const runs: LoadResult[] = await Promise.all(starts.map((start) => start()));
        return { result: mergeRuns(runs), rssMiB: rss.stop() };
      };
      const warm = await run(WARM_UP_SECONDS, 12_000);
      // Pools with room to spare (a second of warm-up runs colder than the run): a call signed during the run
      // would take CPU from the server.
      const full = await run(settings.seconds, Math.ceil(Math.max(warm.result.rps * 3, 10_000) * settings.seconds));
      const halfRate = Math.max(1, Math.round(full.result.rps / 2));
      const half = name.startsWith('kgkit') ? await run(settings.seconds, Math.ceil(halfRate * settings.seconds * 1.2) + 2_000, halfRate) : undefined;
      results.push({
        workload: workload.name,
        server: name,
        full: full.result,
        ...(half ? { half: { ...half.result, targetRps: halfRate } } : {}),
        rssMiB: full.rssMiB,
      });
    }
  }
  return results;
}

async function idleMemory(servers: readonly ServerProcess[]): Promise<number[]> {
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  return servers.map((server) => treeRssMiB([server.pid]));
}

/** Every server's memory once all the runs are over (a second after, and half a minute after), with its idle memory. */
async function memoryAfter({ kgkit, bare, prism, idleMiB }: Servers): Promise<Memory[]> {
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const entries: [string, ServerProcess[]][] = [
    [BARE, [bare]],
    [PRISM, [prism]],
    ...kgkit.map(({ name, replicas }): [string, ServerProcess[]] => [name, replicas]),
  ];
  const afterMiB = entries.map(([, processes]) => processes.map((server) => treeRssMiB([server.pid])));
  await new Promise((resolve) => setTimeout(resolve, SETTLED_MS - SETTLE_MS));
  return entries.map(([name, processes], i) => ({
    server: name,
    idleMiB: idleMiB.get(name) ?? [],
    afterMiB: afterMiB[i]!,
    settledMiB: processes.map((server) => treeRssMiB([server.pid])),
  }));
}

/** queryInstance latency by store size, on a fresh store (and server) per dialect. */
async function measureSizes(
  { settings, root, code, pinning }: Bench,
  dialects: readonly Dialect[],
  queries: readonly Workload[],
): Promise<Partial<Record<Dialect, StoreSizeRow[]>>> {
  const sizes: Partial<Record<Dialect, StoreSizeRow[]>> = {};
  for (const dialect of dialects) {
    process.stderr.write(`bench: queryInstance by store size on ${dialect}…\n`);
    const sqlitePath = join(scratch, 'sizes.sqlite');
    const postgresUrl = dialect === 'PostgreSQL' ? (await schemaDroppedAfter()).url : undefined;
    const server = await started(
      startKgkit(`kgkit ${dialect} (sizes)`, postgresUrl ?? `file:${sqlitePath}`, kgkitOptions(root, code, pinning, settings.kgkitFlags)),
    );
    sizes[dialect] = await measureStoreSizes(server, postgresUrl ? { postgresUrl } : { sqlitePath }, settings.storeSizes, settings.seconds, queries);
    await server.stop();
  }
  return sizes;
}

function printResults(
  results: Measured[],
  memory: Memory[],
  sizes: Partial<Record<Dialect, StoreSizeRow[]>>,
  genSeconds: number,
  profiles: [string, string[]][],
): void {
  console.log(loadTable(results).join('\n'));
  console.log('');
  console.log('p99@50%: a second run limited to half of the measured rps (half load in the header; its rate and p50 below).');
  console.log('RSS: largest resident memory during the maximum-rate run, every process of the server (both replicas) summed.');
  console.log('Prism answers its static example (2 instances) to queryInstance ×100.');
  console.log('');
  console.log('kgkit at half of its maximum rate (late calls: paced wrk only)');
  console.log(halfLoadTable(results).join('\n'));
  console.log('');
  console.log('memory, MiB (VmRSS of the server process and all its children; idle: after start-up, before any call)');
  console.log(memoryTable(memory, results).join('\n'));
  if (Object.keys(sizes).length > 0) {
    console.log('');
    console.log('queryInstance by store size, ms (one connection, one call after another, a fixed mix of 1,000 ids spread over the store)');
    console.log(storeSizeTable(sizes).join('\n'));
  }
  console.log('');
  console.log(`make gen: ${genSeconds.toFixed(1)} s (every contract, in a scratch copy)`);
  console.log(`load average after: ${loadAverage()}`);
  const problems = problemLines(results, sizes);
  if (problems.length > 0) console.log(['', ...problems].join('\n'));
  console.log('');
  console.log(
    targetVerdicts(results, memory, sizes)
      .map((verdict) => verdict.line)
      .join('\n'),
  );
  for (const [name, lines] of profiles) console.log(['', `${name}: node --cpu-prof, every thread, the whole run`, ...lines].join('\n'));
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

async function cleanUp(): Promise<void> {
  while (cleanups.length > 0) await cleanups.pop()!().catch((error: unknown) => console.error(`bench: clean-up failed: ${(error as Error).message}`));
  rmSync(scratch, { recursive: true, force: true });
}
