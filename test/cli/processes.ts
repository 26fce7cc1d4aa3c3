import { spawn } from 'node:child_process';

/** The repository's root, where `tsx` resolves from. */
export const ROOT = new URL('../../', import.meta.url).pathname;
export const KGKIT = `${ROOT}src/cli/kgkit.ts`;
export const SERVER = `${ROOT}src/index.ts`;
/** tsx's loader (what `node --import tsx` loads), by path: the process may run in a folder without node_modules. */
const TSX_LOADER = `${ROOT}node_modules/tsx/dist/loader.mjs`;

export interface Finished {
  code: number | null;
  out: string;
  err: string;
}

/**
 * A script run as its own process with tsx's loader (one process, where the tsx command would start two), in `cwd`,
 * with only PATH and `env` in its environment.
 */
export function runScript(script: string, argv: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX_LOADER, script, ...argv], {
      cwd: options.cwd ?? ROOT,
      env: { PATH: process.env.PATH ?? '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

/** Runs `work` on every item, at most `parallel` at a time (each spawn costs about a second of CPU). */
export async function inParallel<T, R>(items: readonly T[], parallel: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, worker));
  return results;
}

/** The lines of stderr; none of them a stack frame. */
export function errorLines(err: string): string[] {
  return err.split('\n').filter((line) => line !== '');
}

export const STACK_FRAME = /^\s+at /m;
