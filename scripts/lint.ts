/**
 * `make lint`, the part Redocly cannot say: rules that span the files of the contracts.
 * - every code a response declares, as `resultCode` or `error_code`, is a value of the shared registry
 *   (openapi/components/schemas/ResultCode.yaml);
 * - every registry value has a title and a description (one documented meaning per code);
 * - every registry value lists, in `x-returned-by`, exactly the handlers (activities or operations) of each family whose
 *   answers declare it: for a contract the seller serves, each handler's answer; for one it calls (x-kgkit-side: client),
 *   each operation's answers, whatever their status. `tsx scripts/lint.ts --fix` rewrites those lists from the contracts;
 * - a value that no API returns instead says where it is reported (`x-kgkit-reported-in`, the usage-record codes of
 *   Seller Console), and no answer may declare it; every other value is returned by at least one handler;
 * - the two levels of every contract, Huawei's and kgkit's `x-kgkit-strict` (scripts/lint-levels.ts);
 * - every `x-enum-descriptions` is a list of strings, one per value of its `enum` (YAML reads an unquoted entry
 *   holding ": " as a mapping, which generators such as orval fail on);
 * - citations a newcomer can follow, across the whole tree (scripts/lint-citations.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseDocument } from 'yaml';
import { ROOT, bundleContract, families } from './contract.js';
import { citationProblems } from './lint-citations.js';
import { levelProblems } from './lint-levels.js';
import { type OpenApiDocument, describeOperations } from './server-template.js';

type Node = Record<string, unknown>;
const REGISTRY = join(ROOT, 'openapi/components/schemas/ResultCode.yaml');
/** The properties that carry a registry code: production interfaces and the order query, the other Open APIs. */
const CODE_PROPERTIES = ['resultCode', 'error_code'] as const;
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const fix = process.argv.includes('--fix');
const problems: string[] = [];

const registry = parse(readFileSync(REGISTRY, 'utf8')) as { oneOf: Node[] };
const codes = new Set<string>();
const reportedElsewhere = new Set<string>();
for (const entry of registry.oneOf) {
  if (typeof entry.const !== 'string') problems.push('ResultCode: an entry without a string const');
  else if (codes.has(entry.const)) problems.push(`ResultCode: ${entry.const} is listed twice`);
  else codes.add(entry.const);
  if (!entry.title || !entry.description) problems.push(`ResultCode ${String(entry.const)}: needs a title and a description`);
  if (entry['x-kgkit-reported-in'] !== undefined) {
    if (typeof entry['x-kgkit-reported-in'] !== 'string')
      problems.push(`ResultCode ${String(entry.const)}: x-kgkit-reported-in must say where the code is reported`);
    reportedElsewhere.add(String(entry.const));
  }
}

function walk(node: unknown, path: string, visit: (node: Node, path: string) => void): void {
  if (Array.isArray(node)) for (const [i, item] of node.entries()) walk(item, `${path}/${i}`, visit);
  else if (typeof node === 'object' && node !== null) {
    visit(node as Node, path);
    for (const [key, value] of Object.entries(node)) walk(value, `${path}/${key}`, visit);
  }
}

const codePropertiesOf = (node: Node): [string, Node][] =>
  CODE_PROPERTIES.flatMap((name) => {
    const property = (node.properties as Node | undefined)?.[name];
    return typeof property === 'object' && property !== null ? [[name, property as Node] as [string, Node]] : [];
  });

/** The codes a schema (and every schema it references) declares. */
function declaredCodes(document: Node, schema: unknown, seen = new Set<string>()): Set<string> {
  const found = new Set<string>();
  const schemas = (document.components as { schemas: Record<string, unknown> }).schemas;
  walk(schema, '', (node) => {
    const ref = typeof node.$ref === 'string' ? /^#\/components\/schemas\/(.+)$/.exec(node.$ref)?.[1] : undefined;
    if (ref && ref !== 'ResultCode' && !seen.has(ref)) {
      seen.add(ref);
      for (const code of declaredCodes(document, schemas[ref], seen)) found.add(code);
    }
    for (const [, property] of codePropertiesOf(node)) if (Array.isArray(property.enum)) for (const code of property.enum) found.add(String(code));
  });
  return found;
}

/** The handlers of a family and the answers each may give: activities or operations of a server, operations of a client. */
function handlersOf(document: Node): { name: string; answers: unknown[] }[] {
  if ((document.info as Node)['x-kgkit-side'] !== 'client') {
    return describeOperations(document as unknown as OpenApiDocument).flatMap((operation) =>
      operation.handlers.map((handler) => ({ name: handler.name, answers: [{ $ref: `#/components/schemas/${handler.response}` }] })),
    );
  }
  type Operation = { operationId?: string; responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> };
  return Object.values(document.paths as Record<string, Record<string, Operation>>).flatMap((item) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([, operation]) => ({
        name: operation.operationId ?? '(no operationId)',
        answers: Object.values(operation.responses ?? {}).flatMap((response) => Object.values(response.content ?? {}).map((media) => media.schema)),
      })),
  );
}

// code → family → handlers whose answers may carry it
const returnedBy = new Map<string, Map<string, Set<string>>>();
for (const family of families()) {
  const document = await bundleContract(family);
  walk(document, '#', (node, path) => {
    const descriptions = node['x-enum-descriptions'];
    if (descriptions !== undefined && (!Array.isArray(descriptions) || descriptions.some((d) => typeof d !== 'string')))
      problems.push(`${family} ${path}: x-enum-descriptions must be a list of strings (quote an entry that holds ': ')`);
    else if (Array.isArray(descriptions) && Array.isArray(node.enum) && descriptions.length !== node.enum.length)
      problems.push(`${family} ${path}: x-enum-descriptions must describe each of the ${node.enum.length} enum values, in order`);
    if (path.endsWith('/ResultCode')) return;
    for (const [name, property] of codePropertiesOf(node)) {
      const declared = property.enum;
      if (!Array.isArray(declared)) {
        problems.push(`${family} ${path}: ${name} must list the codes this answer may carry (allOf: [ResultCode] + enum)`);
        continue;
      }
      for (const code of declared) {
        if (!codes.has(String(code))) problems.push(`${family} ${path}: ${name} ${String(code)} is not in the registry`);
        else if (reportedElsewhere.has(String(code)))
          problems.push(`${family} ${path}: ${name} ${String(code)} is reported in Seller Console (x-kgkit-reported-in), never answered`);
      }
    }
  });
  problems.push(...queryParameterProblems(family, document));
  const client = (document.info as Node)['x-kgkit-side'] === 'client';
  const kitAnswers = family.startsWith('kit-')
    ? handlersOf(document).map((handler) => ({ name: handler.name, codes: declaredCodes(document, handler.answers) }))
    : [];
  problems.push(...levelProblems(family, document, !client && family !== 'kgkit', kitAnswers));
  for (const handler of handlersOf(document)) {
    for (const code of declaredCodes(document, handler.answers)) {
      const byFamily = returnedBy.get(code) ?? new Map<string, Set<string>>();
      returnedBy.set(code, byFamily);
      const handlers = byFamily.get(family) ?? new Set<string>();
      byFamily.set(family, handlers);
      handlers.add(handler.name);
    }
  }
}

/** What a query parameter accepts: the keywords the runtime validates (descriptions and examples aside). */
function acceptance(schema: Node | undefined): string {
  return JSON.stringify(['type', 'enum', 'pattern', 'minLength', 'maxLength', 'format'].map((keyword) => schema?.[keyword] ?? null));
}

/**
 * A GET whose query the runtime validates with a plain object schema (`x-kgkit-query-schema`) must declare the same
 * parameters, accepting the same values: the documented parameters are what users read, the schema what is enforced.
 */
function queryParameterProblems(family: string, document: Node): string[] {
  const found: string[] = [];
  const schemas = (document.components as Node).schemas as Record<string, Node>;
  for (const [path, item] of Object.entries(document.paths as Record<string, Node>)) {
    for (const [method, operation] of Object.entries(item as Record<string, Node>)) {
      const name = operation['x-kgkit-query-schema'];
      if (typeof name !== 'string' || schemas[name]?.oneOf) continue;
      const where = `${family} ${method.toUpperCase()} ${path}`;
      const properties = (schemas[name]?.properties ?? {}) as Record<string, Node>;
      const parameters = ((operation.parameters ?? []) as Node[]).filter((p) => p.in === 'query');
      const named = new Set(parameters.map((p) => String(p.name)));
      for (const key of Object.keys(properties)) if (!named.has(key)) found.push(`${where}: ${name}.${key} is not a documented query parameter`);
      for (const parameter of parameters) {
        const property = properties[String(parameter.name)];
        if (!property) found.push(`${where}: query parameter ${String(parameter.name)} is missing from ${name}`);
        else if (acceptance(property) !== acceptance(parameter.schema as Node))
          found.push(`${where}: query parameter ${String(parameter.name)} accepts other values than ${name}.${String(parameter.name)}`);
      }
    }
  }
  return found;
}

const expected = (code: string): Record<string, string[]> =>
  Object.fromEntries(
    [...(returnedBy.get(code) ?? new Map<string, Set<string>>())]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([family, handlers]) => [family, [...handlers].sort()]),
  );

for (const code of codes) {
  if (!reportedElsewhere.has(code) && !returnedBy.has(code))
    problems.push(`ResultCode ${code}: no answer of any contract declares it (declare it, or say where it is reported with x-kgkit-reported-in)`);
}

if (fix) {
  const document = parseDocument(readFileSync(REGISTRY, 'utf8'));
  const entries = document.get('oneOf') as { items: { get(key: string): unknown; set(key: string, value: unknown): void; delete(key: string): boolean }[] };
  for (const entry of entries.items) {
    if (entry.get('x-kgkit-reported-in') !== undefined) entry.delete('x-returned-by');
    else entry.set('x-returned-by', document.createNode(expected(String(entry.get('const'))), { flow: false }));
  }
  writeFileSync(REGISTRY, document.toString({ lineWidth: 0 }));
  console.log('lint --fix: rewrote x-returned-by in openapi/components/schemas/ResultCode.yaml');
} else {
  for (const entry of registry.oneOf) {
    const code = String(entry.const);
    if (reportedElsewhere.has(code)) {
      if (entry['x-returned-by'] !== undefined)
        problems.push(`ResultCode ${code}: a code reported elsewhere (x-kgkit-reported-in) has no x-returned-by (run \`tsx scripts/lint.ts --fix\`)`);
    } else if (JSON.stringify(entry['x-returned-by'] ?? {}) !== JSON.stringify(expected(code))) {
      problems.push(`ResultCode ${code}: x-returned-by must be ${JSON.stringify(expected(code))} (run \`tsx scripts/lint.ts --fix\`)`);
    }
  }
}

problems.push(...citationProblems(ROOT).problems);

if (problems.length > 0) {
  console.error(`lint: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(
  `lint: ${codes.size} result codes in the registry, each with the handlers that may return it or, for ${reportedElsewhere.size}, where it is reported (${families().join(', ')})`,
);
