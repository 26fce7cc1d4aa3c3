import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

// The package as a seller gets it: `npm pack` of the checkout, installed with npm in an empty folder outside it, where
// nothing of the development tree can be found by climbing folders.

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

/** What `npm pack` needs from the checkout: the package's files and what its prepack runs (scripts/build.ts, tsc). */
const PACKED_FROM = ['package.json', 'README.md', 'src', 'generated', 'openapi', 'docs', 'scripts', 'tsconfig.json', 'tsconfig.build.json'];

/**
 * `npm pack` of a copy of the checkout under tmp/ (its prepack builds into the copy's dist/, leaving the checkout's own
 * dist/ to `make serve` and the other tests); the copy's tools are the checkout's, found by climbing to node_modules.
 */
export async function pack(into: string): Promise<{ tarball: string; files: string[]; size: number }> {
  mkdirSync(join(ROOT, 'tmp'), { recursive: true });
  const copy = mkdtempSync(join(ROOT, 'tmp', 'package-'));
  try {
    for (const entry of PACKED_FROM) cpSync(join(ROOT, entry), join(copy, entry), { recursive: true, filter: (path) => !path.includes('/docs/reference') });
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', into], { cwd: copy, maxBuffer: 64 * 1024 * 1024 });
    // prepack's own output (the build's line) comes before npm's JSON.
    const [packed] = JSON.parse(stdout.slice(stdout.indexOf('\n[') + 1)) as { filename: string; size: number; files: { path: string }[] }[];
    return { tarball: join(into, packed!.filename), files: packed!.files.map((file) => file.path), size: packed!.size };
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  dev?: boolean;
  devOptional?: boolean;
  [key: string]: unknown;
}

/**
 * A package-lock.json for a folder that depends on the tarball: the package's dependencies and theirs, at the versions
 * and places of the checkout's own lock (which `npm ci` filled the npm cache from). npm 11 reads the full metadata of
 * every package it resolves without a lock, which `npm ci` does not cache; with this lock it needs only what is cached,
 * so the install works offline.
 */
export function consumerLock(
  folder: string,
  tarball: string,
  manifest: { version: string; dependencies: Record<string, string>; bin: Record<string, string> },
) {
  const repo = (JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }).packages;
  const spec = `file:${relative(folder, tarball)}`;
  const packages: Record<string, LockEntry> = {
    '': { name: 'kgkit-consumer', dependencies: { kgkit: spec } },
    'node_modules/kgkit': {
      version: manifest.version,
      resolved: spec,
      integrity: `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`,
      dependencies: manifest.dependencies,
      bin: manifest.bin,
    },
  };
  // Node's lookup: the dependent's own node_modules, then each one above it.
  const locate = (from: string, name: string): string | undefined => {
    for (let at = from; ; at = at.includes('/node_modules/') ? at.slice(0, at.lastIndexOf('/node_modules/')) : '') {
      const path = `${at ? `${at}/` : ''}node_modules/${name}`;
      if (repo[path]) return path;
      if (at === '') return undefined;
    }
  };
  const visit = (from: string, dependencies: Record<string, string>, optional: Set<string>) => {
    for (const name of Object.keys(dependencies)) {
      const path = locate(from, name);
      if (!path) {
        if (optional.has(name)) continue;
        throw new Error(`${name} (needed by ${from || 'kgkit'}) is not in the checkout's package-lock.json`);
      }
      if (packages[path]) continue;
      const { dev: _dev, devOptional: _devOptional, ...entry } = repo[path]!;
      packages[path] = entry;
      const own = { ...entry.optionalDependencies, ...entry.peerDependencies };
      visit(path, { ...entry.dependencies, ...own }, new Set(Object.keys(own)));
    }
  };
  visit('', manifest.dependencies, new Set());
  writeFileSync(join(folder, 'package.json'), `${JSON.stringify({ name: 'kgkit-consumer', private: true, dependencies: { kgkit: spec } }, null, 2)}\n`);
  writeFileSync(join(folder, 'package-lock.json'), `${JSON.stringify({ name: 'kgkit-consumer', lockfileVersion: 3, requires: true, packages }, null, 2)}\n`);
}
