/**
 * `make docs`: a static HTML API reference of every contract (Redocly build-docs), in docs/reference/ (not committed; the
 * server serves it at /docs). docs/reference/index.html lists the contracts; docs/reference/<family>.html is each one.
 *   tsx scripts/docs.ts [--out <dir>] [--family <name>]…
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { ROOT, families } from './contract.js';

const run = promisify(execFile);
const { values } = parseArgs({ options: { out: { type: 'string', default: join(ROOT, 'docs', 'reference') }, family: { type: 'string', multiple: true } } });
const out = values.out!;
const chosen = values.family ?? families();
const unknown = chosen.filter((family) => !families().includes(family));
if (unknown.length > 0) {
  console.error(`docs: no contract openapi/${unknown.join(', openapi/')}/openapi.yaml`);
  process.exit(2);
}
mkdirSync(out, { recursive: true });

const escape = (text: string) => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const started = performance.now();
const entries: string[] = [];
// Two at a time: redocly is CPU-bound and the machines have two cores.
for (let i = 0; i < chosen.length; i += 2) {
  await Promise.all(
    chosen.slice(i, i + 2).map(async (family) => {
      await run(join(ROOT, 'node_modules/.bin/redocly'), ['build-docs', `openapi/${family}/openapi.yaml`, '-o', join(out, `${family}.html`)], { cwd: ROOT });
    }),
  );
}
for (const family of chosen) {
  const info = (
    JSON.parse(readFileSync(join(ROOT, 'generated', family, 'openapi.json'), 'utf8')) as { info: { title: string; summary?: string; 'x-kgkit-side'?: string } }
  ).info;
  const side = info['x-kgkit-side'] === 'client' ? 'kgkit calls it' : 'kgkit serves it';
  entries.push(`<li><a href="${family}.html">${escape(info.title)}</a> <small>(${family}, ${side})</small><br>${escape(info.summary ?? '')}</li>`);
}
writeFileSync(
  join(out, 'index.html'),
  `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kgkit API reference</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em}li{margin:.8em 0}small{color:#666}</style></head>
<body><h1>kgkit API reference</h1><p>Every KooGallery interface contract of kgkit (openapi/), rendered by Redocly.</p>
<ul>
${entries.join('\n')}
</ul></body></html>
`,
);
console.log(`docs: wrote ${chosen.length} contract(s) and index.html to ${out} in ${Math.round(performance.now() - started)} ms`);
