/**
 * The two levels of a contract (docs/decisions.md#16), as `make lint` checks them on each bundled contract:
 * - every `x-kgkit-strict` is an object with a non-empty `why`, at least one JSON Schema keyword besides it and
 *   nothing else, and tightens what Huawei's level says (a smaller maxLength, a subset of its enum, …);
 *   every `x-kgkit-no-max-length` says why, on a schema that has no `maxLength` at Huawei's level;
 * - in a family the marketplace calls on the seller (not `x-kgkit-side: client`, not kgkit's own API), no object is
 *   closed at Huawei's level: `additionalProperties: false` lives only in `x-kgkit-strict` (the Open APIs the seller
 *   calls are the exception: Huawei refuses undefined parameters there, `MKT.0101`). Such an object leaves
 *   `additionalProperties` out at Huawei's level (JSON Schema's default: open), so that openapi-typescript gives the
 *   handlers exact types, without an index signature; every object with `properties` says how it is closed;
 * - every array schema has `items`;
 * - every string property of a request or answer (and every string parameter) has a `maxLength` or says with
 *   `x-kgkit-no-max-length` why Huawei gives none; an enum or a const bounds a string by itself;
 * - every Kit answer (kit-v1, kit-v2) allows the common result-code block the Kit pages point to.
 * kgkit's own API (openapi/kgkit) is kgkit's rule throughout, so its closed objects are not flagged.
 */

type Node = Record<string, unknown>;

export const STRICT = 'x-kgkit-strict';
export const NO_MAX_LENGTH = 'x-kgkit-no-max-length';
/** The common block of the result-code page every Kit page points to (000000–000005). */
export const KIT_COMMON_CODES = ['000000', '000001', '000002', '000003', '000004', '000005'];

/** JSON Schema 2020-12 keywords an `x-kgkit-strict` may carry (annotations excluded: they tighten nothing). */
const SCHEMA_KEYWORDS = new Set([
  'type',
  'enum',
  'const',
  'multipleOf',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'uniqueItems',
  'maxContains',
  'minContains',
  'maxProperties',
  'minProperties',
  'required',
  'dependentRequired',
  'additionalProperties',
  'properties',
  'patternProperties',
  'propertyNames',
  'unevaluatedProperties',
  'items',
  'prefixItems',
  'contains',
  'unevaluatedItems',
  'allOf',
  'anyOf',
  'oneOf',
  'not',
  'if',
  'then',
  'else',
  'dependentSchemas',
  'format',
  'contentMediaType',
  'contentEncoding',
  'contentSchema',
]);
/** Keys whose values are data or prose, never a schema to look into. */
const NOT_SCHEMA = new Set(['example', 'examples', 'description', 'x-enum-descriptions', 'x-returned-by', 'discriminator', 'enum', 'const', 'default', STRICT]);

const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value);
const typesOf = (node: Node): unknown[] => (Array.isArray(node.type) ? node.type : node.type === undefined ? [] : [node.type]);

/** Every schema-like node of the document, with its JSON pointer; values of NOT_SCHEMA keys are skipped. */
function walk(node: unknown, path: string, visit: (node: Node, path: string) => void): void {
  if (Array.isArray(node)) for (const [i, item] of node.entries()) walk(item, `${path}/${i}`, visit);
  else if (isNode(node)) {
    visit(node, path);
    for (const [key, value] of Object.entries(node)) if (!NOT_SCHEMA.has(key)) walk(value, `${path}/${key.replaceAll('/', '~1')}`, visit);
  }
}

/** The node with its `$ref` followed and the parts of its `allOf` merged under it (the node's own keys win). */
function resolved(document: Node, node: Node, seen = new Set<string>()): Node {
  let merged: Node = { ...node };
  const ref = typeof node.$ref === 'string' ? /^#\/components\/(schemas|parameters)\/(.+)$/.exec(node.$ref) : null;
  if (ref && !seen.has(node.$ref as string)) {
    seen.add(node.$ref as string);
    const target = ((document.components as Node)[ref[1]!] as Node | undefined)?.[ref[2]!];
    if (isNode(target)) merged = { ...resolved(document, target, seen), ...merged };
  }
  for (const part of Array.isArray(node.allOf) ? node.allOf : []) if (isNode(part)) merged = { ...resolved(document, part, seen), ...merged };
  return merged;
}

/** Problems of one `x-kgkit-strict`: its form, and whether it really tightens the Huawei-level keyword it overrides. */
function strictProblems(node: Node, where: string): string[] {
  const strict = node[STRICT];
  if (!isNode(strict)) return [`${where}: ${STRICT} must be an object with a why and JSON Schema keywords`];
  const problems: string[] = [];
  if (typeof strict.why !== 'string' || strict.why.trim() === '')
    problems.push(`${where}: ${STRICT} needs a non-empty why (the reason for kgkit's stricter rule)`);
  const keywords = Object.keys(strict).filter((key) => key !== 'why');
  if (keywords.length === 0) problems.push(`${where}: ${STRICT} tightens nothing (no JSON Schema keyword besides why)`);
  for (const key of keywords) if (!SCHEMA_KEYWORDS.has(key)) problems.push(`${where}: ${STRICT}.${key} is not a JSON Schema keyword`);
  const looser = (key: string, stricter: (kgkit: number, huawei: number) => boolean) =>
    typeof strict[key] === 'number' && typeof node[key] === 'number' && !stricter(strict[key], node[key]);
  for (const key of ['maxLength', 'maxItems', 'maximum'])
    if (looser(key, (k, h) => k <= h)) problems.push(`${where}: ${STRICT}.${key} ${String(strict[key])} is looser than Huawei's ${String(node[key])}`);
  for (const key of ['minLength', 'minItems', 'minimum'])
    if (looser(key, (k, h) => k >= h)) problems.push(`${where}: ${STRICT}.${key} ${String(strict[key])} is looser than Huawei's ${String(node[key])}`);
  if (Array.isArray(strict.enum) && Array.isArray(node.enum)) {
    const huawei = node.enum.map((value) => JSON.stringify(value));
    const extra = strict.enum.filter((value) => !huawei.includes(JSON.stringify(value)));
    if (extra.length > 0) problems.push(`${where}: ${STRICT}.enum allows ${JSON.stringify(extra)}, which Huawei's enum does not`);
  }
  if (strict.additionalProperties === true) problems.push(`${where}: ${STRICT}.additionalProperties true opens, it does not tighten`);
  return problems;
}

/** Whether a (resolved) schema is a string that needs a length: a string type, no enum, no const. */
const needsLength = (schema: Node): boolean => typesOf(schema).includes('string') && schema.enum === undefined && schema.const === undefined;
const hasLength = (schema: Node): boolean => schema.maxLength !== undefined || schema[NO_MAX_LENGTH] !== undefined;

/**
 * Every problem of the two-level rules in one bundled contract. `sellerSide`: the marketplace calls the family on the
 * seller, so its objects must be open at Huawei's level; `kitAnswers`: the codes each Kit handler's answer declares.
 */
export function levelProblems(family: string, document: Node, sellerSide: boolean, kitAnswers: { name: string; codes: Set<string> }[]): string[] {
  const problems: string[] = [];
  walk(document, '#', (node, path) => {
    const where = `${family} ${path}`;
    if (node[STRICT] !== undefined) problems.push(...strictProblems(node, where));
    if (node[NO_MAX_LENGTH] !== undefined) {
      if (typeof node[NO_MAX_LENGTH] !== 'string' || (node[NO_MAX_LENGTH] as string).trim() === '')
        problems.push(`${where}: ${NO_MAX_LENGTH} must say why Huawei gives no length`);
      if (node.maxLength !== undefined) problems.push(`${where}: ${NO_MAX_LENGTH} and a Huawei-level maxLength contradict each other`);
    }
    if (sellerSide && node.additionalProperties === false) {
      problems.push(
        `${where}: closed at Huawei's level; in a family the marketplace calls, additionalProperties: false belongs in ${STRICT} (docs/decisions.md#16)`,
      );
    }
    if (isNode(node.properties) && node.additionalProperties === undefined && (node[STRICT] as Node | undefined)?.additionalProperties === undefined) {
      problems.push(`${where}: an object with properties says neither additionalProperties nor ${STRICT}.additionalProperties`);
    }
    if (typesOf(node).includes('array') && node.items === undefined && node.prefixItems === undefined) problems.push(`${where}: an array schema without items`);
    // A property of an object, or the schema of a parameter or header: a string there needs a length.
    const named: [string, unknown][] = isNode(node.properties) ? Object.entries(node.properties) : [];
    if ((node.in !== undefined || /\/headers\/[^/]+$/.test(path)) && node.schema !== undefined) named.push([`(${String(node.name ?? 'header')})`, node.schema]);
    for (const [name, property] of named) {
      if (!isNode(property)) continue;
      const schema = resolved(document, property);
      if (needsLength(schema) && !hasLength(schema))
        problems.push(`${where}: string ${name} has neither a maxLength (Huawei's length) nor ${NO_MAX_LENGTH} (why Huawei gives none)`);
    }
  });
  for (const answer of kitAnswers) {
    const missing = KIT_COMMON_CODES.filter((code) => !answer.codes.has(code));
    if (missing.length > 0)
      problems.push(`${family} ${answer.name}: a Kit answer must allow the whole common block ${KIT_COMMON_CODES.join(', ')}; missing ${missing.join(', ')}`);
  }
  return problems;
}
