/**
 * `make lint`, the part Redocly cannot say: rules that span the files of the contracts.
 * - every `resultCode` a response declares is a value of the shared registry (openapi/components/schemas/ResultCode.yaml);
 * - every registry value has a title and a description (one documented meaning per code);
 * - every registry value lists, in `x-returned-by`, exactly the handlers (activities or operations) of each family whose
 *   answers declare it. `tsx scripts/lint.ts --fix` rewrites those lists from the contracts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseDocument } from 'yaml';
import { ROOT, bundleContract, families } from './contract.js';
import { type OpenApiDocument, describeOperations } from './server-template.js';

type Node = Record<string, unknown>;
const REGISTRY = join(ROOT, 'openapi/components/schemas/ResultCode.yaml');
const fix = process.argv.includes('--fix');
const problems: string[] = [];

const registry = parse(readFileSync(REGISTRY, 'utf8')) as { oneOf: Node[] };
const codes = new Set<string>();
for (const entry of registry.oneOf) {
  if (typeof entry.const !== 'string') problems.push('ResultCode: an entry without a string const');
  else if (codes.has(entry.const)) problems.push(`ResultCode: ${entry.const} is listed twice`);
  else codes.add(entry.const);
  if (!entry.title || !entry.description) problems.push(`ResultCode ${String(entry.const)}: needs a title and a description`);
}

function walk(node: unknown, path: string, visit: (node: Node, path: string) => void): void {
  if (Array.isArray(node)) node.forEach((item, i) => walk(item, `${path}/${i}`, visit));
  else if (typeof node === 'object' && node !== null) {
    visit(node as Node, path);
    for (const [key, value] of Object.entries(node)) walk(value, `${path}/${key}`, visit);
  }
}

/** The resultCode values a schema (and what it references) declares. */
function declaredCodes(document: Node, schemaName: string, seen = new Set<string>()): Set<string> {
  const found = new Set<string>();
  if (seen.has(schemaName)) return found;
  seen.add(schemaName);
  const schemas = (document.components as { schemas: Record<string, unknown> }).schemas;
  walk(schemas[schemaName], '', (node) => {
    const ref = typeof node.$ref === 'string' ? /^#\/components\/schemas\/(.+)$/.exec(node.$ref)?.[1] : undefined;
    if (ref && ref !== 'ResultCode') for (const code of declaredCodes(document, ref, seen)) found.add(code);
    const enumValues = ((node.properties as Node | undefined)?.resultCode as Node | undefined)?.enum;
    if (Array.isArray(enumValues)) for (const code of enumValues) found.add(String(code));
  });
  return found;
}

// code → family → handlers whose answers may carry it
const returnedBy = new Map<string, Map<string, Set<string>>>();
for (const family of families()) {
  const document = await bundleContract(family);
  walk(document, '#', (node, path) => {
    const resultCode = (node.properties as Node | undefined)?.resultCode as Node | undefined;
    if (!resultCode || path.endsWith('/ResultCode')) return;
    const declared = resultCode.enum;
    if (!Array.isArray(declared)) {
      problems.push(`${family} ${path}: resultCode must list the codes this answer may carry (allOf: [ResultCode] + enum)`);
      return;
    }
    for (const code of declared) if (!codes.has(String(code))) problems.push(`${family} ${path}: resultCode ${String(code)} is not in the registry`);
  });
  if ((document.info as Node)['x-kgkit-side'] === 'client') continue;
  for (const operation of describeOperations(document as unknown as OpenApiDocument)) {
    for (const handler of operation.handlers) {
      for (const code of declaredCodes(document, handler.response)) {
        const byFamily = returnedBy.get(code) ?? new Map<string, Set<string>>();
        returnedBy.set(code, byFamily);
        const handlers = byFamily.get(family) ?? new Set<string>();
        byFamily.set(family, handlers);
        handlers.add(handler.name);
      }
    }
  }
}

const expected = (code: string): Record<string, string[]> =>
  Object.fromEntries([...(returnedBy.get(code) ?? new Map<string, Set<string>>())].sort(([a], [b]) => a.localeCompare(b)).map(([family, handlers]) => [family, [...handlers].sort()]));

if (fix) {
  const document = parseDocument(readFileSync(REGISTRY, 'utf8'));
  const entries = document.get('oneOf') as { items: { get(key: string): unknown; set(key: string, value: unknown): void }[] };
  for (const entry of entries.items) entry.set('x-returned-by', document.createNode(expected(String(entry.get('const'))), { flow: false }));
  writeFileSync(REGISTRY, document.toString({ lineWidth: 0 }));
  console.log('lint --fix: rewrote x-returned-by in openapi/components/schemas/ResultCode.yaml');
} else {
  for (const entry of registry.oneOf) {
    const code = String(entry.const);
    if (JSON.stringify(entry['x-returned-by'] ?? {}) !== JSON.stringify(expected(code))) {
      problems.push(`ResultCode ${code}: x-returned-by must be ${JSON.stringify(expected(code))} (run \`tsx scripts/lint.ts --fix\`)`);
    }
  }
}

if (problems.length > 0) {
  console.error(`lint: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`lint: ${codes.size} result codes in the registry, each with the handlers that may return it (${families().join(', ')})`);
