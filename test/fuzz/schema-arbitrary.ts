import fc from 'fast-check';
import { type FuzzFamily, type Schema, refPointer, schemaAt, validatorAt } from './contracts.js';

// Valid values of a contract schema as fast-check arbitraries: types, const and enum, patterns (fc.stringMatching),
// lengths, ranges, formats, arrays, closed objects with their required members, oneOf/anyOf/allOf, and JSON carried in
// a string (contentMediaType + contentSchema, the Kit V1 lists). Values are drawn towards what a store may hold: a
// property named in `pools` often takes one of those IDs, so that calls meet instances, tenants and codes made earlier.

export interface SchemaContext {
  family: FuzzFamily;
  /** Values to prefer by property name (each is used only where the property's schema accepts it). */
  pools: Readonly<Record<string, readonly string[]>>;
  /** A generator to use instead of the schema's for a property name (e.g. an RSA-encrypted clientSecret). */
  overrides?: Readonly<Record<string, fc.Arbitrary<unknown>>>;
}

/** Longest string or array drawn for a valid value when the schema allows more (the invalid variants go further). */
const MAX_VALID_LENGTH = 40;
const MAX_VALID_ITEMS = 4;

const ANNOTATIONS = new Set(['description', 'title', 'example', 'examples', 'x-enum-descriptions', 'x-returned-by', 'x-kgkit-reported-in', 'discriminator']);

/** The schema with its `$ref` followed (siblings kept) and its `allOf` parts merged: enough to read what to generate. */
export function flatten(family: FuzzFamily, schema: Schema): Schema {
  let merged: Schema = Object.fromEntries(Object.entries(schema).filter(([key]) => key !== '$ref' && key !== 'allOf'));
  const parts: Schema[] = [];
  if (typeof schema.$ref === 'string') parts.push(flatten(family, schemaAt(family, refPointer(schema.$ref))));
  if (Array.isArray(schema.allOf)) for (const part of schema.allOf as Schema[]) parts.push(flatten(family, part));
  for (const part of parts) {
    for (const [key, value] of Object.entries(part)) {
      if (key === 'properties') merged.properties = { ...(value as Schema), ...((merged.properties as Schema | undefined) ?? {}) };
      else if (key === 'required') merged.required = [...new Set([...((merged.required as string[] | undefined) ?? []), ...(value as string[])])];
      else if (!(key in merged)) merged = { ...merged, [key]: value };
    }
  }
  return merged;
}

/** JSON types the schema allows (no `type`: whatever its keywords suggest). */
export function typesOf(schema: Schema): string[] {
  if (Array.isArray(schema.type)) return schema.type as string[];
  if (typeof schema.type === 'string') return [schema.type];
  if (schema.properties || schema.additionalProperties !== undefined) return ['object'];
  if (schema.items) return ['array'];
  if (schema.pattern !== undefined || schema.maxLength !== undefined) return ['string'];
  return [];
}

// yyyyMMddHHmmss[SSS] and friends: a pattern of digits alone accepts 20269999999999, which every handler refuses.
// Real dates are drawn as often, so that valid requests reach the domain.
const DATE_FORMS: [RegExp, (date: Date) => string][] = [
  [/^\^\[0-9\]\{14\}\(\[0-9\]\{3\}\)\?\$$/, (d) => compact(d).slice(0, 14)],
  [/^\^\[0-9\]\{17\}\$$/, (d) => compact(d)],
  [/^\^\[0-9\]\{13\}\$$/, (d) => String(d.getTime())],
];
const compact = (date: Date) => date.toISOString().replace(/\D/g, '').slice(0, 17);
/** Mostly ASCII, sometimes any printable grapheme: free text as buyers type it. */
const TEXT_UNIT = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
);
const dates = fc.date({ min: new Date(Date.UTC(2024, 0, 1)), max: new Date(Date.UTC(2030, 11, 31)), noInvalidDate: true });

function stringArbitrary(schema: Schema): fc.Arbitrary<string> {
  const minLength = (schema.minLength as number | undefined) ?? 0;
  const maxLength = Math.max(minLength, Math.min((schema.maxLength as number | undefined) ?? MAX_VALID_LENGTH, MAX_VALID_LENGTH));
  if (schema.format === 'date-time') return dates.map((d) => d.toISOString());
  if (schema.format === 'uri') return fc.webUrl({ validSchemes: ['https'] });
  if (typeof schema.pattern === 'string') {
    const matching = fc
      .stringMatching(new RegExp(schema.pattern, 'u'), { maxLength: (schema.maxLength as number | undefined) ?? 200 })
      .filter((s) => s.length >= minLength);
    const form = DATE_FORMS.find(([pattern]) => pattern.test(schema.pattern as string));
    return form ? fc.oneof(dates.map(form[1]), matching) : matching;
  }
  return fc.string({ unit: TEXT_UNIT, minLength, maxLength });
}

function numberArbitrary(schema: Schema, integer: boolean): fc.Arbitrary<number> {
  const exclusiveMin = schema.exclusiveMinimum as number | undefined;
  const exclusiveMax = schema.exclusiveMaximum as number | undefined;
  const min = (schema.minimum as number | undefined) ?? (exclusiveMin !== undefined ? exclusiveMin + (integer ? 1 : 0.0001) : -1_000_000);
  const max = (schema.maximum as number | undefined) ?? (exclusiveMax !== undefined ? exclusiveMax - (integer ? 1 : 0.0001) : 1_000_000);
  if (integer) return fc.integer({ min: Math.ceil(min), max: Math.floor(max) });
  // Four decimals at most, like every quantity the contracts describe.
  return fc.integer({ min: Math.ceil(min * 10_000), max: Math.floor(max * 10_000) }).map((n) => n / 10_000);
}

/** An arbitrary of valid values of the schema at `pointer` (a property's own pointer, so pools are checked against it). */
export function arbitraryAt(context: SchemaContext, pointer: string, name?: string): fc.Arbitrary<unknown> {
  return arbitraryOf(context, schemaAt(context.family, pointer), pointer, name);
}

function arbitraryOf(context: SchemaContext, raw: Schema, pointer: string, name: string | undefined): fc.Arbitrary<unknown> {
  const override = name !== undefined ? context.overrides?.[name] : undefined;
  const base = override ?? fromSchema(context, raw, pointer);
  const pool = name !== undefined ? context.pools[name] : undefined;
  if (!pool) return base;
  const validate = validatorAt(context.family, pointer);
  const fitting = pool.filter((value) => validate(value));
  return fitting.length === 0 ? base : fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...fitting) }, { weight: 1, arbitrary: base });
}

function fromSchema(context: SchemaContext, raw: Schema, pointer: string): fc.Arbitrary<unknown> {
  const schema = flatten(context.family, raw);
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  const branches = (schema.oneOf ?? schema.anyOf) as Schema[] | undefined;
  if (branches) {
    const at = keywordPointer(context.family, pointer, schema.oneOf ? 'oneOf' : 'anyOf');
    return fc.oneof(...branches.map((branch, index) => fromSchema(context, { ...withoutKeys(schema, ['oneOf', 'anyOf']), ...branch }, `${at}/${index}`)));
  }
  if (typeof schema.contentMediaType === 'string' && schema.contentSchema) {
    return fromSchema(context, schema.contentSchema as Schema, keywordPointer(context.family, pointer, 'contentSchema')).map((value) => JSON.stringify(value));
  }
  const types = typesOf(schema);
  if (types.length === 0) return fc.jsonValue({ maxDepth: 2 });
  return fc.oneof(...types.map((type) => ofType(context, schema, type, pointer)));
}

function ofType(context: SchemaContext, schema: Schema, type: string, pointer: string): fc.Arbitrary<unknown> {
  switch (type) {
    case 'string':
      return stringArbitrary(schema);
    case 'integer':
      return numberArbitrary(schema, true);
    case 'number':
      return numberArbitrary(schema, false);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const minLength = (schema.minItems as number | undefined) ?? 0;
      const maxLength = Math.max(minLength, Math.min((schema.maxItems as number | undefined) ?? MAX_VALID_ITEMS, MAX_VALID_ITEMS));
      const items = schema.items
        ? arbitraryOf(context, schema.items as Schema, keywordPointer(context.family, pointer, 'items'), undefined)
        : fc.jsonValue({ maxDepth: 1 });
      // uniqueItems: JSON equality, as the validator compares them.
      return schema.uniqueItems === true
        ? fc.uniqueArray(items, { minLength, maxLength, selector: (item) => JSON.stringify(item) })
        : fc.array(items, { minLength, maxLength });
    }
    default:
      return objectArbitrary(context, schema, pointer);
  }
}

function objectArbitrary(context: SchemaContext, schema: Schema, pointer: string): fc.Arbitrary<Record<string, unknown>> {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, property] of Object.entries(properties)) model[name] = arbitraryOf(context, property, propertyPointer(context.family, pointer, name), name);
  for (const name of required) model[name] ??= fc.string({ maxLength: 8 });
  const record = fc.record(model, { requiredKeys: [...required] });
  if (schema.additionalProperties !== true && typeof schema.additionalProperties !== 'object') return record;
  // An open object (productInfo) gets an undeclared member now and then.
  const extra = fc.dictionary(
    fc.string({ minLength: 1, maxLength: 12 }).filter((key) => !(key in properties)),
    fc.jsonValue({ maxDepth: 1 }),
    { maxKeys: 2 },
  );
  return fc.tuple(record, extra).map(([declared, more]) => ({ ...more, ...declared }));
}

/** The pointer of a property of the object at `pointer`: through `$ref` and `allOf`, where the property is declared. */
export const propertyPointer = (family: FuzzFamily, pointer: string, name: string): string =>
  locate(family, pointer, ['properties', name]) ?? `${pointer}/properties/${name}`;

/** Where a keyword of the schema at `pointer` is declared (`items`, `contentSchema`): in it, or behind its `$ref`/`allOf`. */
export const keywordPointer = (family: FuzzFamily, pointer: string, keyword: string): string => locate(family, pointer, [keyword]) ?? `${pointer}/${keyword}`;

function locate(family: FuzzFamily, pointer: string, path: string[]): string | undefined {
  const schema = schemaAt(family, pointer);
  let node: unknown = schema;
  for (const key of path) node = (node as Schema | undefined)?.[key];
  if (node !== undefined) return `${pointer}/${path.join('/')}`;
  const candidates = [
    ...(typeof schema.$ref === 'string' ? [refPointer(schema.$ref)] : []),
    ...(['allOf', 'oneOf', 'anyOf'] as const).flatMap((key) => ((schema[key] as Schema[] | undefined) ?? []).map((_, index) => `${pointer}/${key}/${index}`)),
  ];
  for (const candidate of candidates) {
    const found = locate(family, candidate, path);
    if (found) return found;
  }
  return undefined;
}

const withoutKeys = (schema: Schema, keys: string[]): Schema =>
  Object.fromEntries(Object.entries(schema).filter(([key]) => !keys.includes(key) && !ANNOTATIONS.has(key)));
