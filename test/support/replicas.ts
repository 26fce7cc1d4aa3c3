import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type SellerAnswer, type SellerCall, checkAnswer, sendToSeller } from '../../src/conformance/driver.js';
import { type Store, openStore } from '../../src/store/connect.js';
import { freePort } from './ports.js';

// Real server processes (`tsx src/index.ts`) on one database, started, stopped and killed the way a deployment's
// replicas are. Each runs in a process group of its own: tsx runs the server in a child process, so a kill -9 must
// reach the whole group, or the child would go on serving the port.

const TSX = new URL('../../node_modules/.bin/tsx', import.meta.url).pathname;
const ENTRY = new URL('../../src/index.ts', import.meta.url).pathname;

export interface Replica {
  name: string;
  port: number;
  /** http://127.0.0.1:<port> */
  base: string;
  /** Everything the process wrote on stdout and stderr. */
  output(): string;
  /** The exit code, or the signal that ended it. */
  exited: Promise<number | NodeJS.Signals | null>;
  /** kill -9 of the server and its tsx parent, as a crashed host or an OOM kill ends them. */
  kill(): Promise<void>;
  /** SIGTERM, then waits for the exit; answers the exit code. */
  stop(): Promise<number | NodeJS.Signals | null>;
}

/** Starts one server process and waits until its /healthz answers ok; `env` adds to a minimal environment. */
export async function startReplica(name: string, env: Record<string, string>): Promise<Replica> {
  const port = await freePort();
  const child = spawn(TSX, [ENTRY], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  const replica: Replica = {
    name,
    port,
    base: `http://127.0.0.1:${port}`,
    output: () => output,
    exited,
    kill: async () => {
      signalGroup(child, 'SIGKILL');
      await exited;
    },
    stop: async () => {
      // The tsx parent relays SIGTERM to the server once; signalling the whole group would deliver it twice.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
  await untilHealthy(replica);
  return replica;
}

/** Starts `count` replicas with the same environment, side by side; if one fails, the others are stopped. */
export async function startReplicas(count: number, env: Record<string, string>): Promise<Replica[]> {
  const started = await Promise.allSettled(Array.from({ length: count }, (_, i) => startReplica(`replica-${String.fromCharCode(97 + i)}`, env)));
  const failed = started.find((result) => result.status === 'rejected');
  const replicas = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  if (failed) {
    await stopAll(replicas);
    throw failed.reason;
  }
  return replicas;
}

/** Stops what is still running (a replica that was killed is already gone); kill -9 for one that takes over 10 s. */
export async function stopAll(replicas: readonly (Replica | undefined)[]): Promise<void> {
  await Promise.all(
    replicas.map(async (replica) => {
      if (!replica) return;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), 10_000)));
      if ((await Promise.race([replica.stop(), late])) === 'late') await replica.kill();
      clearTimeout(timer);
    }),
  );
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

async function untilHealthy(replica: Replica): Promise<void> {
  let gone = false;
  void replica.exited.then(() => (gone = true));
  for (let i = 0; i < 300 && !gone; i++) {
    try {
      const response = await fetch(`${replica.base}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await replica.kill();
  throw new Error(`${replica.name} did not become healthy${gone ? ' (it exited)' : ' within 30 s'}:\n${replica.output()}`);
}

export interface SharedSchema {
  schema: string;
  /** DATABASE_URL for the replicas: the same database, with the schema as search_path. */
  databaseUrl: string;
  /** The schema as the test reads and seeds it (opened once, after the replicas have migrated it). */
  store(): Promise<Store>;
  drop(): Promise<void>;
}

/**
 * A fresh, empty PostgreSQL schema and the URL that points every replica at it: pg passes the URL's `options` to the
 * server (`-c search_path=…`). Replicas started together on it migrate it together, as a rolling deploy does.
 */
export async function freshSchema(url: string): Promise<SharedSchema> {
  const schema = `kgkit_replicas_${randomBytes(6).toString('hex')}`;
  await adminQuery(url, `create schema ${schema}`);
  let opened: Promise<Store> | undefined;
  return {
    schema,
    databaseUrl: `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    store: () => (opened ??= openStore({ dialect: 'postgres', target: url }, { schema, poolSize: 5 })),
    drop: async () => {
      await (await opened?.catch(() => undefined))?.close();
      await adminQuery(url, `drop schema ${schema} cascade`);
    },
  };
}

async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

export interface MarketplaceCallResult {
  answer: SellerAnswer;
  /** Every way the answer breaks the family's contract (src/conformance/answer-check.ts); empty when it conforms. */
  problems: string[];
  /** The answer's resultCode, or undefined when there was none. */
  code: string | undefined;
}

/** One call of the marketplace to a replica, signed as KooGallery signs it and checked against the family's contract. */
export async function callReplica(replica: Replica, key: string, call: SellerCall): Promise<MarketplaceCallResult> {
  const endpoint = { url: `${replica.base}${familyPath(call.family)}`, key };
  const answer = await sendToSeller(endpoint, call);
  const code = (answer.json as { resultCode?: unknown } | undefined)?.resultCode;
  return { answer, problems: checkAnswer(endpoint, call, answer), code: typeof code === 'string' ? code : undefined };
}

/** The default production path of each family (the Kit families hang below the SaaS path). */
function familyPath(family: SellerCall['family']): string {
  switch (family) {
    case 'saas-v2':
    case 'kit-v2':
    case 'kit-v1':
      return '/saas';
    case 'saas-v1':
      return '/saas-v1';
    case 'license-code':
      return '/license-code';
    case 'online-license':
      return '/license';
    case 'order-notify':
      return '/order-notify';
  }
}

/** Waits for the replicas' background work (provisioning, metering) to reach a state; fails after `withinMs`. */
export async function until(condition: () => Promise<boolean>, withinMs = 30_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** How many times each value occurs, for figures and for comparing outcomes at a glance. */
export function spread(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

/** The q-quantile (0–1) of the values, nearest rank. */
export function percentile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}
