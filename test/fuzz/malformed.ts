import fc from 'fast-check';
import { deepJson, jsonText } from './edge-values.js';

// Bodies that are not the JSON object a call must be, made from a valid body's text so that they stay close to it:
// cut short, padded, re-encoded, bytes that are not UTF-8, duplicated members, other JSON values, other formats.

export interface MalformedBody {
  label: string;
  bytes: Uint8Array;
}

const utf8 = (text: string) => new TextEncoder().encode(text);
const concat = (...parts: (Uint8Array | number[])[]) => Uint8Array.from(parts.flatMap((part) => [...part]));

/** Byte sequences no UTF-8 decoder may accept (RFC 3629 §3): overlong, surrogates, stray continuation, past U+10FFFF. */
export const INVALID_UTF8: readonly number[][] = [
  [0xff],
  [0xc0, 0x80],
  [0xed, 0xa0, 0x80],
  [0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xe2, 0x82],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
];

export function malformedBody(valid: Record<string, unknown>): fc.Arbitrary<MalformedBody> {
  const text = jsonText(valid);
  const bytes = utf8(text);
  const keys = Object.keys(valid);
  const at = (n: number) => n % (bytes.length + 1);
  const labelled = (label: string, body: Uint8Array | string): MalformedBody => ({ label, bytes: typeof body === 'string' ? utf8(body) : body });
  return fc.oneof(
    fc.nat().map((n) => labelled(`cut after ${at(n)} bytes`, bytes.slice(0, at(n)))),
    fc.constantFrom('x', ',', '}', ']', '{}', ' garbage', '\u0000').map((tail) => labelled(`followed by ${JSON.stringify(tail)}`, text + tail)),
    fc.constant(labelled('behind a UTF-8 BOM', concat([0xef, 0xbb, 0xbf], bytes))),
    fc.constant(labelled('in UTF-16LE', Uint8Array.from(Buffer.from(text, 'utf16le')))),
    fc.tuple(fc.nat(), fc.constantFrom(...INVALID_UTF8)).map(([n, bad]) => {
      // Inside a string value where there is one: a decoder that replaces it with U+FFFD would change what was signed.
      const quote = bytes.indexOf(0x22, at(n) % Math.max(1, bytes.length - 1));
      const where = quote >= 0 && quote + 1 < bytes.length ? quote + 1 : at(n);
      return labelled(`with invalid UTF-8 ${bad.map((b) => b.toString(16)).join(' ')} at ${where}`, concat(bytes.slice(0, where), bad, bytes.slice(where)));
    }),
    fc
      .constantFrom(
        '',
        ' ',
        '\n',
        'null',
        'true',
        '0',
        '-0',
        '1e999999',
        'NaN',
        '"newInstance"',
        '[]',
        '{',
        '}',
        '{"a":}',
        "{'activity':'newInstance'}",
        '{"activity":"newInstance",}',
        '/* c */{}',
        '<xml/>',
        'activity=newInstance',
      )
      .map((body) => labelled(`the body ${JSON.stringify(body)}`, body)),
    fc.constant(labelled('the valid body in a list', `[${text}]`)),
    fc.constant(labelled('the valid body as a JSON string', JSON.stringify(text))),
    fc.tuple(fc.constantFrom(...(keys.length > 0 ? keys : ['activity'])), fc.jsonValue({ maxDepth: 1 }), fc.boolean()).map(([key, value, first]) => {
      const member = `${JSON.stringify(key)}:${JSON.stringify(value)}`;
      const inner = text.slice(1, -1);
      const body = first ? `{${member}${inner ? `,${inner}` : ''}}` : `{${inner ? `${inner},` : ''}${member}}`;
      return labelled(`with ${key} twice (${first ? 'first' : 'last'} = ${JSON.stringify(value)})`, body);
    }),
    fc.integer({ min: 1, max: 70_000 }).map((n) => labelled(`padded with ${n} spaces`, `${' '.repeat(n)}${text}`)),
    deepJson.map(({ depth, kind }) =>
      labelled(
        `${kind} nested ${depth} deep${kind === 'array' ? ', unclosed' : ''}`,
        kind === 'array' ? '['.repeat(depth) : `{"x":${'{"a":'.repeat(depth)}{}${'}'.repeat(depth)}}`,
      ),
    ),
    fc.uint8Array({ maxLength: 64 }).map((random) => labelled(`${random.length} random bytes`, random)),
    fc.string({ unit: 'binary', maxLength: 40 }).map((random) => labelled(`the text ${JSON.stringify(random)}`, random)),
  );
}
