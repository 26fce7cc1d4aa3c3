/**
 * Renders generated/<family>/server.ts: the strict-server skeleton of one contract. Three shapes of operation:
 *
 * - dispatch: a JSON body that is a `oneOf` told apart by a `const` property (`activity`), and a 200 answer that is an
 *   `anyOf` of every activity's answer plus one schema for rejected requests, with an `x-kgkit-answer-discriminator`
 *   naming the answer of each activity and the rejection (the KooGallery production interfaces);
 * - query dispatch: the same over the query string of a GET, the `oneOf` named by `x-kgkit-query-schema` (SaaS V1.0);
 * - plain: one JSON body schema and one 200 answer schema, which also answers rejected requests (the Kit syncs).
 *
 * The family gets one handler per activity or plain operation, one mount function, and typed result builders.
 */

type Schema = {
  $ref?: string;
  oneOf?: Schema[];
  anyOf?: Schema[];
  properties?: Record<string, Schema>;
  const?: unknown;
  discriminator?: { propertyName: string };
  'x-kgkit-answer-discriminator'?: AnswerDiscriminator;
};
/**
 * On the 200 answer union of a dispatched operation: which schema answers each value of the request's discriminating
 * property (`mapping`, activity → component name), and which answers a call refused before its activity (`rejection`).
 * It mirrors the request's `discriminator`, which tools understand; this one only kgkit's tools read.
 */
export type AnswerDiscriminator = { requestProperty?: string; mapping?: Record<string, unknown>; rejection?: unknown };
type Operation = {
  operationId?: string;
  'x-kgkit-query-schema'?: string;
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>;
};
export type OpenApiDocument = {
  info: { title: string; 'x-kgkit-side'?: 'server' | 'client' };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
};

export interface Handler {
  /** The handler's name: the activity, or the operationId of a plain operation. */
  name: string;
  request: string;
  response: string;
}

export interface RenderedOperation {
  kind: 'dispatch' | 'query-dispatch' | 'plain';
  operationId: string;
  method: string;
  path: string;
  discriminator?: string;
  handlers: Handler[];
  rejection: string;
}

const pascal = (s: string) => s.replace(/(^|[-_\s])(\w)/g, (_, __, c: string) => c.toUpperCase()).replace(/^\w/, (c) => c.toUpperCase());
const camel = (s: string) => pascal(s).replace(/^\w/, (c) => c.toLowerCase());
const constant = (s: string) =>
  pascal(s)
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase();

function refName(schema: Schema | undefined, where: string): string {
  const match = /^#\/components\/schemas\/(.+)$/.exec(schema?.$ref ?? '');
  if (!match?.[1]) throw new Error(`${where}: expected a $ref to #/components/schemas/…`);
  return match[1];
}

function variantsOf(doc: OpenApiDocument, unionName: string, where: string): { discriminator: string; activities: { name: string; request: string }[] } {
  const union = doc.components.schemas[unionName];
  const discriminator = union?.discriminator?.propertyName;
  if (!union?.oneOf || !discriminator) throw new Error(`${where}: ${unionName} must be a oneOf with a discriminator`);
  const activities = union.oneOf.map((member) => {
    const request = refName(member, `${unionName}.oneOf`);
    const name = doc.components.schemas[request]?.properties?.[discriminator]?.const;
    if (typeof name !== 'string') throw new Error(`${request}.${discriminator} must be a string const`);
    return { name, request };
  });
  return { discriminator, activities };
}

/**
 * The answer of each activity and the rejection schema, read from the answer union's x-kgkit-answer-discriminator,
 * which must name every activity of the request and nothing else, and account for every member of the union.
 */
function answersOf(
  doc: OpenApiDocument,
  answerName: string,
  discriminator: string,
  activities: { name: string }[],
): { answers: Map<string, string>; rejection: string } {
  const union = doc.components.schemas[answerName];
  const where = `${answerName}.x-kgkit-answer-discriminator`;
  const spec = union?.['x-kgkit-answer-discriminator'];
  if (!spec) throw new Error(`${answerName} must carry x-kgkit-answer-discriminator (the answer schema of each ${discriminator}, and the rejection)`);
  if (spec.requestProperty !== discriminator) throw new Error(`${where}.requestProperty must be ${discriminator}, the request's discriminator`);
  const mapping = spec.mapping ?? {};
  const named = (value: unknown, at: string): string => {
    if (typeof value !== 'string' || !doc.components.schemas[value])
      throw new Error(`${where}.${at} must name a schema of the contract; found ${JSON.stringify(value)}`);
    return value;
  };
  const unmapped = activities.filter((a) => !Object.hasOwn(mapping, a.name)).map((a) => a.name);
  const unknown = Object.keys(mapping).filter((key) => !activities.some((a) => a.name === key));
  if (unmapped.length > 0) throw new Error(`${where}.mapping has no answer for ${unmapped.join(', ')}`);
  if (unknown.length > 0) throw new Error(`${where}.mapping names ${unknown.join(', ')}, which the request does not have`);
  const answers = new Map(activities.map((a) => [a.name, named(mapping[a.name], `mapping.${a.name}`)]));
  const rejection = named(spec.rejection, 'rejection');
  if ([...answers.values()].includes(rejection)) throw new Error(`${where}: the rejection ${rejection} cannot also be an activity's answer`);
  const members = (union.anyOf ?? []).map((m) => refName(m, `${answerName}.anyOf`));
  const declared = new Set([...answers.values(), rejection]);
  const missing = [...declared].filter((name) => !members.includes(name));
  const extra = members.filter((name) => !declared.has(name));
  if (missing.length > 0) throw new Error(`${answerName}.anyOf must list ${missing.join(', ')}`);
  if (extra.length > 0) throw new Error(`${answerName}.anyOf lists ${extra.join(', ')}, which ${where} does not name`);
  return { answers, rejection };
}

function operationOf(doc: OpenApiDocument, path: string, method: string, op: Operation): RenderedOperation {
  const where = `${method.toUpperCase()} ${path}`;
  if (!op.operationId) throw new Error(`${where}: operationId is required`);
  const answerName = refName(op.responses?.['200']?.content?.['application/json']?.schema, `${where} 200 response`);
  const base = { operationId: op.operationId, method, path };

  const unionName =
    op['x-kgkit-query-schema'] ?? (op.requestBody ? refName(op.requestBody.content?.['application/json']?.schema, `${where} request body`) : undefined);
  if (unionName === undefined) throw new Error(`${where}: needs a JSON request body or x-kgkit-query-schema`);
  if (!doc.components.schemas[unionName]?.oneOf) {
    return { ...base, kind: 'plain', handlers: [{ name: op.operationId, request: unionName, response: answerName }], rejection: answerName };
  }
  const { discriminator, activities } = variantsOf(doc, unionName, where);
  const { answers, rejection } = answersOf(doc, answerName, discriminator, activities);
  const handlers = activities.map(({ name, request }) => ({ name, request, response: answers.get(name)! }));
  return { ...base, kind: op['x-kgkit-query-schema'] ? 'query-dispatch' : 'dispatch', discriminator, handlers, rejection };
}

/** The operations of a contract as the generator sees them: their shape, handlers and rejection schema. */
export function describeOperations(doc: OpenApiDocument): RenderedOperation[] {
  const operations: RenderedOperation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (['get', 'post', 'put', 'delete', 'patch'].includes(method)) operations.push(operationOf(doc, path, method, op));
    }
  }
  return operations;
}

export function renderServer(family: string, doc: OpenApiDocument): string {
  const operations = describeOperations(doc);
  const names = operations.flatMap((op) => op.handlers.map((h) => h.name));
  const twice = names.filter((name, i) => names.indexOf(name) !== i);
  if (twice.length > 0) throw new Error(`${family}: handler names must be unique in a family (${twice.join(', ')})`);
  return [preamble(), renderFamily(family, operations)].join('\n');
}

/** The imports of every generated server: what they run on is src/runtime/contract-runtime.ts, and nothing else of kgkit. */
function preamble(): string {
  return `import type { Env, Hono } from 'hono';
import { type MountOptions, type RouteSpec, mountRoutes } from '../../src/runtime/contract-runtime.js';
import document from './openapi.json' with { type: 'json' };
import type { components } from './types.js';

type Schemas = components['schemas'];
`;
}

function renderFamily(family: string, operations: RenderedOperation[]): string {
  const F = pascal(family);
  const C = constant(family);
  const handlers = operations.flatMap((op) => op.handlers);
  const types = handlers
    .map(
      (h) => `/** Request of \`${h.name}\`. */
export type ${pascal(h.name)}Request = Schemas['${h.request}'];
/** Every answer the contract allows to \`${h.name}\`: returning anything else does not compile. */
export type ${pascal(h.name)}Result = { status: 200; body: Schemas['${h.response}'] };`,
    )
    .join('\n');
  const rejections = operations.map((op) => `  ${op.operationId}: '${op.rejection}',`).join('\n');
  const rejectionTypes = operations.map((op) => `  ${op.operationId}: { status: 200; body: Schemas['${op.rejection}'] };`).join('\n');
  const defaultPaths = operations.map((op) => `  ${op.operationId}: '${op.path}',`).join('\n');

  return `// ---- ${family}: ${operations.map((op) => `${op.method.toUpperCase()} ${op.path}`).join(', ')} ----

/** The handlers of the family: one per activity of a dispatched operation, one per plain operation. */
export interface ${F}Handlers {
${handlers.map((h) => `  ${h.name}(request: ${pascal(h.name)}Request): Promise<${pascal(h.name)}Result>;`).join('\n')}
}
export type ${F}Handler = keyof ${F}Handlers;
export type ${F}Operation = ${operations.map((op) => `'${op.operationId}'`).join(' | ')};

${types}

/** The answer to a request that never reaches a handler (unreadable, unknown activity, not matching the contract). */
export interface ${F}Rejections {
${rejectionTypes}
}

/**
 * Builds each handler's result. Prefer it to an object literal: TypeScript checks an argument for fields the
 * contract does not declare, but not the literal an async function returns.
 */
export const ${camel(family)}Result = {
${handlers.map((h) => `  ${h.name}: (body: Schemas['${h.response}']): ${pascal(h.name)}Result => ({ status: 200, body }),`).join('\n')}
} as const;

/** Request and response schema of each handler, and the rejection schema of each operation, by component name. */
export const ${C}_SCHEMAS = {
  handlers: {
${handlers.map((h) => `    ${h.name}: { request: '${h.request}', response: '${h.response}' },`).join('\n')}
  },
  rejections: {
${rejections.replaceAll('\n', '\n  ').replace(/^/, '  ')}
  },
} as const;

/** Where each operation is served unless the mount is told otherwise: the contract's paths. */
export const ${C}_PATHS = {
${defaultPaths}
} as const;

/** How to mount the family: the options of mountRoutes (src/runtime/contract-runtime.ts), typed for it. */
export type Mount${F}Options<E extends Env = Env> = MountOptions<E, ${F}Handlers, ${F}Operation, ${F}Rejections>;

/** How each operation is routed. */
const ${C}_ROUTES: readonly RouteSpec<${F}Operation, ${F}Handler>[] = [
${operations.map(renderRoute).join('\n')}
];

/** Routes every operation of the family, validates each request against the contract, dispatches, writes the result. */
export function mount${F}<E extends Env>(app: Hono<E>, options: Mount${F}Options<E>): void {
  mountRoutes(app, { document, schemas: ${C}_SCHEMAS.handlers, paths: ${C}_PATHS, routes: ${C}_ROUTES }, options);
}
`;
}

function renderRoute(op: RenderedOperation): string {
  const base = `operation: '${op.operationId}', method: '${op.method === 'get' ? 'get' : 'post'}'`;
  if (op.kind === 'plain') return `  { ${base}, handler: '${op.operationId}' },`;
  return `  { ${base}, discriminator: '${op.discriminator}', activities: [${op.handlers.map((h) => `'${h.name}'`).join(', ')}] },`;
}
