import { type ChildProcess, spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { pinned } from './pinning.js';

export const ROOT = new URL('..', import.meta.url).pathname;
export const ACCESS_KEY = 'bench-access-key-0123456789';

/** A server under load, as its own process: what the bench sends to it and whose memory it samples. */
export interface ServerProcess {
  name: string;
  pid: number;
  url: string;
  /** Last lines the process wrote, for a failure message. */
  output(): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface KgkitOptions {
  /** The entry file of the compiled build (scripts/build.ts's output); absent: src/index.ts under the tsx loader. */
  compiledEntry?: string | undefined;
  /** The node flags of `make serve`, for the compiled entry. */
  serveFlags?: string[] | undefined;
  /** Node flags before the entry (--cpu-prof, BENCH_KGKIT_FLAGS). */
  nodeFlags: string[];
  /** The checkout to run, this one unless comparing two versions of the code. */
  root: string;
  /** taskset CPU list, when pinned. */
  cpus?: string;
}

/**
 * kgkit's production server as `make serve` runs it, started by node itself so that the pid is the server's (the tsx
 * CLI would put a process of its own in between) and node flags such as --cpu-prof reach it: the compiled build with
 * source maps, or src/index.ts with the tsx loader. Defaults everywhere except the key, the address and LOG_LEVEL=warn.
 */
export async function startKgkit(name: string, databaseUrl: string, options: KgkitOptions): Promise<ServerProcess> {
  const port = await freePort();
  const entry = options.compiledEntry ? [...(options.serveFlags ?? []), options.compiledEntry] : ['--import', 'tsx', 'src/index.ts'];
  return launch(
    name,
    port,
    [...options.nodeFlags, ...entry],
    {
      KOOGALLERY_ACCESS_KEY: ACCESS_KEY,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'warn',
    },
    { root: options.root, ...(options.cpus ? { cpus: options.cpus } : {}) },
  );
}

/** The same @hono/node-server answering fixed bytes (bench/bare-hono.ts, or its compiled copy beside kgkit's build). */
export async function startBareHono(answersFile: string, compiledEntry: string | undefined, serveFlags: string[] = [], cpus?: string): Promise<ServerProcess> {
  const port = await freePort();
  // The same node flags as kgkit's: the comparison is of the code, not of the runtime's settings.
  const entry = compiledEntry ? [...serveFlags, compiledEntry] : ['--import', 'tsx', 'bench/bare-hono.ts'];
  return launch('bare Hono', port, entry, { PORT: String(port), BARE_ANSWERS: answersFile }, cpus ? { cpus } : {});
}

/** Prism mocking the SaaS V2.0 contract; requests pick the activity's example with `Prefer: example=<activity>`. */
export async function startPrism(cpus?: string): Promise<ServerProcess> {
  const port = await freePort();
  const prism = join(ROOT, 'node_modules/@stoplight/prism-cli/dist/index.js');
  return launch(
    'Prism mock',
    port,
    [prism, 'mock', 'openapi/saas-v2/openapi.yaml', '--host', '127.0.0.1', '--port', String(port)],
    {},
    {
      startMs: 60_000,
      ...(cpus ? { cpus } : {}),
    },
  );
}

interface LaunchOptions {
  startMs?: number;
  root?: string;
  cpus?: string;
}

async function launch(name: string, port: number, args: string[], env: Record<string, string>, options: LaunchOptions): Promise<ServerProcess> {
  const { startMs = 30_000, root = ROOT, cpus } = options;
  // taskset execs node in its own process: the pid stays the server's.
  const [command, commandArgs] = pinned(cpus, process.execPath, args);
  const child = spawn(command, commandArgs, { cwd: root, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitForPort(name, port, child, startMs, () => output);
  return { name, pid: child.pid!, url: `http://127.0.0.1:${port}`, output: () => output, stop: () => stopProcess(child, exited) };
}

async function waitForPort(name: string, port: number, child: ChildProcess, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode}:\n${output()}`);
    if (await answers(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${name} did not listen on port ${port} within ${timeoutMs} ms:\n${output()}`);
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

async function stopProcess(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
