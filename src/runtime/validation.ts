/**
 * Validation against a bundled contract (Ajv, JSON Schema 2020-12), and the judge of the runtime's requests at either
 * level of the contract (docs/decisions.md#16).
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import { atLevel, closedView } from './levels.js';

// ajv-formats is CommonJS; under ESM its plugin is the default export's `default`.
const addFormats = ((addFormatsPlugin as unknown as { default?: typeof addFormatsPlugin }).default ?? addFormatsPlugin) as unknown as (ajv: Ajv2020) => Ajv2020;

/** A validator per request schema of a contract, compiled once; `allErrors` lists every problem, not the first. */
export function compile(document: { components: object }, schemaNames: readonly string[], { allErrors = false } = {}): Map<string, ValidateFunction> {
  const ajv = newAjv(allErrors);
  ajv.addSchema({ $id: 'contract', components: document.components });
  return new Map(schemaNames.map((name) => [name, ajv.compile({ $ref: `contract#/components/schemas/${name}` })]));
}

function newAjv(allErrors: boolean): Ajv2020 {
  const ajv = new Ajv2020({ strict: false, allErrors });
  addFormats(ajv);
  return ajv;
}

/**
 * The judges' Ajv, one per `allErrors`, shared by every contract and view: a new instance compiles JSON Schema's
 * meta-schema to check the contracts added to it (~60 ms), which the first request of each family and view would pay.
 */
const judgesAjv = new Map<boolean, Ajv2020>();
let views = 0;

/**
 * The validator of a schema of the view `view()` makes, compiled at its first use and kept: a server makes only the
 * views and validators of the requests it receives (compiling every family's at start-up kept an idle server ~10 MiB
 * larger, mostly the garbage of compiling).
 */
function validatorsOf(view: () => { components: object }, allErrors: boolean): (name: string) => ValidateFunction {
  let id: string | undefined;
  const compiled = new Map<string, ValidateFunction>();
  return (name) => {
    let validate = compiled.get(name);
    if (validate === undefined) {
      let ajv = judgesAjv.get(allErrors);
      if (ajv === undefined) judgesAjv.set(allErrors, (ajv = newAjv(allErrors)));
      if (id === undefined) {
        id = `contract-${++views}`;
        ajv.addSchema({ $id: id, components: view().components });
      }
      validate = ajv.compile({ $ref: `${id}#/components/schemas/${name}` });
      compiled.set(name, validate);
    }
    return validate;
  };
}

/** How requests are judged: at Huawei's level, tolerant of fields the contract does not name; or at kgkit's. */
export interface RequestJudge {
  /** Why the request is refused, or the fields it carries that the contract does not name. */
  judge(schema: string, body: Record<string, unknown>): { refused: string } | { unknownFields: string[] };
}

/**
 * docs/decisions.md#16. Tolerant (the default): valid at Huawei's level, unknown fields named but accepted; a request
 * valid in the closed view (the usual case) costs one validation. Strict: valid at kgkit's level. Each view of the
 * contract and each schema's validator is made at the first request that needs it.
 */
export function requestJudge(document: { components: object }, strict: boolean): RequestJudge {
  if (strict) {
    let kgkitLevel: { components: object } | undefined;
    const atKgkitLevel = () => (kgkitLevel ??= atLevel(document, 'kgkit'));
    const validatorOf = validatorsOf(atKgkitLevel, false);
    return {
      judge(schema, body) {
        const validate = validatorOf(schema);
        return validate(body) ? { unknownFields: [] } : { refused: describe(validate.errors?.[0], atKgkitLevel()) };
      },
    };
  }
  const closedOf = validatorsOf(() => closedView(document), true);
  const openOf = validatorsOf(() => document, false);
  return {
    judge(schema, body) {
      const validateClosed = closedOf(schema);
      if (validateClosed(body)) return { unknownFields: [] };
      const unknownFields = unknownFieldsOf(validateClosed.errors);
      const validate = openOf(schema);
      return validate(body) ? { unknownFields } : { refused: describe(validate.errors?.[0], document) };
    },
  };
}

/** The fields a closed view refused, as `a.b`, `list[].c` paths (array positions folded). */
function unknownFieldsOf(errors: readonly ErrorObject[] | null | undefined): string[] {
  const fields = new Set<string>();
  for (const error of errors ?? []) {
    if (error.keyword !== 'additionalProperties') continue;
    const at = error.instancePath
      .replace(/\/\d+(?=\/|$)/g, '[]')
      .split('/')
      .filter(Boolean)
      .join('.')
      .replaceAll('.[]', '[]');
    const name = String((error.params as { additionalProperty: string }).additionalProperty).slice(0, 64);
    fields.add(at === '' ? name : `${at}.${name}`);
  }
  return [...fields];
}

/** One line a seller can act on, without echoing the value that failed; the contract's example of the field when it has one. */
function describe(error: ErrorObject | undefined, document: { components: object }): string {
  if (!error) return 'request does not match the contract';
  const at = error.instancePath === '' ? 'body' : error.instancePath.slice(1).replaceAll('/', '.');
  const detail =
    error.keyword === 'additionalProperties'
      ? `has an unknown field "${String((error.params as { additionalProperty: string }).additionalProperty).slice(0, 64)}"`
      : error.keyword === 'required'
        ? `is missing "${String((error.params as { missingProperty: string }).missingProperty)}"`
        : (error.message ?? 'is invalid');
  const example = FORM_KEYWORDS.has(error.keyword) ? exampleOf(document, error.schemaPath) : undefined;
  return `${at} ${detail}${example === undefined ? '' : `, such as ${example}`}`.slice(0, 255);
}

/** The keywords about a value's form, which an example shows (a wrong type, pattern or format). */
const FORM_KEYWORDS = new Set(['type', 'pattern', 'format']);

/** The scalar `example` of the schema an error's keyword belongs to (`#/components/schemas/X/properties/y/type`), as JSON. */
function exampleOf(document: { components: object }, schemaPath: string): string | undefined {
  let node: unknown = document;
  for (const part of schemaPath
    .replace(/^[^#]*#\//, '')
    .split('/')
    .slice(0, -1)) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part.replaceAll('~1', '/').replaceAll('~0', '~')];
  }
  const example = (node as { example?: unknown } | undefined)?.example;
  if (typeof example !== 'string' && typeof example !== 'number' && typeof example !== 'boolean') return undefined;
  const json = JSON.stringify(example).slice(0, 64);
  // Printable ASCII only: answers go out as ASCII JSON (src/http/ascii-json.ts), where a Chinese example would read as
  // \uXXXX escapes, and a proxy that re-encodes them (Prism's, in the conformance gate) would break Body-Sign.
  return /^[\x20-\x7e]*$/.test(json) ? json : undefined;
}
