/**
 * `make lint`: the imports between folders of src/ (and generated/) point one way, down the layers of
 * README "Architecture" and docs/decisions.md#21. Every folder has a layer; an import may go to a lower layer, or
 * within its own layer between domain folders as long as those imports form no circle. A family never imports
 * another family, the generated servers import only the contract runtime (and the generated types), and no SQL is
 * written outside src/store.
 * `tsx scripts/layers.ts --graph` prints the folder graph.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');

/** Top to bottom. */
const LAYERS: [string, string[]][] = [
  ['entry points', ['index', 'cli']],
  ['composition root', ['server']],
  // The operator console is a tool like the simulator: pages mounted by the composition root, reaching the rest only
  // through the kgkit API's routes (it imports the generated types of the contract, never a family or the store).
  ['tools', ['simulator', 'conformance', 'signing', 'console']],
  ['families', ['saas-v2', 'saas-v1', 'kit', 'license-code', 'online-license', 'order-notify', 'sso', 'kgkit-api']],
  ['what a family mount receives', ['mount']],
  ['generated servers', ['generated-servers']],
  ['request checks', ['security']],
  // telemetry: the metrics registry and the optional tracing, which the composition root builds and the observe path of
  // every call feeds; it reads the job runners' types (domain) and the leaves, nothing of HTTP families or the store.
  ['shared HTTP', ['http', 'runtime', 'telemetry']],
  ['domain', ['instances', 'orders', 'license-uploads', 'usage', 'provisioning', 'retention', 'marketplace', 'jobs', 'tenants']],
  ['store', ['store']],
  ['leaves', ['crypto', 'log', 'config', 'time', 'net', 'package-root', 'generated']],
];
const FAMILIES = new Set(LAYERS.find(([name]) => name === 'families')![1]);
const rank = new Map(LAYERS.flatMap(([, folders], i) => folders.map((folder) => [folder, LAYERS.length - i] as const)));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

/** src/<folder>/… → folder; src/<file>.ts → file; generated/<family>/server.ts → generated-servers; the rest of generated/ (types, clients, bundles) → generated. */
function folderOf(path: string): string | undefined {
  const parts = relative(ROOT, path).split('/');
  if (parts[0] === 'generated') return /^server\.(ts|js)$/.test(parts.at(-1)!) ? 'generated-servers' : 'generated';
  if (parts[0] !== 'src') return undefined;
  return parts.length === 2 ? parts[1]!.replace(/\.(tsx?|js)$/, '') : parts[1];
}

/** The source file an import names: `./page.js` is page.ts, or page.tsx for a JSX module (src/console). */
function sourceOf(imported: string): string {
  const ts = imported.replace(/\.js$/, '.ts');
  return existsSync(ts) ? ts : imported.replace(/\.js$/, '.tsx');
}

const arrows = new Map<string, Map<string, string[]>>();
/** Between files, to find circles inside a folder too. */
const fileArrows = new Map<string, Set<string>>();
for (const file of [...files(join(ROOT, 'src')), ...files(join(ROOT, 'generated'))]) {
  const from = folderOf(file)!;
  for (const match of readFileSync(file, 'utf8').matchAll(/(?:\bfrom|\bimport)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
    const target = sourceOf(resolve(dirname(file), match[1]!));
    fileArrows.set(relative(ROOT, file), (fileArrows.get(relative(ROOT, file)) ?? new Set()).add(relative(ROOT, target)));
    const to = folderOf(resolve(dirname(file), match[1]!));
    if (to === undefined || to === from) continue;
    const targets = arrows.get(from) ?? new Map<string, string[]>();
    arrows.set(from, targets);
    targets.set(to, [...(targets.get(to) ?? []), relative(ROOT, file)]);
  }
}

const problems: string[] = [];
// The store owns the SQL (docs/decisions.md#21): no query is built anywhere else.
const SQL = /\.(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto)\(|\bsql(<[^>]*>)?`/;
for (const file of files(join(ROOT, 'src'))) {
  if (folderOf(file) !== 'store' && SQL.test(readFileSync(file, 'utf8'))) problems.push(`SQL outside src/store: ${relative(ROOT, file)}`);
}
const where = (from: string, to: string) => `${from} → ${to} (${arrows.get(from)!.get(to)!.slice(0, 3).join(', ')})`;
for (const [from, targets] of arrows) {
  for (const to of targets.keys()) {
    const [a, b] = [rank.get(from), rank.get(to)];
    if (a === undefined) problems.push(`src/${from} has no layer: add it to LAYERS in scripts/layers.ts`);
    else if (b === undefined) problems.push(`src/${to} has no layer: add it to LAYERS in scripts/layers.ts`);
    else if (b > a) problems.push(`upward import ${where(from, to)}`);
    else if (FAMILIES.has(from) && FAMILIES.has(to)) problems.push(`a family imports another family: ${where(from, to)}`);
    else if (from === 'generated-servers' && !['runtime', 'generated'].includes(to))
      problems.push(`generated code imports more than the runtime: ${where(from, to)}`);
  }
}

// Circles among the folders, then among the files (Tarjan's strongly connected components).
function circles(graph: Map<string, Iterable<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  let next = 0;
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next++);
    stack.push(node);
    for (const to of graph.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (stack.includes(to)) low.set(node, Math.min(low.get(node)!, index.get(to)!));
    }
    if (low.get(node) !== index.get(node)) return;
    const circle: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      circle.push(member);
    } while (member !== node);
    if (circle.length > 1) found.push(circle.reverse());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}
for (const circle of circles(new Map([...arrows].map(([from, targets]) => [from, targets.keys()]))))
  problems.push(`import circle between folders: ${circle.join(' → ')}`);
for (const circle of circles(fileArrows)) problems.push(`import circle between files: ${circle.join(' → ')}`);

const count = [...arrows.values()].reduce((sum, targets) => sum + targets.size, 0);
if (process.argv.includes('--graph')) {
  for (const [from, targets] of [...arrows].sort(([a], [b]) => (rank.get(b) ?? 99) - (rank.get(a) ?? 99) || a.localeCompare(b))) {
    console.log(`${from.padEnd(15)} → ${[...targets.keys()].sort().join(' ')}`);
  }
}
if (problems.length > 0) {
  console.error(`layers: ${problems.length} problem(s) in ${count} arrows between folders\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`layers: ${count} arrows between ${arrows.size} folders, all pointing down, no circles`);
