import { type ChildProcess, spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';

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

/**
 * kgkit's production server (src/index.ts) as `make serve` runs it, but started by node itself with the tsx loader
 * so that the pid is the server's (the tsx CLI would put a process of its own in between) and node flags such as
 * --cpu-prof reach it. Defaults everywhere except the key, the address and LOG_LEVEL=warn. `root` is the checkout to
 * run, this one unless comparing two versions of the code.
 */
export async function startKgkit(name: string, databaseUrl: string, nodeFlags: string[] = [], root = ROOT): Promise<ServerProcess> {
  const port = await freePort();
  return launch(
    name,
    port,
    [...nodeFlags, '--import', 'tsx', 'src/index.ts'],
    {
      KOOGALLERY_ACCESS_KEY: ACCESS_KEY,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'warn',
    },
    30_000,
    root,
  );
}

/** The same @hono/node-server answering fixed bytes (bench/bare-hono.ts). */
export async function startBareHono(answersFile: string): Promise<ServerProcess> {
  const port = await freePort();
  return launch('bare Hono', port, ['--import', 'tsx', 'bench/bare-hono.ts'], { PORT: String(port), BARE_ANSWERS: answersFile });
}

/** Prism mocking the SaaS V2.0 contract; requests pick the activity's example with `Prefer: example=<activity>`. */
export async function startPrism(): Promise<ServerProcess> {
  const port = await freePort();
  const prism = join(ROOT, 'node_modules/@stoplight/prism-cli/dist/index.js');
  return launch('Prism mock', port, [prism, 'mock', 'openapi/saas-v2/openapi.yaml', '--host', '127.0.0.1', '--port', String(port)], {}, 60_000);
}

async function launch(name: string, port: number, args: string[], env: Record<string, string>, startMs = 30_000, cwd = ROOT): Promise<ServerProcess> {
  const child = spawn(process.execPath, args, { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
