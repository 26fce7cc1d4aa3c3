/**
 * `make lint`, the part Redocly cannot say: rules that span files of the contracts.
 * - every `resultCode` a response declares is a value of the shared registry (openapi/components/schemas/ResultCode.yaml);
 * - every registry value has a title and a description (one documented meaning per code).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT, bundleContract, families } from './contract.js';

type Node = Record<string, unknown>;
const problems: string[] = [];

const registry = parse(readFileSync(join(ROOT, 'openapi/components/schemas/ResultCode.yaml'), 'utf8')) as { oneOf: Node[] };
const codes = new Set<string>();
for (const entry of registry.oneOf) {
  if (typeof entry.const !== 'string') problems.push(`ResultCode: an entry without a string const`);
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
}

if (problems.length > 0) {
  console.error(`lint: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`lint: ${codes.size} result codes in the registry; every declared resultCode is one of them (${families().join(', ')})`);
