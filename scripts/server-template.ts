/**
 * Renders generated/<family>/server.ts: the strict-server skeleton of one contract.
 *
 * Supported shape (the KooGallery production interfaces): an operation whose JSON request body is a `oneOf` of
 * schemas told apart by a `const` property (`activity`). For each value the contract must hold `<X>Request` and
 * `<X>Response`; the 200 response is an `anyOf` of every `<X>Response` plus one schema for rejected requests.
 */

type Schema = {
  $ref?: string;
  oneOf?: Schema[];
  anyOf?: Schema[];
  properties?: Record<string, Schema>;
  const?: unknown;
  discriminator?: { propertyName: string };
  enum?: unknown[];
};
type Operation = {
  operationId?: string;
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>;
};
export type OpenApiDocument = {
  info: { title: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
};

interface Variant {
  value: string;
  request: string;
  response: string;
}

interface DispatchOperation {
  method: string;
  path: string;
  name: string; // PascalCase of operationId
  discriminator: string;
  variants: Variant[];
  rejection: string;
}

const pascal = (s: string) => s.replace(/(^|[-_\s])(\w)/g, (_, __, c: string) => c.toUpperCase()).replace(/^\w/, (c) => c.toUpperCase());
const camel = (s: string) => pascal(s).replace(/^\w/, (c) => c.toLowerCase());

function refName(schema: Schema | undefined, where: string): string {
  const match = /^#\/components\/schemas\/(.+)$/.exec(schema?.$ref ?? '');
  if (!match?.[1]) throw new Error(`${where}: expected a $ref to #/components/schemas/…`);
  return match[1];
}

function dispatchOperation(doc: OpenApiDocument, path: string, method: string, op: Operation): DispatchOperation {
  const where = `${method.toUpperCase()} ${path}`;
  if (!op.operationId) throw new Error(`${where}: operationId is required`);
  const schemas = doc.components.schemas;
  const bodyName = refName(op.requestBody?.content?.['application/json']?.schema, `${where} request body`);
  const body = schemas[bodyName]!;
  const discriminator = body.discriminator?.propertyName;
  if (!body.oneOf || !discriminator) throw new Error(`${where}: ${bodyName} must be a oneOf with a discriminator`);

  const variants = body.oneOf.map((member) => {
    const request = refName(member, `${bodyName}.oneOf`);
    const value = schemas[request]?.properties?.[discriminator]?.const;
    if (typeof value !== 'string') throw new Error(`${request}.${discriminator} must be a string const`);
    if (!request.endsWith('Request')) throw new Error(`${request}: request schemas must be named <X>Request`);
    const response = `${request.slice(0, -'Request'.length)}Response`;
    if (!schemas[response]) throw new Error(`${request}: the contract has no ${response}`);
    return { value, request, response };
  });

  const answers = op.responses?.['200']?.content?.['application/json']?.schema;
  const answerName = refName(answers, `${where} 200 response`);
  const members = (schemas[answerName]?.anyOf ?? []).map((m) => refName(m, `${answerName}.anyOf`));
  const missing = variants.filter((v) => !members.includes(v.response)).map((v) => v.response);
  if (missing.length > 0) throw new Error(`${answerName} must list ${missing.join(', ')}`);
  const others = members.filter((m) => !variants.some((v) => v.response === m));
  if (others.length !== 1) throw new Error(`${answerName} must hold exactly one schema besides the activity responses (the rejection answer); found ${others.length}`);

  return { method, path, name: pascal(op.operationId), discriminator, variants, rejection: others[0]! };
}

export function renderServer(family: string, doc: OpenApiDocument): string {
  const operations: DispatchOperation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'delete', 'patch'].includes(method)) continue;
      operations.push(dispatchOperation(doc, path, method, op));
    }
  }
  return [preamble(), ...operations.map((op) => renderDispatch(family, op))].join('\n');
}

function preamble(): string {
  return `import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import type { Context, Hono } from 'hono';
import document from './openapi.json' with { type: 'json' };
import type { components } from './types.js';

type Schemas = components['schemas'];

/** What a mount reports of every call, for logs and audit: the handler's result, or why the request was rejected. */
export interface Call<A extends string> {
  activity: A | undefined;
  request: unknown;
  result: { status: number; body: unknown };
  /** Set when the request never reached a handler. */
  rejected?: string;
  durationMs: number;
}

// ajv-formats is CommonJS; under ESM its plugin is the default export's \`default\`.
const addFormats = ((addFormatsPlugin as unknown as { default?: typeof addFormatsPlugin }).default ?? addFormatsPlugin) as unknown as (ajv: Ajv2020) => Ajv2020;

function compile(schemaNames: readonly string[]): Map<string, ValidateFunction> {
  const ajv = new Ajv2020({ strict: false, allErrors: false });
  addFormats(ajv);
  ajv.addSchema({ $id: 'contract', components: document.components });
  return new Map(schemaNames.map((name) => [name, ajv.compile({ $ref: \`contract#/components/schemas/\${name}\` })]));
}

/** One line a seller can act on, without echoing the value that failed. */
function describe(error: ErrorObject | undefined): string {
  if (!error) return 'request does not match the contract';
  const at = error.instancePath === '' ? 'body' : error.instancePath.slice(1).replaceAll('/', '.');
  const detail =
    error.keyword === 'additionalProperties'
      ? \`has an unknown field "\${String((error.params as { additionalProperty: string }).additionalProperty).slice(0, 64)}"\`
      : error.keyword === 'required'
        ? \`is missing "\${String((error.params as { missingProperty: string }).missingProperty)}"\`
        : (error.message ?? 'is invalid');
  return \`\${at} \${detail}\`.slice(0, 255);
}

async function readJson(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    return undefined;
  }
}
`;
}

function renderDispatch(family: string, op: DispatchOperation): string {
  const N = op.name;
  const d = op.discriminator;
  const values = op.variants.map((v) => `'${v.value}'`).join(', ');
  const types = op.variants
    .map(
      (v) => `/** \`${d}: ${v.value}\`. */
export type ${v.request} = Schemas['${v.request}'];
/** Every answer the contract allows to \`${v.value}\`: returning anything else does not compile. */
export type ${pascal(v.value)}Result = { status: 200; body: Schemas['${v.response}'] };`,
    )
    .join('\n');
  const handlerLines = op.variants.map((v) => `  ${v.value}(request: ${v.request}): Promise<${pascal(v.value)}Result>;`).join('\n');
  const constructors = op.variants.map((v) => `  ${v.value}: (body: Schemas['${v.response}']): ${pascal(v.value)}Result => ({ status: 200, body }),`).join('\n');
  const requestMap = op.variants.map((v) => `  ${v.value}: '${v.request}',`).join('\n');
  const responseMap = op.variants.map((v) => `  ${v.value}: '${v.response}',`).join('\n');

  return `// ---- ${op.method.toUpperCase()} ${op.path} (operationId ${camel(N)}) ----

export const ${constName(N)}_ACTIVITIES = [${values}] as const;
export type ${N}Activity = (typeof ${constName(N)}_ACTIVITIES)[number];

${types}
/** The answer to a request that never reaches a handler (not JSON, unknown \`${d}\`, not matching the contract). */
export type ${N}Rejection = { status: 200; body: Schemas['${op.rejection}'] };

export interface ${N}Handlers {
${handlerLines}
}

/**
 * Builds each activity's result. Prefer it to an object literal: TypeScript checks an argument for fields the
 * contract does not declare, but not the literal an async function returns.
 */
export const ${camel(N)}Result = {
${constructors}
} as const;

/** Request and response schema of each \`${d}\`, by component name in openapi.json (contract tests use them). */
export const ${constName(N)}_SCHEMAS = {
  request: {
${requestMap.replaceAll('\n', '\n  ')}
  },
  response: {
${responseMap.replaceAll('\n', '\n  ')}
  },
  rejection: '${op.rejection}',
} as const;

export interface Mount${N}Options {
  /** Where to serve it; default \`${op.path}\`, the contract's path. */
  path?: string;
  handlers: ${N}Handlers;
  /** The parsed JSON body; default \`c.req.json()\`. Return undefined for a body that is not JSON. */
  readBody?: (c: Context) => unknown | Promise<unknown>;
  /** How a result body becomes the response text; default JSON.stringify. */
  serialize?: (body: unknown) => string;
  /** The answer to a rejected request; default \`000002\` with the reason. */
  reject?: (reason: string) => ${N}Rejection;
  /** Called after every call, handled or rejected. */
  observe?: (call: Call<${N}Activity>) => void | Promise<void>;
}

let ${camel(N)}Validators: Map<string, ValidateFunction> | undefined;

/** Routes ${op.method.toUpperCase()} ${op.path}, validates the body against the contract, dispatches on \`${d}\`, writes the handler's result. */
export function mount${N}(app: Hono<any>, options: Mount${N}Options): void {
  const { path = '${op.path}', handlers, readBody = readJson, serialize = JSON.stringify, reject = defaultReject${N}, observe } = options;
  ${camel(N)}Validators ??= compile(Object.values(${constName(N)}_SCHEMAS.request));
  const validators = ${camel(N)}Validators;

  app.${op.method}(path, async (c) => {
    const started = performance.now();
    const body = await readBody(c);
    const activity = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['${d}'] : undefined;
    let result: { status: number; body: unknown };
    let rejected: string | undefined;
    if (body === undefined || typeof body !== 'object' || body === null || Array.isArray(body)) {
      rejected = 'body is not a JSON object';
    } else if (typeof activity !== 'string' || !(${constName(N)}_ACTIVITIES as readonly string[]).includes(activity)) {
      rejected = typeof activity === 'string' ? \`unknown ${d} "\${activity.slice(0, 64)}"\` : 'body has no ${d}';
    } else {
      const validate = validators.get(${constName(N)}_SCHEMAS.request[activity as ${N}Activity])!;
      if (!validate(body)) rejected = describe(validate.errors?.[0]);
    }
    if (rejected !== undefined) {
      result = reject(rejected);
    } else {
      const handler = handlers[activity as ${N}Activity] as (request: unknown) => Promise<{ status: number; body: unknown }>;
      result = await handler.call(handlers, body);
    }
    const known = typeof activity === 'string' && (${constName(N)}_ACTIVITIES as readonly string[]).includes(activity);
    await observe?.({ activity: known ? (activity as ${N}Activity) : undefined, request: body, result, ...(rejected !== undefined ? { rejected } : {}), durationMs: performance.now() - started });
    return c.body(serialize(result.body), result.status as 200, { 'content-type': 'application/json;charset=UTF-8' });
  });
}

function defaultReject${N}(reason: string): ${N}Rejection {
  return { status: 200, body: { resultCode: '000002', resultMsg: reason } };
}
`;
}

function constName(pascalName: string): string {
  return pascalName.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}
