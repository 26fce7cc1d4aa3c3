import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';

const addFormats = ((addFormatsPlugin as unknown as { default?: typeof addFormatsPlugin }).default ?? addFormatsPlugin) as unknown as (ajv: Ajv2020) => Ajv2020;

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const loaded = new Set<string>();
const cache = new Map<string, ValidateFunction>();

/** The bundled contract of a family (generated/<family>/openapi.json). */
export function contractOf(family: string): { paths: Record<string, Record<string, any>>; components: { schemas: Record<string, unknown> } } {
  return JSON.parse(readFileSync(new URL(`../../generated/${family}/openapi.json`, import.meta.url), 'utf8'));
}

/** A validator of one component schema of a family's contract, compiled once. */
export function validatorOf(family: string, schema: string): ValidateFunction {
  const key = `${family}#${schema}`;
  let validate = cache.get(key);
  if (!validate) {
    if (!loaded.has(family)) {
      ajv.addSchema({ $id: family, components: contractOf(family).components });
      loaded.add(family);
    }
    validate = ajv.compile({ $ref: `${family}#/components/schemas/${schema}` });
    cache.set(key, validate);
  }
  return validate;
}

/** Throws with the reasons when `value` is not what the family's schema allows. */
export function assertSchema(family: string, schema: string, value: unknown): void {
  const validate = validatorOf(family, schema);
  if (!validate(value)) throw new Error(`${JSON.stringify(value).slice(0, 300)} violates ${family} ${schema}: ${ajv.errorsText(validate.errors)}`);
}
