import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import document from '../../generated/kit-v1/openapi.json' with { type: 'json' };
import type { components } from '../../generated/kit-v1/types.js';
import { holdsNul } from '../store/nul-text.js';

// Kit V1 sends two lists as JSON-encoded strings (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649111.html, https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649113.html). The contract describes what they
// decode to (`contentSchema`), which request validation does not look into: they are checked here, against the same
// contract schemas, before anything is stored.

export type V1User = components['schemas']['V1User'];
export type V1OrgInfo = components['schemas']['V1OrgInfo'];

let validators: { users: ValidateFunction; orgs: ValidateFunction } | undefined;
// Made at the first list a call carries, not when the server starts: a new Ajv compiles JSON Schema's meta-schema.
const compiled = () => {
  if (validators === undefined) {
    const ajv = new Ajv2020({ strict: false, allErrors: false });
    ajv.addSchema({ $id: 'kit-v1', components: document.components });
    validators = {
      users: ajv.compile({ $ref: 'kit-v1#/components/schemas/V1UserList' }),
      orgs: ajv.compile({ $ref: 'kit-v1#/components/schemas/V1OrgInfoList' }),
    };
  }
  return validators;
};

export type Decoded<T> = { ok: true; value: T } | { ok: false; message: string };

/** `authSync.userList`: a JSON array of at most 500 users. */
export const decodeUserList = (text: string): Decoded<V1User[]> => decode('userList', 'users', text, compiled().users);

/** `allOrgSync.orgInfo`: a flat JSON array of `{orgCode, name, parentCode}`. */
export const decodeOrgInfo = (text: string): Decoded<V1OrgInfo[]> => decode('orgInfo', 'departments', text, compiled().orgs);

function decode<T>(field: string, what: string, text: string, validate: ValidateFunction): Decoded<T> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, message: `${field} is not a JSON-encoded list of ${what} (not JSON)` };
  }
  if (!validate(value))
    return { ok: false, message: `${field} is not a JSON-encoded list of ${what} (${describe(field, validate.errors?.[0])})`.slice(0, 255) };
  if (holdsNul(value)) return { ok: false, message: `${field} holds U+0000, which kgkit cannot store` };
  return { ok: true, value: value as T };
}

/** Where and what, without echoing the value. */
function describe(field: string, error: ErrorObject | undefined): string {
  if (!error) return 'does not match';
  const at = `${field}${error.instancePath.replace(/\/(\d+)/g, '[$1]').replaceAll('/', '.')}`;
  if (error.keyword === 'additionalProperties')
    return `${at} has an unknown field "${String((error.params as { additionalProperty: string }).additionalProperty).slice(0, 64)}"`;
  if (error.keyword === 'required') return `${at} is missing "${String((error.params as { missingProperty: string }).missingProperty)}"`;
  return `${at} ${error.message ?? 'is invalid'}`;
}
