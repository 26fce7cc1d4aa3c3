import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../support/ports.js';

// A PostgreSQL cluster of the test's own, in a temp dir on a free port, so that it can really be stopped and started
// while a server uses it: the shared CI database must never be restarted. PostgreSQL refuses to run as root, so as root
// every command runs as the `postgres` user.

const BIN = '/usr/lib/postgresql/15/bin';
const run = promisify(execFile);

/** Why no private cluster can run on this machine, or undefined when one can. */
export function privatePostgresProblem(): string | undefined {
  if (!existsSync(join(BIN, 'pg_ctl'))) return `no PostgreSQL 15 binaries in ${BIN}`;
  if (process.getuid?.() !== 0 && userName() !== 'postgres') return 'PostgreSQL runs only as root (via runuser) or as the postgres user';
  if (process.getuid?.() === 0 && postgresIds() === undefined) return 'no postgres user to run PostgreSQL as';
  return undefined;
}

export interface PrivatePostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres (trust authentication). */
  url: string;
  /** `immediate` drops every connection without a goodbye, like a crash; `fast` ends them cleanly. */
  stop(mode?: 'immediate' | 'fast'): Promise<void>;
  start(): Promise<void>;
  /** SIGSTOP to every process of the cluster: connections stay open and nothing answers, like a hung host. */
  pause(): void;
  /** SIGCONT to every process `pause` stopped. */
  resume(): void;
  /** Stops it for good and removes its files. */
  destroy(): Promise<void>;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'kgkit-pg-'));
  const ids = postgresIds();
  if (process.getuid?.() === 0 && ids) chownSync(dir, ids.uid, ids.gid);
  const data = join(dir, 'data');
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=16MB -c max_connections=40`;
  const pgCtl = (...args: string[]) => asPostgres('pg_ctl', ['-D', data, ...args]);
  await asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const start = async () => void (await pgCtl('-o', options, '-l', join(dir, 'log'), '-w', '-t', '30', 'start'));
  await start();
  let paused: number[] = [];
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: async (mode = 'immediate') => void (await pgCtl('-m', mode, '-w', 'stop')),
    start,
    pause() {
      paused = clusterProcesses(data);
      for (const pid of paused) process.kill(pid, 'SIGSTOP');
    },
    resume() {
      for (const pid of paused) process.kill(pid, 'SIGCONT');
      paused = [];
    },
    destroy: async () => {
      for (const pid of paused) process.kill(pid, 'SIGCONT');
      await pgCtl('-m', 'immediate', '-w', 'stop').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function asPostgres(command: string, args: string[]): Promise<string> {
  const [file, argv] = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', join(BIN, command), ...args]] : [join(BIN, command), args];
  const { stdout } = await run(file, argv, { cwd: tmpdir() });
  return stdout;
}

function postgresIds(): { uid: number; gid: number } | undefined {
  try {
    return {
      uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })),
      gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })),
    };
  } catch {
    return undefined;
  }
}

function userName(): string {
  try {
    return execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

/** The postmaster (first line of postmaster.pid) and every process it started. */
function clusterProcesses(data: string): number[] {
  const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const children = execFileSync('pgrep', ['-P', String(postmaster)], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map(Number);
  return [postmaster, ...children];
}
