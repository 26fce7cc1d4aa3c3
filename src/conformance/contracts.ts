import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import { generatedFile } from '../package-root.js';
import { type Level, atLevel } from '../runtime/levels.js';
import { FAMILIES, type SellerFamily } from './families.js';

// The families' bundled contracts (generated/<family>/openapi.json) as the driver and the catalogue read them: which
// response schema answers a handler, which result codes it may carry, and Ajv validators of any schema in them.

const addFormats = ((addFormatsPlugin as unknown as { default?: typeof addFormatsPlugin }).default ?? addFormatsPlugin) as unknown as (ajv: Ajv2020) => Ajv2020;

type Schema = Record<string, unknown>;
interface Contract {
  paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, unknown> }> }>>;
  components: { schemas: Record<string, Schema> };
}

const contracts = new Map<SellerFamily, Contract>();
const validators = new Map<string, ValidateFunction>();
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);

/** The family's contract (Huawei's level, as bundled); each level's schemas are registered with Ajv on first use. */
function contractOf(family: SellerFamily): Contract {
  let contract = contracts.get(family);
  if (!contract) {
    contract = JSON.parse(readFileSync(generatedFile(family, 'openapi.json'), 'utf8')) as Contract;
    ajv.addSchema({ $id: family, components: contract.components });
    ajv.addSchema({ $id: `${family}.kgkit`, components: atLevel(contract, 'kgkit').components });
    contracts.set(family, contract);
  }
  return contract;
}

/**
 * A validator of the schema at `pointer` (e.g. `/components/schemas/NewInstanceResponse/oneOf/0`) of the family's
 * contract, at Huawei's level or at kgkit's (docs/decisions.md#16).
 */
export function validatorAt(family: SellerFamily, pointer: string, level: Level = 'huawei'): ValidateFunction {
  contractOf(family);
  const id = `${level === 'huawei' ? family : `${family}.kgkit`}#${pointer}`;
  let validate = validators.get(id);
  if (!validate) validators.set(id, (validate = ajv.compile({ $ref: id })));
  return validate;
}

/** The schema object at `#/components/schemas/<name>`, at Huawei's level or kgkit's. */
export function schemaNamed(family: SellerFamily, name: string, level: Level = 'huawei'): Schema {
  const schema = contractOf(family).components.schemas[name] ?? {};
  return level === 'huawei' ? schema : atLevel(schema, level);
}

function resolve(family: SellerFamily, schema: Schema): { schema: Schema; pointer?: string } {
  const ref = schema.$ref;
  if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) {
    const name = ref.slice('#/components/schemas/'.length);
    return { schema: schemaNamed(family, name), pointer: `/components/schemas/${name}` };
  }
  return { schema };
}

/** The response schema the contract gives `handler`; the family's rejection schema for a handler it does not declare. */
export function responseSchemaOf(family: SellerFamily, handler: string): string {
  const { handlers, rejections } = FAMILIES[family].schemas;
  return handlers[handler]?.response ?? rejections[handler] ?? Object.values(rejections)[0]!;
}

/** The request schema of a handler the contract declares. */
export function requestSchemaOf(family: SellerFamily, handler: string): string | undefined {
  return FAMILIES[family].schemas.handlers[handler]?.request;
}

export interface AnswerVariant {
  /** JSON pointer of the variant's schema in the contract. */
  pointer: string;
  /** The result codes this variant carries. */
  codes: string[];
}

const enumOf = (schema: Schema | undefined): string[] => (Array.isArray(schema?.enum) ? (schema.enum as string[]) : []);

/**
 * The variants of an answer schema, one per set of result codes: each `oneOf` branch of the schema (accepted vs refused
 * create), or the schema itself.
 */
export function answerVariants(family: SellerFamily, schemaName: string): AnswerVariant[] {
  const base = `/components/schemas/${schemaName}`;
  const schema = schemaNamed(family, schemaName);
  const branches = Array.isArray(schema.oneOf) ? (schema.oneOf as Schema[]) : undefined;
  const codesOf = (s: Schema) => enumOf((s.properties as Record<string, Schema> | undefined)?.resultCode);
  if (!branches) return [{ pointer: base, codes: codesOf(schema) }];
  return branches.map((branch, index) => {
    const resolved = resolve(family, branch);
    return { pointer: resolved.pointer ?? `${base}/oneOf/${index}`, codes: codesOf(resolved.schema) };
  });
}

/** Every result code the contract allows `handler` to answer with. */
export function allowedCodes(family: SellerFamily, handler: string): string[] {
  return [...new Set(answerVariants(family, responseSchemaOf(family, handler)).flatMap((variant) => variant.codes))];
}

/** HTTP statuses and media types the family's contract declares for its answers. */
export function declaredAnswers(family: SellerFamily): { statuses: Set<string>; mediaTypes: Set<string> } {
  const statuses = new Set<string>();
  const mediaTypes = new Set<string>();
  for (const item of Object.values(contractOf(family).paths)) {
    for (const operation of Object.values(item)) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        statuses.add(status);
        for (const type of Object.keys(response.content ?? {})) mediaTypes.add(type);
      }
    }
  }
  return { statuses, mediaTypes };
}

/** Ajv's errors as one readable line each: an undeclared field, a missing one, or the value and what is wrong with it. */
export function describeErrors(errors: readonly ErrorObject[] | null | undefined, skipPaths: readonly string[] = []): string[] {
  const lines = new Set<string>();
  for (const error of errors ?? []) {
    if (skipPaths.includes(error.instancePath)) continue;
    const at = error.instancePath.slice(1).replace(/\//g, '.');
    const field = (name: string) => `\`${at === '' ? name : `${at}.${name}`}\``;
    switch (error.keyword) {
      case 'additionalProperties':
        lines.add(`answer has undeclared field ${field(String(error.params.additionalProperty))}`);
        break;
      case 'required':
        lines.add(`answer lacks required field ${field(String(error.params.missingProperty))}`);
        break;
      case 'oneOf':
      case 'anyOf':
      case 'allOf':
      case 'if':
        // Summaries of the errors already listed for the branches.
        break;
      default:
        lines.add(`${at === '' ? 'the answer' : `\`${at}\``} ${error.message ?? 'is invalid'}`);
    }
  }
  return [...lines];
}
