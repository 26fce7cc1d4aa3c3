import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { type SharedSchema, freshSchema } from '../support/replicas.js';
import { signedQuery } from '../support/server.js';
import { DIALECTS } from '../support/stores.js';
import { childrenOf } from '../support/processes.js';

// The compiled server (`make build`, `make serve`): scripts/build.ts writes a folder of this test's own, and the
// server runs from it as `make serve` runs it, `node --enable-source-maps <outdir>/src/index.js`.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const BUILD = join(ROOT, 'scripts/build.ts');
const KEY = 'build-test-access-key';
const MODULE = join(ROOT, 'test/fixtures/provisioners/example-provisioner.ts');
const MIGRATIONS = readdirSync(join(ROOT, 'src/store/migrations'))
  .filter((file) => file.endsWith('.ts'))
  .map((file) => file.replace(/\.ts$/, ''))
  .sort();

mkdirSync(join(ROOT, 'tmp'), { recursive: true });
const outdir = mkdtempSync(join(ROOT, 'tmp', 'build-'));
beforeAll(() => {
  const built = spawnSync(TSX, [BUILD, '--outdir', outdir], { encoding: 'utf8' });
  expect(built.status, built.stderr).toBe(0);
});
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

interface Server {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function runCompiled(env: Record<string, string>): Server {
  let output = '';
  const child = spawn(process.execPath, ['--enable-source-maps', join(outdir, 'src/index.js')], {
    env: { PATH: process.env.PATH ?? '', KOOGALLERY_ACCESS_KEY: KEY, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function untilHealthy(base: string, server: Server): Promise<unknown> {
  for (let i = 0; i < 300 && server.child.exitCode === null; i++) {
    try {
      const response = await fetch(`${base}/healthz`);
      if (response.ok) return await response.json();
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the compiled server did not answer /healthz:\n${server.output()}`);
}

/** The processes whose parent is `pid` (Linux /proc): a server behind a launcher would have one. */
/**
 * The child processes of `pid` that are Node: a TypeScript PROVISIONER_MODULE brings tsx's loader, whose esbuild
 * service is a child process of its own (native code, a few MiB), started and ended as tsx needs it.
 */
function nodeChildrenOf(pid: number): number[] {
  return childrenOf(pid).filter((child) => {
    try {
      return !readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('esbuild');
    } catch {
      return false; // ended meanwhile
    }
  });
}

describe('scripts/build.ts', () => {
  it('writes one module and its source map per .ts file of src/ and generated/, and copies the files the code reads', () => {
    for (const file of ['src/index.js', 'src/index.js.map', 'generated/saas-v2/server.js', 'generated/saas-v2/openapi.json', 'src/simulator/web/index.html'])
      expect([file, existsSync(join(outdir, file))]).toEqual([file, true]);
    const compiled = readdirSync(join(outdir, 'src/store/migrations'))
      .filter((file) => file.endsWith('.js'))
      .map((file) => file.replace(/\.js$/, ''));
    expect(compiled.sort()).toEqual(MIGRATIONS);
  });

  it('writes the command of the installed package, which plain node runs: kgkit --help lists the commands', () => {
    const bin = join(outdir, 'bin/kgkit.js');
    expect(readFileSync(bin, 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
    expect(statSync(bin).mode & 0o111).toBe(0o111);
    const help = spawnSync(bin, ['--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/usage: kgkit <command>[\s\S]*\n {2}conformance [\s\S]*\n {2}simulate /);
  });

  it('finds the bundled contracts in its own folder, and docs/ beside package.json', () => {
    const script = `const m = await import(${JSON.stringify(pathToFileURL(join(outdir, 'src/package-root.js')).href)}); console.log(JSON.stringify([m.CODE_ROOT.href, m.PACKAGE_ROOT.href, m.generatedFile('kgkit', 'openapi.json').href]))`;
    const printed = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(JSON.parse(printed.stdout)).toEqual([
      `${pathToFileURL(outdir).href}/`,
      pathToFileURL(ROOT).href,
      pathToFileURL(join(outdir, 'generated/kgkit/openapi.json')).href,
    ]);
  });

  it.each([
    ['the package root itself', ['--outdir', '.'], /must be a folder inside/],
    ['a folder outside the package', ['--outdir', '/tmp/kgkit-build-elsewhere'], /must be a folder inside .*node_modules/],
    ['a folder the build reads', ['--outdir', 'src/compiled'], /is inside src\/, which the build reads/],
    ['an unknown option', ['--out', 'dist'], /Unknown option '--out'/],
    ['a missing value', ['--outdir'], /--outdir/],
  ])('refuses %s with a one-line reason and exit 2', (_, argv, reason) => {
    const refused = spawnSync(TSX, [BUILD, ...argv], { cwd: ROOT, encoding: 'utf8' });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/^build: /);
    expect(refused.stderr).toMatch(reason);
    expect(refused.stderr).not.toMatch(/\n\s+at /);
  });
});

describe.each(DIALECTS)('the compiled server on %s', (dialect) => {
  let schema: SharedSchema | undefined;
  let databaseUrl: string;
  const dir = mkdtempSync(join(outdir, `db-${dialect}-`));
  beforeAll(async () => {
    if (dialect === 'postgres') schema = await freshSchema(process.env.DATABASE_URL!);
    databaseUrl = schema?.databaseUrl ?? `file:${join(dir, 'kgkit.sqlite')}`;
  });
  afterAll(async () => schema?.drop());

  async function migrationsApplied(): Promise<string[]> {
    if (!schema) {
      const db = new Database(join(dir, 'kgkit.sqlite'), { readonly: true });
      try {
        return (db.prepare('select name from kgkit_migrations order by name').all() as { name: string }[]).map((row) => row.name);
      } finally {
        db.close();
      }
    }
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    try {
      return (await client.query<{ name: string }>(`select name from ${schema.schema}.kgkit_migrations order by name`)).rows.map((row) => row.name);
    } finally {
      await client.end();
    }
  }

  it('runs in one process, migrates the store, loads a TypeScript PROVISIONER_MODULE, answers signed calls, and stops on SIGTERM', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const server = runCompiled({ PORT: String(port), DATABASE_URL: databaseUrl, PROVISIONER: 'module', PROVISIONER_MODULE: MODULE });
    try {
      expect(await untilHealthy(base, server)).toEqual({ status: 'ok', auditWriteFailures: 0 });
      expect(nodeChildrenOf(server.child.pid!)).toEqual([]);
      expect(await migrationsApplied()).toEqual(MIGRATIONS);

      const post = async (body: object) => {
        const text = JSON.stringify(body);
        return (await fetch(`${base}/saas?${signedQuery(text, { key: KEY })}`, { method: 'POST', body: text })).json();
      };
      expect(await post({ activity: 'newInstance', orderId: 'CSBUILD0001', orderLineId: 'CSBUILD0001-000001', businessId: 'build-1' })).toEqual({
        resultCode: '000000',
        resultMsg: 'success',
        instanceId: 'build-1',
      });
      // The module's own answer: the TypeScript file was loaded, not the built-in provisioner.
      expect(await post({ activity: 'queryInstance', instanceId: 'build-1' })).toMatchObject({
        resultCode: '000000',
        info: [{ appInfo: { frontEndUrl: 'https://tenants.example.org/build-1', password: 'from-the-module-1' } }],
      });
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).toBe(0);
  });
});

describe('PROVISIONER_MODULE under the compiled server', () => {
  const dir = mkdtempSync(join(outdir, 'modules-'));
  const incompleteJs = join(dir, 'incomplete.mjs');
  writeFileSync(incompleteJs, 'export const provisioner = { create() {} };\n');

  it.each([
    ['a JavaScript module, loaded without tsx', incompleteJs, 'must export `provisioner` with refresh, setFrozen, release, upgrade'],
    ['a TypeScript module, loaded through tsx', join(ROOT, 'test/fixtures/provisioners/incomplete-provisioner.ts'), 'must export `provisioner` with refresh'],
    ['a TypeScript file that is not there', join(dir, 'missing.ts'), 'missing.ts could not be loaded'],
  ])('checks %s at start-up: exit 2 with the reason', async (_, module, reason) => {
    const server = runCompiled({ PORT: '0', DATABASE_URL: `file:${join(dir, 'kgkit.sqlite')}`, PROVISIONER: 'module', PROVISIONER_MODULE: module });
    expect(await server.exited).toBe(2);
    expect(server.output()).toContain(reason);
  });
});
