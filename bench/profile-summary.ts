import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const IDLE = 'idle';
const GC = 'gc';

/**
 * Where a function's self time goes, by the package or the part of node it belongs to. Functions without a script
 * (V8 builtins, node's bindings) are told by name: a guess, but a stable one.
 */
export function categoryOf(functionName: string, url: string): string {
  if (functionName === '(idle)') return IDLE;
  if (functionName === '(garbage collector)') return GC;
  if (functionName === '(program)') return 'V8 (program)';
  const path = url.startsWith('file://') ? decodeURI(url.slice('file://'.length)) : url;
  const packages: [RegExp, string][] = [
    // better-sqlite3 runs the statement synchronously inside Kysely's SQLite connection: its time shows there.
    [/\/node_modules\/kysely\/dist\/(esm|cjs)\/dialect\/(sqlite|postgres)\//, 'sqlite/pg driver'],
    [/\/node_modules\/(better-sqlite3|pg|pg-[a-z]+|postgres-[a-z]+|pgpass)\//, 'sqlite/pg driver'],
    [/\/node_modules\/kysely\//, 'kysely'],
    [/\/node_modules\/(hono|@hono\/node-server)\//, 'hono'],
    [/\/node_modules\/(ajv|ajv-formats|fast-uri|fast-deep-equal|json-schema-traverse)\//, 'ajv validation'],
    [/\/node_modules\/(tsx|esbuild|get-tsconfig)\//, 'tsx loader'],
    [/\/node_modules\//, 'other packages'],
    [/^node:(internal\/)?crypto/, 'crypto'],
    [/^node:(_http_|http|https|net|stream|internal\/(http|streams|stream_base_commons|net|js_stream|timers))/, 'node http'],
    [/^node:/, 'node (other)'],
    [/\/(src|generated)\//, 'kgkit'],
  ];
  for (const [pattern, category] of packages) if (pattern.test(path)) return category;
  if (path === '') {
    if (/^validate\d*$/.test(functionName)) return 'ajv validation'; // Ajv's compiled validators have no script
    if (/^(digest|update|Hmac|Hash|timingSafeEqual|randomFillSync|randomBytes|getRandomValues|createHmac|createHash)$/.test(functionName)) return 'crypto';
    if (/^(writev|writeBuffer|writeUtf8String|writeLatin1String|writeAsciiString|onStreamRead|shutdown|close|execute)$/.test(functionName)) return 'node http';
    if (/^(run|all|get|iterate|prepare|exec|pragma|transaction|query|sendQuery)$/.test(functionName)) return 'sqlite/pg driver';
  }
  return 'other (builtins, natives)';
}

/**
 * A summary of every .cpuprofile in `dirs` (all threads, all processes of one kgkit deployment, the whole run): the
 * share of busy time per category, then the functions that took the most time themselves. `roots` are cut off the
 * front of file paths (the checkout, the compiled build).
 */
export function profileSummary(dirs: readonly string[], roots: readonly string[], count = 15): string[] {
  const selfUs = new Map<string, { us: number; category: string }>();
  let files = 0;
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'))) {
      files += 1;
      addSelfTimes(JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile, roots, selfUs);
    }
  }
  if (files === 0) return ['no profile was written'];
  const total = [...selfUs.values()].reduce((sum, entry) => sum + entry.us, 0);
  const idle = [...selfUs.values()].filter((entry) => entry.category === IDLE).reduce((sum, entry) => sum + entry.us, 0);
  const busy = total - idle;
  const byCategory = new Map<string, number>();
  for (const { us, category } of selfUs.values()) if (category !== IDLE) byCategory.set(category, (byCategory.get(category) ?? 0) + us);
  const line = (us: number, what: string) => `${((100 * us) / busy).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(6)} ms  ${what}`;
  return [
    `by category (share of busy time; idle was ${((100 * idle) / total).toFixed(0)} % of the ${(total / 1e6).toFixed(0)} s sampled over ${files} thread(s)):`,
    ...[...byCategory].sort((a, b) => b[1] - a[1]).map(([category, us]) => line(us, category)),
    'functions with the most self time:',
    ...[...selfUs]
      .filter(([, entry]) => entry.category !== IDLE)
      .sort((a, b) => b[1].us - a[1].us)
      .slice(0, count)
      .map(([key, entry]) => line(entry.us, `${key}  [${entry.category}]`)),
  ];
}

function addSelfTimes(profile: CpuProfile, roots: readonly string[], selfUs: Map<string, { us: number; category: string }>): void {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  profile.samples.forEach((id, index) => {
    const frame = byId.get(id)!.callFrame;
    const where = frame.url === '' ? '' : ` ${shortUrl(frame.url, roots)}:${frame.lineNumber + 1}`;
    const key = `${frame.functionName || '(anonymous)'}${where}`;
    const entry = selfUs.get(key) ?? { us: 0, category: categoryOf(frame.functionName, frame.url) };
    entry.us += profile.timeDeltas[index] ?? 0;
    selfUs.set(key, entry);
  });
}

function shortUrl(url: string, roots: readonly string[]): string {
  const path = url.startsWith('file://') ? new URL(url).pathname : url;
  const root = roots.find((candidate) => path.startsWith(candidate));
  return root ? relative(root, path) : path;
}
