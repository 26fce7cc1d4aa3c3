import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import { SELLER_FAMILIES } from '../../src/conformance/families.js';
import { atLevel } from '../../src/runtime/levels.js';

// The bundled contracts (generated/<family>/openapi.json) the fuzzer builds its requests from and judges answers by:
// every family kgkit serves, the marketplace's seven and kgkit's own API. At kgkit's level (docs/decisions.md#16): the
// fuzzed server runs with STRICT_REQUESTS=true, and its answers are held to kgkit's closed schemas.

export const FUZZ_FAMILIES = [...SELLER_FAMILIES, 'kgkit'] as const;
export type FuzzFamily = (typeof FUZZ_FAMILIES)[number];
export type Schema = Record<string, unknown>;

interface Operation {
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}
export interface Contract {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

const addFormats = ((addFormatsPlugin as unknown as { default?: typeof addFormatsPlugin }).default ?? addFormatsPlugin) as unknown as (ajv: Ajv2020) => Ajv2020;
const ajv = new Ajv2020({ strict: false, allErrors: false });
addFormats(ajv);
const contracts = new Map<FuzzFamily, Contract>();
const validators = new Map<string, ValidateFunction>();

export function contractOf(family: FuzzFamily): Contract {
  let contract = contracts.get(family);
  if (!contract) {
    contract = atLevel(JSON.parse(readFileSync(new URL(`../../generated/${family}/openapi.json`, import.meta.url), 'utf8')) as Contract, 'kgkit');
    ajv.addSchema({ $id: `fuzz-${family}`, ...contract });
    contracts.set(family, contract);
  }
  return contract;
}

const unescape = (token: string) => token.replaceAll('~1', '/').replaceAll('~0', '~');

/** The value at a JSON pointer (`/components/schemas/X/properties/y`) of the family's contract. */
export function schemaAt(family: FuzzFamily, pointer: string): Schema {
  let node: unknown = contractOf(family);
  for (const token of pointer.split('/').slice(1)) node = (node as Record<string, unknown> | undefined)?.[unescape(token)];
  if (typeof node !== 'object' || node === null) throw new Error(`${family}: nothing at ${pointer}`);
  return node as Schema;
}

/** An Ajv validator of the schema at `pointer`, compiled once (the same Ajv 2020 dialect the server validates with). */
export function validatorAt(family: FuzzFamily, pointer: string): ValidateFunction {
  contractOf(family);
  const id = `fuzz-${family}#${pointer}`;
  let validate = validators.get(id);
  if (!validate) validators.set(id, (validate = ajv.compile({ $ref: id })));
  return validate;
}

export const schemaPointer = (name: string) => `/components/schemas/${name}`;

/** Where a local `$ref` points. */
export function refPointer(ref: string): string {
  if (!ref.startsWith('#/')) throw new Error(`only local $refs are bundled, not ${ref}`);
  return ref.slice(1);
}

/** The operation at a path and method of the contract, with the response schema declared for each status and media type. */
export function operationOf(family: FuzzFamily, path: string, method: string): { pointer: string; operation: Operation } {
  const item = contractOf(family).paths[path];
  const operation = item?.[method.toLowerCase()];
  if (!operation) throw new Error(`${family}: no ${method} ${path} in the contract`);
  return { pointer: `/paths/${path.replaceAll('~', '~0').replaceAll('/', '~1')}/${method.toLowerCase()}`, operation };
}
