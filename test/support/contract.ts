import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import { SAAS_V2_SCHEMAS } from '../../generated/saas-v2/server.js';

const addFormats = ((addFormatsPlugin as unknown as { default?: typeof addFormatsPlugin }).default ?? addFormatsPlugin) as unknown as (ajv: Ajv2020) => Ajv2020;

const document = JSON.parse(readFileSync(new URL('../../generated/saas-v2/openapi.json', import.meta.url), 'utf8')) as { components: object };
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ $id: 'saas-v2', components: document.components });
const cache = new Map<string, ValidateFunction>();

export function schemaValidator(name: string): ValidateFunction {
  let validate = cache.get(name);
  if (!validate) {
    validate = ajv.compile({ $ref: `saas-v2#/components/schemas/${name}` });
    cache.set(name, validate);
  }
  return validate;
}

/** The response schema the contract gives an activity; the rejection schema when the activity is unknown. */
export function responseSchemaFor(activity: string | undefined): string {
  const byActivity = SAAS_V2_SCHEMAS.handlers as Record<string, { response: string }>;
  return (activity !== undefined && byActivity[activity]?.response) || SAAS_V2_SCHEMAS.rejections.saasProduction;
}

/** Every answer of the production interface: HTTP 200, JSON, and a body the contract allows for that activity. */
export function assertConforms(activity: string | undefined, body: unknown, response: Response): void {
  const problems: string[] = [];
  if (response.status !== 200) problems.push(`status ${response.status}, expected 200`);
  if (!response.headers.get('content-type')?.startsWith('application/json')) problems.push(`content-type ${response.headers.get('content-type')}`);
  const validate = schemaValidator(responseSchemaFor(activity));
  if (!validate(body)) problems.push(`body ${JSON.stringify(body)} violates ${responseSchemaFor(activity)}: ${ajv.errorsText(validate.errors)}`);
  if (problems.length > 0) throw new Error(`answer outside the contract: ${problems.join('; ')}`);
}
