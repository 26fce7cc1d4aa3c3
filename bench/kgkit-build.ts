import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ROOT } from './servers.js';

/** What the bench runs as kgkit and as the bare endpoint: compiled JavaScript when there is a build, else TypeScript under tsx. */
export interface BenchCode {
  /** kgkit's compiled entry (<scratch>/dist/src/index.js); undefined: src/index.ts under tsx. */
  kgkitEntry?: string;
  /** The node flags `make serve` uses (`make print-serve-flags`), with the compiled entry. */
  serveFlags?: string[];
  /** bench/bare-hono.ts compiled beside it, so that neither side carries the tsx loader. */
  bareHonoEntry?: string;
  /** For the header. */
  note: string;
  /** Removes the build. */
  dispose(): void;
}

/**
 * kgkit as it ships: `scripts/build.ts --outdir tmp/bench-…` once per bench run when the checkout has that script
 * (unless `fromSource`), started as `node --enable-source-maps <outdir>/src/index.js`. The build stays inside the
 * checkout (its tmp/, ignored by git), where node finds the package's node_modules and its `"type": "module"`.
 */
export async function prepareCode(root: string, scratch: string, fromSource: boolean): Promise<BenchCode> {
  const source = (why: string) => ({ note: `src/index.ts under node --import tsx (${why})`, dispose: () => {} });
  if (fromSource) return source('BENCH_FROM_SOURCE=1');
  if (!existsSync(join(root, 'scripts/build.ts'))) return source('no scripts/build.ts in the checkout');
  const outdir = join(root, 'tmp', `bench-${basename(scratch)}`);
  const dispose = () => rmSync(outdir, { recursive: true, force: true });
  const started = performance.now();
  try {
    execFileSync(join(root, 'node_modules/.bin/tsx'), ['scripts/build.ts', '--outdir', outdir], { cwd: root, stdio: 'pipe' });
  } catch (error) {
    const output = `${(error as { stderr?: Buffer }).stderr?.toString() ?? ''}`.trim().split('\n').slice(-5).join(' / ');
    throw new Error(`scripts/build.ts --outdir ${outdir} failed (${output || (error as Error).message}); BENCH_FROM_SOURCE=1 runs the sources instead`);
  }
  const seconds = (performance.now() - started) / 1000;
  const kgkitEntry = join(outdir, 'src/index.js');
  if (!existsSync(kgkitEntry)) throw new Error(`scripts/build.ts wrote no ${kgkitEntry}; BENCH_FROM_SOURCE=1 runs the sources instead`);
  const serveFlags = execFileSync('make', ['-s', '--no-print-directory', 'print-serve-flags'], { cwd: root, encoding: 'utf8' }).trim().split(/\s+/);
  const bareHonoEntry = join(outdir, 'bare-hono.js');
  const { default: ts } = await import('typescript');
  const bareSource = readFileSync(join(ROOT, 'bench/bare-hono.ts'), 'utf8');
  writeFileSync(
    bareHonoEntry,
    ts.transpileModule(bareSource, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText,
  );
  return {
    kgkitEntry,
    serveFlags,
    bareHonoEntry,
    note: `compiled: scripts/build.ts (${seconds.toFixed(1)} s) → node ${serveFlags.join(' ')} dist/src/index.js (as make serve); bare Hono compiled too`,
    dispose,
  };
}
