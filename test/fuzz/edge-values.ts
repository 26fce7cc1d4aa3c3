import fc from 'fast-check';

// Values that break parsers, validators and databases: unicode edge cases, deep and huge values, numbers JSON can
// carry but JavaScript or SQL cannot, and text that looks like another format.

/** Strings whose code points trip up something: NUL, lone surrogates, BOM, bidi and line separators, combining marks. */
export const UNICODE_EDGES: readonly string[] = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  'x\ud83d',
  '\ufeff',
  '\ufeffabc',
  '\u2028\u2029',
  '\u202eabc',
  '\u200b',
  'e\u0301',
  '\u00e9',
  'ǅ',
  'ß',
  'İ',
  'ı',
  '١٢٣',
  '１２３',
  '𝟙𝟚𝟛',
  '👩‍👩‍👧‍👦',
  '\ud83d\ude00'.repeat(40),
  '\u0301'.repeat(70),
  '\u001b[31m',
  '\r\n',
  '\t',
  ' ',
  '',
  '\u00a0',
  'Ω',
  '\uffff',
  '\ufffd',
];

/** Text that other layers would interpret: SQL, paths, templates, escapes, numbers. */
export const INJECTION_EDGES: readonly string[] = [
  "'; drop table instances; --",
  '" OR 1=1 --',
  '../../etc/passwd',
  '%00',
  '%',
  '%zz',
  '%E0%A4%A',
  '{instanceId}',
  '${process.env}',
  '<script>alert(1)</script>',
  '\\u0000',
  '\\',
  'null',
  'undefined',
  'NaN',
  '-0',
  '1e309',
  '0x10',
  '00000000000000',
  '99999999999999999999',
  '__proto__',
  'constructor',
];

export const edgeString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...UNICODE_EDGES),
  fc.constantFrom(...INJECTION_EDGES),
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.tuple(fc.constantFrom(...UNICODE_EDGES), fc.string({ unit: 'grapheme-ascii', maxLength: 8 })).map(([a, b]) => b + a + b),
);

/** Numbers JSON carries that break integer columns, comparisons or formatting. */
export const EDGE_NUMBERS: readonly number[] = [
  0,
  -0,
  -1,
  1.5,
  0.1 + 0.2,
  2 ** 31,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 63),
  1e21,
  1e308,
  -1e308,
  5e-324,
  Number.MAX_SAFE_INTEGER,
];

/** A value of any JSON type but the given ones. */
export function valueOfOtherType(allowed: readonly string[]): fc.Arbitrary<unknown> {
  const all: [string, fc.Arbitrary<unknown>][] = [
    ['string', fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('1', 'true', ''))],
    ['integer', fc.oneof(fc.integer(), fc.constantFrom(...EDGE_NUMBERS))],
    ['number', fc.constantFrom(1.5, -0.25, 1e300)],
    ['boolean', fc.boolean()],
    ['null', fc.constant(null)],
    ['array', fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 })],
    ['object', fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 })],
  ];
  const others = all.filter(([type]) => !allowed.includes(type) && !(type === 'integer' && allowed.includes('number')));
  return fc.oneof(...others.map(([, arbitrary]) => arbitrary));
}

/**
 * `[[[…]]]` or `{"a":{"a":…}}` nested `depth` times, kept as a marker and written out as text by `jsonText`: JSON.parse
 * reads any depth, but JSON.stringify (and every other recursive walk) overflows the stack at a few thousand levels.
 */
export class Deep {
  constructor(
    readonly depth: number,
    readonly kind: 'array' | 'object',
  ) {}

  toString(): string {
    return `Deep(${this.depth}, ${this.kind})`;
  }
}

/** JSON text of a value that may hold Deep markers (members in insertion order, like JSON.stringify). */
export function jsonText(value: unknown): string {
  if (value instanceof Deep)
    return value.kind === 'array' ? `${'['.repeat(value.depth)}${']'.repeat(value.depth)}` : `${'{"a":'.repeat(value.depth)}{}${'}'.repeat(value.depth)}`;
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : jsonText(item))).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const members = Object.entries(value).filter(([, member]) => member !== undefined);
    return `{${members.map(([key, member]) => `${JSON.stringify(key)}:${jsonText(member)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? '';
}

/** True when the value holds a Deep marker (its canonical form cannot be computed by a recursive walk). */
export function holdsDeep(value: unknown): boolean {
  if (value instanceof Deep) return true;
  if (typeof value !== 'object' || value === null) return false;
  return Object.values(value).some(holdsDeep);
}

export const deepJson: fc.Arbitrary<{ depth: number; kind: 'array' | 'object' }> = fc.record({
  depth: fc.oneof(fc.integer({ min: 2, max: 64 }), fc.integer({ min: 500, max: 3_000 }), fc.integer({ min: 5_000, max: 200_000 })),
  kind: fc.constantFrom('array' as const, 'object' as const),
});
