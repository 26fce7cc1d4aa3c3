import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/connect.js';
import { type RunningSeller, startSeller } from '../fixtures/broken-sellers/index.js';
import { type SharedSchema, freshSchema } from '../support/replicas.js';
import { descendantsOf } from '../support/processes.js';
import { KEYS } from '../support/server.js';
import { DIALECTS } from '../support/stores.js';
import { ROOT, consumerLock, pack } from './consumer.js';

// The package a seller installs (README "Installing the package"): `npm pack`, then `npm install <tarball>` in an empty
// folder outside the checkout, where nothing of the development tree is found by climbing folders; the kgkit command,
// kgkit/signing and the generated types used from there with plain node, as a seller whose server is written in Java
// (or in TypeScript) would. Slow: it packs (build and declarations) and installs.

const exec = promisify(execFile);
const MINUTES = 60_000;

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end and answers its exit code and output, whatever the code. */
async function ran(command: string, args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<Ran> {
  try {
    const { stdout, stderr } = await exec(command, args, { ...options, env: { ...process.env, NO_COLOR: '1', ...options.env }, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

const commandLine = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
};

let tarball: { path: string; files: string[]; size: number };
let consumer: string;
/** Why the install could not run here, when it could not. */
let cannotInstall: string | undefined;
const packed = mkdtempSync(join(tmpdir(), 'kgkit-pack-'));
const npx = (args: string[], env: Record<string, string> = {}) => ran('npx', ['--no-install', 'kgkit', ...args], { cwd: consumer, env });

/** Whether the npm registry answers at all (the fallback when the npm cache lacks what an offline install needs). */
async function registryAnswers(): Promise<boolean> {
  const { stdout } = await ran('npm', ['config', 'get', 'registry'], { cwd: ROOT });
  try {
    await fetch(stdout.trim(), { method: 'HEAD', signal: AbortSignal.timeout(5_000) });
    return true;
  } catch {
    return false;
  }
}

const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);

beforeAll(async () => {
  const packing = performance.now();
  const { tarball: path, files, size } = await pack(packed);
  const packedIn = seconds(packing);
  tarball = { path, files, size };
  const manifest = JSON.parse((await exec('tar', ['-xzOf', path, 'package/package.json'])).stdout);
  consumer = mkdtempSync(join(tmpdir(), 'kgkit-consumer-'));
  consumerLock(consumer, path, manifest);
  // --ignore-scripts: better-sqlite3 would otherwise build its native addon from source (no prebuilt binary without
  // github.com), minutes on a small machine; the checkout's own build of the same version is copied in below instead.
  const install = ['install', '--no-audit', '--no-fund', '--ignore-scripts', path];
  const installing = performance.now();
  let mode = '--offline';
  let installed = await ran('npm', [mode, ...install], { cwd: consumer });
  if (installed.code !== 0 && installed.stderr.includes('ENOTCACHED')) {
    if (!(await registryAnswers())) {
      cannotInstall = `the npm cache lacks a package the install needs and the registry does not answer:\n${installed.stderr}`;
      return;
    }
    mode = '--prefer-offline';
    installed = await ran('npm', [mode, ...install], { cwd: consumer });
  }
  expect(installed.code, installed.stderr).toBe(0);
  // For the CI log (README "Installing the package"), not an assertion.
  console.log(`${path}: ${size} bytes, ${files.length} files, packed in ${packedIn} s; npm install ${mode} in ${seconds(installing)} s`);
  const version = (dir: string) => JSON.parse(readFileSync(join(dir, 'node_modules/better-sqlite3/package.json'), 'utf8')).version;
  expect(version(consumer)).toBe(version(ROOT));
  mkdirSync(join(consumer, 'node_modules/better-sqlite3/build/Release'), { recursive: true });
  copyFileSync(
    join(ROOT, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'),
    join(consumer, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'),
  );
}, 15 * MINUTES);

afterAll(() => {
  rmSync(packed, { recursive: true, force: true });
  if (consumer) rmSync(consumer, { recursive: true, force: true });
});

describe('the npm package (packs and installs it: slow)', () => {
  it('holds the compiled code, the contracts and the declarations; no tests, bench, TypeScript sources or source maps', () => {
    const { files } = tarball;
    for (const file of [
      'dist/bin/kgkit.js',
      'dist/src/cli/kgkit.js',
      'dist/src/signing/index.js',
      'dist/src/signing/index.d.ts',
      'dist/generated/saas-v2/types.d.ts',
      'dist/generated/saas-v2/openapi.json',
      'dist/generated/marketplace/openapi.json',
      'dist/src/simulator/web/index.html',
      'openapi/saas-v2/openapi.yaml',
      'openapi/components/schemas/ResultCode.yaml',
      'docs/decisions.md',
      'README.md',
      'package.json',
    ])
      expect([file, files.includes(file)]).toEqual([file, true]);
    const unwanted = files.filter((file) => /^(test|bench|scripts|src|generated)\//.test(file) || /\.map$/.test(file) || /(?<!\.d)\.ts$/.test(file));
    expect(unwanted).toEqual([]);
  });

  it('installs the kgkit command as compiled JavaScript that plain node runs', (ctx) => {
    if (cannotInstall) return ctx.skip(cannotInstall);
    const bin = readFileSync(join(consumer, 'node_modules/.bin/kgkit'), 'utf8');
    expect(bin.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(existsSync(join(consumer, 'node_modules/kgkit/src'))).toBe(false);
  });

  it('npx kgkit --help lists conformance and simulate, exit 0', async (ctx) => {
    if (cannotInstall) return ctx.skip(cannotInstall);
    const help = await npx(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/usage: kgkit <command>[\s\S]*\n {2}conformance [\s\S]*\n {2}simulate /);
  });

  it.for<[string, string[], RegExp]>([
    ['an unknown command', ['deploy'], /unknown command "deploy"/],
    ['conformance without a key', ['conformance', '--url', 'http://127.0.0.1:9/saas'], /--key is required/],
    ['simulate with an ftp URL', ['simulate', '--url', 'ftp://127.0.0.1/saas', '--key', KEYS.basic], /must be an http\(s\) URL/],
  ])('npx kgkit refuses %s: exit 2, the reason, no stack trace', async ([, args, reason], ctx) => {
    if (cannotInstall) return ctx.skip(cannotInstall);
    const refused = await npx(args);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(reason);
    expect(refused.stderr).not.toMatch(/\n\s+at /);
  });

  describe("against kgkit's own server", () => {
    let seller: RunningSeller;
    beforeAll(async () => {
      seller = await startSeller();
    });
    afterAll(async () => seller?.close());

    it('npx kgkit conformance runs the cases of SaaS V2.0 yearly, writes JUnit XML, exit 0', { timeout: 5 * MINUTES }, async (ctx) => {
      if (cannotInstall) return ctx.skip(cannotInstall);
      const junit = join(consumer, 'conformance.xml');
      const run = await npx(['conformance', '--url', seller.endpoints['saas-v2'].url, '--key', KEYS.basic, '--case', 'saas-v2.yearly', '--junit', junit]);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^PASS {4}saas-v2\.yearly\.debug /m);
      expect(run.stdout).toMatch(/(\d+) cases: \1 passed, 0 failed, 0 skipped/);
      expect(readFileSync(junit, 'utf8')).toMatch(/^<\?xml [^>]*>\n<testsuites name="kgkit conformance"/);
    });

    it('npx kgkit simulate drives the one-time scenario to its end, serves its page, and stops on SIGTERM with exit 0', {
      timeout: 5 * MINUTES,
    }, async (ctx) => {
      if (cannotInstall) return ctx.skip(cannotInstall);
      const args = ['--no-install', 'kgkit', 'simulate', '--url', seller.endpoints['saas-v2'].url, '--key', KEYS.basic];
      // A process group of its own, so that a failed test can end all of it.
      const child: ChildProcess = spawn('npx', [...args, '--port', '0', '--scenario', 'one-time', '--speed', '3000'], {
        cwd: consumer,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (chunk) => (stdout += chunk));
      child.stderr!.on('data', (chunk) => (stderr += chunk));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      try {
        let page: string | undefined;
        for (let i = 0; i < 600 && !page && child.exitCode === null; i++) {
          page = /the page is at (http:\/\/\S+)\//.exec(stdout)?.[1];
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(page, stdout + stderr).toBeDefined();
        expect((await fetch(`${page}/`)).headers.get('content-type')).toMatch(/^text\/html/);
        let run: { scenario: string; state: string; error?: string } | undefined;
        for (let i = 0; i < 1200; i++) {
          const state = (await (await fetch(`${page}/simulator/state`)).json()) as { runs: { scenario: string; state: string; error?: string }[] };
          run = state.runs[0];
          if (run && run.state !== 'running') break;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(run).toMatchObject({ scenario: 'one-time', state: 'done' });
        // SIGTERM to the kgkit process, as a supervisor sends it (npx itself does not pass a signal on); npx then
        // ends with its exit code.
        const [kgkit] = descendantsOf(child.pid!).filter((pid) => commandLine(pid).includes('node_modules/.bin/kgkit'));
        process.kill(kgkit!, 'SIGTERM');
        expect(await exited, stderr).toBe(0);
      } finally {
        if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
      }
      expect(stdout).toContain('started scenario one-time');
      expect(stdout).toContain('kgkit simulate: stopping (SIGTERM)');
    });
  });

  it('kgkit/signing imports with plain node, and its fetch signs', async (ctx) => {
    if (cannotInstall) return ctx.skip(cannotInstall);
    const script = `
      const { kooGalleryFetch, basicSignature } = await import('kgkit/signing');
      let sent;
      const signed = kooGalleryFetch({ family: 'saas-v2', accessKey: 'seller-key-0123', fetch: async (url) => ((sent = String(url)), new Response('{}')) });
      await signed('http://seller.example/saas', { method: 'POST', body: '{"activity":"queryInstance","instanceId":"b-7"}' });
      console.log(typeof basicSignature, /[?&]signature=[0-9A-F]{64}&/.test(sent));
    `;
    const imported = await ran(process.execPath, ['--input-type=module', '-e', script], { cwd: consumer });
    expect(imported.stderr).toBe('');
    expect(imported.stdout.trim()).toBe('function true');
  });

  it("type-checks a seller's TypeScript that imports kgkit/signing and kgkit/types/saas-v2", async (ctx) => {
    if (cannotInstall) return ctx.skip(cannotInstall);
    writeFileSync(
      join(consumer, 'seller.ts'),
      `import { kooGalleryFetch } from 'kgkit/signing';
import type { components } from 'kgkit/types/saas-v2';

type NewInstance = components['schemas']['NewInstanceRequest'];
type Answer = components['schemas']['NewInstanceResponse'];

export function newInstance(request: NewInstance): Answer {
  return { resultCode: '000000', resultMsg: 'success', instanceId: request.businessId };
}

export const signedFetch = kooGalleryFetch({ family: 'saas-v2', accessKey: 'seller-key-0123' });
// @ts-expect-error: not a family kooGalleryFetch signs (the declarations are real types, not any)
kooGalleryFetch({ family: 'saas-v3', accessKey: 'seller-key-0123' });
// @ts-expect-error: a result code no SaaS V2.0 answer has
export const wrong: Answer = { resultCode: '999999', resultMsg: 'no', instanceId: 'x' };
`,
    );
    // The declarations checked too (no skipLibCheck); Node's own types from the checkout, as a seller has @types/node.
    const flags = ['--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext'];
    const types = ['--types', 'node', '--typeRoots', join(ROOT, 'node_modules/@types')];
    const checked = await ran(join(ROOT, 'node_modules/.bin/tsc'), [...flags, ...types, 'seller.ts'], { cwd: consumer });
    expect(checked.stdout + checked.stderr).toBe('');
    expect(checked.code).toBe(0);
  });

  describe.each(DIALECTS)('a read command on %s', (dialect) => {
    let schema: SharedSchema | undefined;
    let databaseUrl: string;
    beforeAll(async () => {
      if (cannotInstall) return;
      if (dialect === 'postgres') schema = await freshSchema(process.env.DATABASE_URL!);
      databaseUrl = schema?.databaseUrl ?? `file:${join(consumer, 'kgkit.sqlite')}`;
      // A database as kgkit's server leaves it (migrated), which the installed command reads with its own driver.
      if (schema) await schema.store();
      else await (await openStore({ dialect: 'sqlite', target: join(consumer, 'kgkit.sqlite') })).close();
    });
    afterAll(async () => schema?.drop());

    it('npx kgkit usage status --json answers the counts, exit 0', async (ctx) => {
      if (cannotInstall) return ctx.skip(cannotInstall);
      const status = await npx(['usage', 'status', '--json'], { DATABASE_URL: databaseUrl });
      expect(status.code, status.stderr).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({ counts: { pending: 0, sent: 0, rejected: 0, expired: 0 } });
    });
  });
});
