import { readFileSync } from 'node:fs';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { generatedFile } from '../package-root.js';
import { compile } from '../runtime/validation.js';

type Json = Record<string, any>;

/** The bundled marketplace contract, as `make gen` wrote it. */
export const MARKETPLACE_CONTRACT = JSON.parse(readFileSync(generatedFile('marketplace', 'openapi.json'), 'utf8')) as Json;

export interface MarketplaceOperation {
  operationId: string;
  method: 'get' | 'post';
  /** The contract's path, `{event_id}` style. */
  path: string;
  /** Checks a request against the operation's parameters and body; answers the problems (empty when it conforms). */
  check(request: { query: Record<string, string>; headers: Record<string, string>; path: Record<string, string>; body: unknown }): string[];
}

const deref = (node: Json): Json => {
  const ref = typeof node.$ref === 'string' ? /^#\/components\/(\w+)\/(.+)$/.exec(node.$ref) : undefined;
  return ref ? (MARKETPLACE_CONTRACT.components[ref[1]!][ref[2]!] as Json) : node;
};

let validators: Map<string, ValidateFunction> | undefined;
/** A validator of a schema in place (a parameter's schema or a request body's), compiled once. */
function validatorFor(key: string, schema: Json): ValidateFunction {
  validators ??= new Map();
  let validate = validators.get(key);
  if (!validate) {
    // Parameters' schemas are inline: register them as components so `compile` resolves their $refs too.
    const document = { components: { ...MARKETPLACE_CONTRACT.components, schemas: { ...MARKETPLACE_CONTRACT.components.schemas, __check: schema } } };
    validate = compile(document, ['__check']).get('__check')!;
    validators.set(key, validate);
  }
  return validate;
}

const where = (error: { instancePath: string; message?: string } | undefined) =>
  error ? `${error.instancePath || '/'} ${error.message ?? 'is invalid'}` : 'is invalid';

/** Every operation of openapi/marketplace with a request check built from the contract itself. */
export function marketplaceOperations(): MarketplaceOperation[] {
  const operations: MarketplaceOperation[] = [];
  for (const [path, item] of Object.entries(MARKETPLACE_CONTRACT.paths as Json)) {
    for (const method of ['get', 'post'] as const) {
      const op = (item as Json)[method] as Json | undefined;
      if (!op) continue;
      const parameters = ((op.parameters ?? []) as Json[]).map(deref);
      const content = (op.requestBody?.content ?? {}) as Json;
      const bodySchema = (content['application/json'] ?? content['multipart/form-data'])?.schema as Json | undefined;
      operations.push({
        operationId: op.operationId,
        method,
        path,
        check({ query, headers, path: pathValues, body }) {
          const problems: string[] = [];
          for (const parameter of parameters) {
            const source = parameter.in === 'query' ? query : parameter.in === 'header' ? headers : parameter.in === 'path' ? pathValues : {};
            const value = source[parameter.in === 'header' ? String(parameter.name).toLowerCase() : parameter.name];
            if (value === undefined) {
              if (parameter.required) problems.push(`${parameter.in} parameter ${parameter.name} is missing`);
              continue;
            }
            const validate = validatorFor(`${op.operationId}:${parameter.in}:${parameter.name}`, parameter.schema ?? {});
            if (!validate(value)) problems.push(`${parameter.in} parameter ${parameter.name} ${where(validate.errors?.[0])}`);
          }
          if (bodySchema) {
            const validate = validatorFor(`${op.operationId}:body`, bodySchema);
            if (!validate(body)) problems.push(`body ${where(validate.errors?.[0])}`);
          }
          return problems;
        },
      });
    }
  }
  return operations;
}

/** The named examples of an operation's 200 answer (the mock orders of queryOrder). */
export function successExamples(operationId: string): Map<string, unknown> {
  for (const item of Object.values(MARKETPLACE_CONTRACT.paths as Json)) {
    for (const op of Object.values(item as Json) as Json[]) {
      if (op?.operationId !== operationId) continue;
      const examples = (op.responses?.['200']?.content?.['application/json']?.examples ?? {}) as Json;
      return new Map(Object.entries(examples).map(([name, example]) => [name, deref(example as Json).value]));
    }
  }
  return new Map();
}
