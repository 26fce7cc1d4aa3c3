/**
 * `make docs`: a static HTML API reference of every contract (Redocly build-docs), in docs/reference/ (not committed; the
 * server serves it at /docs), that works without the internet:
 * - docs/reference/index.html lists the contracts in the order of README's "Interface families", and links the
 *   result-code registry (result-codes.html, scripts/result-code-page.ts);
 * - docs/reference/<family>.html is each contract, with each activity of a dispatched operation as its own entry
 *   (scripts/docs-view.ts);
 * - docs/reference/redoc.standalone.js is Redoc's browser bundle, copied from the installed @redocly/cli
 *   (scripts/redoc-bundle.ts); every page loads it from there, and nothing from another host.
 *   tsx scripts/docs.ts [--out <dir>] [--family <name>]…
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { DOCS_CONTENT_SECURITY_POLICY } from '../src/server/docs.js';
import { ROOT, bundleContract, families } from './contract.js';
import { type ActivityEntry, activityEntries, docsView, tagFragment } from './docs-view.js';
import { inReadmeOrder } from './family-order.js';
import { externalLoads } from './external-loads.js';
import { REDOC_BUNDLE, REDOC_CDN_URL, findRedocBundle } from './redoc-bundle.js';
import { RESULT_CODE_PAGE, escape, readRegistry, resultCodePage } from './result-code-page.js';

const run = promisify(execFile);

function usage(message: string): never {
  console.error(`docs: ${message}`);
  process.exit(2);
}

let values: { out?: string; family?: string[] };
try {
  ({ values } = parseArgs({ options: { out: { type: 'string', default: join(ROOT, 'docs', 'reference') }, family: { type: 'string', multiple: true } } }));
} catch (error) {
  usage(`${(error as Error).message} (usage: tsx scripts/docs.ts [--out <dir>] [--family <name>]…)`);
}
const out = values.out!;
const chosen = inReadmeOrder([...new Set(values.family ?? families())]);
const unknown = chosen.filter((family) => !families().includes(family));
if (unknown.length > 0) usage(`no contract openapi/${unknown.join(', openapi/')}/openapi.yaml (contracts: ${inReadmeOrder(families()).join(', ')})`);
let redoc: ReturnType<typeof findRedocBundle>;
try {
  redoc = findRedocBundle();
} catch (error) {
  usage((error as Error).message);
}
mkdirSync(out, { recursive: true });

const started = performance.now();
const scratch = mkdtempSync(join(tmpdir(), 'kgkit-docs-'));
const entries = new Map<string, ActivityEntry[]>();
try {
  // Two at a time: redocly is CPU-bound and the machines have two cores.
  for (let i = 0; i < chosen.length; i += 2) await Promise.all(chosen.slice(i, i + 2).map(buildPage));
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
copyFileSync(redoc.path, join(out, REDOC_BUNDLE));

writeFileSync(
  join(out, RESULT_CODE_PAGE),
  withPolicy(
    resultCodePage(readRegistry(), (family, handler) => {
      if (!chosen.includes(family)) return undefined;
      const entry = entries.get(family)?.find((e) => e.activity === handler);
      return `${family}.html${entry ? tagFragment(entry.tag) : ''}`;
    }),
  ),
);
writeFileSync(join(out, 'index.html'), withPolicy(indexPage()));
console.log(
  `docs: wrote ${chosen.length} contract(s), ${RESULT_CODE_PAGE} and index.html to ${out}, with Redoc ${redoc.version} from ${redoc.path}, in ${Math.round(performance.now() - started)} ms`,
);

async function buildPage(family: string): Promise<void> {
  const document = await bundleContract(family);
  entries.set(family, activityEntries(document));
  const source = join(scratch, `${family}.json`);
  writeFileSync(source, JSON.stringify(docsView(document)));
  const page = join(out, `${family}.html`);
  // No telemetry from the CLI, and `disableTelemetry` in the page, so that a reader's browser calls no one.
  await run(join(ROOT, 'node_modules/.bin/redocly'), ['build-docs', source, '-o', page], { cwd: ROOT, env: { ...process.env, REDOCLY_TELEMETRY: 'off' } });
  const html = withPolicy(readFileSync(page, 'utf8').replace(REDOC_CDN_URL, `./${REDOC_BUNDLE}`));
  const external = externalLoads(html);
  if (external.length > 0) throw new Error(`docs: ${family}.html would still load ${external.join(', ')}: the redocly CLI changed how it links Redoc`);
  writeFileSync(page, html);
}

/** The page with the reference's Content-Security-Policy first in `<head>`, and an empty icon (no request for /favicon.ico). */
function withPolicy(html: string): string {
  const meta = `<meta http-equiv="Content-Security-Policy" content="${escape(DOCS_CONTENT_SECURITY_POLICY)}"><link rel="icon" href="data:,">`;
  if (!/<head>/i.test(html)) throw new Error('docs: a page without <head>: the redocly CLI changed its template');
  return html.replace(/<head>/i, `<head>\n  ${meta}`);
}

function indexPage(): string {
  const items = chosen.map((family) => {
    const info = (
      JSON.parse(readFileSync(join(ROOT, 'generated', family, 'openapi.json'), 'utf8')) as {
        info: { title: string; summary?: string; 'x-kgkit-side'?: string };
      }
    ).info;
    const side = info['x-kgkit-side'] === 'client' ? 'kgkit calls it' : 'kgkit serves it';
    const activities = entries.get(family) ?? [];
    const list =
      activities.length === 0
        ? ''
        : `<br>Activities: ${activities.map((e) => `<a href="${family}.html${tagFragment(e.tag)}"><code>${escape(e.activity)}</code></a>`).join(', ')}`;
    return `<li id="${family}"><a href="${family}.html">${escape(info.title)}</a> <small>(${family}, ${side})</small><br>${escape(info.summary ?? '')}${list}</li>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kgkit API reference</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em}li{margin:.8em 0}small{color:#666}</style></head>
<body><h1>kgkit API reference</h1><p>Every KooGallery interface contract of kgkit (openapi/), in the order of the README's
interface families, rendered by Redoc ${escape(redoc.version)} served from here: the pages need no internet.</p>
<ol>
${items.join('\n')}
</ol>
<p><a href="${RESULT_CODE_PAGE}">Result codes</a>: every code of the shared registry, its meaning and which families and activities return it.</p>
</body></html>
`;
}
