/**
 * `make build`, and `make serve` when a source changed: the compiled server that `node dist/src/index.js` runs in one
 * process, without tsx's loader. Every .ts file of src/ and generated/ becomes one .js file (ESM, Node 20, with a
 * source map) at the same place under the output folder; nothing is bundled, so each file keeps its own
 * import.meta.url. Every other file of those folders (the bundled contracts, the simulator's page) is copied beside
 * the code that reads it. docs/ stays where it is: the code finds it from package.json (src/package-root.ts).
 * It also writes bin/kgkit.js, the command of the installed package (package.json "bin"): plain node runs it.
 * `tsx scripts/build.ts [--outdir <dir>]`: dist/ by default; tests and the bench build a folder of their own.
 * `npm pack` runs it (package.json "prepack"), then tsc writes the declarations of the exports (tsconfig.build.json).
 */
import { chmodSync, cpSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '..');
const SOURCES = ['src', 'generated'];
const USAGE = 'usage: tsx scripts/build.ts [--outdir <dir>]';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    // An editor's or the OS's hidden files (.DS_Store, .x.swp) are not part of the code.
    if (name.startsWith('.')) return [];
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

const inside = (dir: string, parent: string) => dir === parent || dir.startsWith(parent + sep);

/** Why the output folder cannot be used, or undefined. */
export function outdirProblem(outdir: string): string | undefined {
  // Node finds the packages and the package's "type": "module" by looking upwards from each file.
  if (!inside(outdir, ROOT) || outdir === ROOT) return `--outdir ${outdir} must be a folder inside ${ROOT}, where node finds node_modules and package.json`;
  const source = SOURCES.find((folder) => inside(outdir, join(ROOT, folder)));
  if (source) return `--outdir ${outdir} is inside ${source}/, which the build reads: name a folder of its own (dist/ by default)`;
  return undefined;
}

function fail(message: string): never {
  process.stderr.write(`build: ${message}\n`);
  process.exit(2);
}

let outdir: string;
try {
  const { values } = parseArgs({ options: { outdir: { type: 'string' } }, strict: true, allowPositionals: false });
  outdir = resolve(values.outdir ?? join(ROOT, 'dist'));
} catch (error) {
  fail(`${(error as Error).message}\n${USAGE}`);
}
const problem = outdirProblem(outdir);
if (problem) fail(problem);

const started = performance.now();
// A file removed or renamed in the sources (a migration among them) must not live on in the output.
for (const folder of SOURCES) rmSync(join(outdir, folder), { recursive: true, force: true });
const all = SOURCES.flatMap((folder) => files(join(ROOT, folder)));
const isCode = (file: string) => /\.tsx?$/.test(file);
const code = all.filter(isCode);
const assets = all.filter((file) => !isCode(file));
await build({
  entryPoints: code,
  outdir,
  outbase: ROOT,
  bundle: false,
  format: 'esm',
  platform: 'node',
  // package.json "engines": the oldest Node kgkit runs on; it reads import attributes (`with { type: 'json' }`).
  target: 'node20.19',
  sourcemap: true,
  // The maps point at the sources by path; without their text, a stack trace under --enable-source-maps costs less memory.
  sourcesContent: false,
  // The console's pages (.tsx), as tsconfig.json has them: Hono's JSX, automatic runtime.
  jsx: 'automatic',
  jsxImportSource: 'hono/jsx',
  logLevel: 'warning',
});
for (const file of assets) cpSync(file, join(outdir, relative(ROOT, file)));
// The CLI's own module stays free of a shebang (tsx runs it as it is in the checkout, bin/kgkit); the installed
// command is this file, which npm links into node_modules/.bin and marks executable.
mkdirSync(join(outdir, 'bin'), { recursive: true });
writeFileSync(
  join(outdir, 'bin/kgkit.js'),
  `#!/usr/bin/env node\n// Written by scripts/build.ts: the kgkit command of the installed package.\nimport '../src/cli/kgkit.js';\n`,
);
chmodSync(join(outdir, 'bin/kgkit.js'), 0o755);
const took = ((performance.now() - started) / 1000).toFixed(1);
console.log(`build: ${code.length} modules and ${assets.length} other files into ${relative(process.cwd(), outdir) || '.'}/ in ${took} s`);
