import fc from 'fast-check';
import { type Schema, schemaAt } from './contracts.js';
import { Deep, EDGE_NUMBERS, deepJson, edgeString, jsonText, valueOfOtherType } from './edge-values.js';
import { type SchemaContext, flatten, keywordPointer, propertyPointer, typesOf } from './schema-arbitrary.js';

// Invalid variants of a valid request, read off its schema: a required member missing, an undeclared one, a member of
// the wrong type, too long, outside its enum, against its pattern or range, deep or huge, unicode edge cases; inside
// the items of a list and inside JSON carried in a string too.

export interface Corruption {
  label: string;
  apply(body: Record<string, unknown>): Record<string, unknown>;
}

export interface CorruptionOptions {
  /** Members the signer writes: their faults are the signature's (mutations), not the body's. */
  skip: readonly string[];
  /** The request is a query string: every value is text, so type faults do not exist. */
  query: boolean;
}

const without = (body: Record<string, unknown>, name: string) => Object.fromEntries(Object.entries(body).filter(([key]) => key !== name));
const withMember = (body: Record<string, unknown>, name: string, value: unknown) =>
  Object.fromEntries([...Object.entries(body).filter(([key]) => key !== name), [name, value]]);
const short = (value: unknown) => {
  const text = typeof value === 'string' ? value : jsonText(value);
  return JSON.stringify(text.length > 24 ? `${text.slice(0, 24)}…(${text.length})` : text);
};

/** Every corruption of the object schema at `pointer`, as one arbitrary. */
export function corruptionOf(context: SchemaContext, pointer: string, options: CorruptionOptions, depth = 0): fc.Arbitrary<Corruption> {
  const schema = flatten(context.family, schemaAt(context.family, pointer));
  const properties = Object.keys((schema.properties ?? {}) as Schema).filter((name) => !options.skip.includes(name));
  const required = ((schema.required as string[] | undefined) ?? []).filter((name) => !options.skip.includes(name));
  const choices: fc.Arbitrary<Corruption>[] = [];

  if (required.length > 0) choices.push(fc.constantFrom(...required).map((name) => ({ label: `without required ${name}`, apply: (b) => without(b, name) })));
  const unknownName = fc
    .oneof(
      fc.constantFrom('__proto__', 'constructor', 'toString', '', ' activity', 'ACTIVITY', 'instanceID', 'é', '\u0000'),
      fc.string({ minLength: 1, maxLength: 12 }),
    )
    .filter((name) => !properties.includes(name) && !options.skip.includes(name));
  const unknownValue = options.query ? fc.string({ maxLength: 12 }) : fc.jsonValue({ maxDepth: 2 });
  choices.push(
    fc
      .tuple(unknownName, unknownValue)
      .map(([name, value]) => ({ label: `with undeclared ${JSON.stringify(name)}=${short(value)}`, apply: (b) => withMember(b, name, value) })),
  );

  for (const name of properties) {
    const at = propertyPointer(context.family, pointer, name);
    const member = memberCorruptions(context, at, name, options, depth);
    if (member.length > 0) choices.push(fc.oneof(...member));
  }
  return fc.oneof(...choices);
}

function memberCorruptions(context: SchemaContext, pointer: string, name: string, options: CorruptionOptions, depth: number): fc.Arbitrary<Corruption>[] {
  const schema = flatten(context.family, schemaAt(context.family, pointer));
  const types = typesOf(schema);
  const set =
    (label: string) =>
    (value: unknown): Corruption => ({ label: `${name} ${label} ${short(value)}`, apply: (b) => withMember(b, name, value) });
  const out: fc.Arbitrary<Corruption>[] = [];

  if (!options.query && types.length > 0) out.push(valueOfOtherType(types).map(set('of another type')));
  out.push(edgeString.map(set('as')));

  const maxLength = schema.maxLength as number | undefined;
  if (typeof maxLength === 'number' && maxLength < 65_536) {
    out.push(
      fc.tuple(fc.integer({ min: 1, max: 16 }), fc.constantFrom('A', '9', 'é', '😀')).map(([extra, unit]) => set('too long')(unit.repeat(maxLength + extra))),
    );
  }
  const values = Array.isArray(schema.enum) ? (schema.enum as unknown[]) : 'const' in schema ? [schema.const] : [];
  const texts = values.filter((value): value is string => typeof value === 'string');
  if (texts.length > 0) {
    const nearMiss = fc
      .tuple(fc.constantFrom(...texts), fc.constantFrom('upper', 'lower', 'space', 'suffix', 'prefix', 'empty'))
      .map(([value, how]) =>
        how === 'upper'
          ? value.toUpperCase()
          : how === 'lower'
            ? value.toLowerCase()
            : how === 'space'
              ? ` ${value}`
              : how === 'suffix'
                ? `${value}x`
                : how === 'prefix'
                  ? `x${value}`
                  : '',
      );
    out.push(nearMiss.filter((value) => !values.includes(value)).map(set('outside its enum')));
  } else if (values.some((value) => typeof value === 'number')) {
    out.push(
      fc
        .integer({ min: -5, max: 99 })
        .filter((value) => !values.includes(value))
        .map(set('outside its enum')),
    );
  }
  if (typeof schema.pattern === 'string') {
    const pattern = new RegExp(schema.pattern, 'u');
    out.push(
      fc
        .oneof(fc.string({ unit: 'binary', maxLength: 20 }), edgeString)
        .filter((value) => !pattern.test(value))
        .map(set('against its pattern')),
    );
  }
  if (types.includes('integer') || types.includes('number')) {
    const below = typeof schema.minimum === 'number' ? [schema.minimum - 1] : typeof schema.exclusiveMinimum === 'number' ? [schema.exclusiveMinimum] : [];
    const above = typeof schema.maximum === 'number' ? [schema.maximum + 1] : [];
    const numbers = [...below, ...above, ...EDGE_NUMBERS, ...(types.includes('integer') ? [0.5, 1.0000001] : [])];
    out.push(
      fc
        .constantFrom(...numbers)
        .map((value) => (options.query ? String(value) : value))
        .map(set('out of range')),
    );
  }
  if (!options.query) {
    out.push(
      deepJson.map(({ depth: levels, kind }) => ({
        label: `${name} nested ${levels} deep (${kind})`,
        apply: (b: Record<string, unknown>) => withMember(b, name, new Deep(levels, kind)),
      })),
    );
  }
  // Near the 64 KiB body limit and past it: a size check must come before anything reads the value.
  out.push(
    fc
      .integer({ min: 8_000, max: 70_000 })
      .map((length) => ({ label: `${name} of ${length} characters`, apply: (b: Record<string, unknown>) => withMember(b, name, 'x'.repeat(length)) })),
  );

  if (depth < 1 && types.includes('array') && schema.items) {
    const items = flatten(context.family, schema.items as Schema);
    if (typesOf(items).includes('object')) {
      out.push(
        corruptionOf(context, keywordPointer(context.family, pointer, 'items'), { ...options, skip: [] }, depth + 1).map((inner) => ({
          label: `${name}[0] ${inner.label}`,
          apply: (b) => withMember(b, name, [inner.apply(firstItem(b[name])), ...restItems(b[name])]),
        })),
      );
    }
    if (typeof schema.maxItems === 'number' && schema.maxItems <= 1_000) {
      const count = schema.maxItems + 1;
      out.push(
        fc.constant({
          label: `${name} with ${count} items`,
          apply: (b: Record<string, unknown>) =>
            withMember(
              b,
              name,
              Array.from({ length: count }, () => firstItem(b[name])),
            ),
        }),
      );
    }
  }
  if (depth < 1 && types.includes('object') && schema.properties)
    out.push(
      corruptionOf(context, pointer, { ...options, skip: [] }, depth + 1).map((inner) => ({
        label: `${name}.${inner.label}`,
        apply: (b) => withMember(b, name, inner.apply(asObject(b[name]))),
      })),
    );
  if (typeof schema.contentMediaType === 'string') out.push(embeddedJsonCorruption(name));
  return out;
}

/** A string member that carries JSON (the Kit V1 lists): not JSON, JSON of the wrong shape, deep JSON. */
function embeddedJsonCorruption(name: string): fc.Arbitrary<Corruption> {
  const text = fc.oneof(
    fc.constantFrom('', '[', '{}', '[]', 'null', '[null]', '[1,2]', '[{}]', '{"a":1}', '"x"', '[{"userName":1}]', '[{"orgCode":null}]'),
    fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
    deepJson.map(({ depth, kind }) => jsonText(new Deep(depth, kind))),
  );
  return text.map((value) => ({ label: `${name} carrying ${short(value)}`, apply: (b: Record<string, unknown>) => withMember(b, name, value) }));
}

const firstItem = (list: unknown): Record<string, unknown> =>
  Array.isArray(list) && typeof list[0] === 'object' && list[0] !== null ? (list[0] as Record<string, unknown>) : {};
const restItems = (list: unknown): unknown[] => (Array.isArray(list) ? list.slice(1) : []);
const asObject = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
