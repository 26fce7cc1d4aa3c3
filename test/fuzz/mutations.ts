import fc from 'fast-check';
import { edgeString } from './edge-values.js';
import { INVALID_UTF8 } from './malformed.js';
import type { Wire } from './wire.js';

// Mutations of a signed request: edits of its bytes, of its query parameters and headers (duplicated, dropped, case
// changed, replaced, renamed), and re-serialisations of its JSON. Positions are drawn as plain numbers and taken modulo
// the length, so that one mutation applies to any request and shrinks towards the start.

export type ByteEdit =
  | { op: 'flip'; at: number; mask: number }
  | { op: 'insert'; at: number; bytes: number[] }
  | { op: 'delete'; at: number; count: number }
  | { op: 'truncate'; at: number };

export const byteEdit: fc.Arbitrary<ByteEdit> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({
    op: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.oneof(
      fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 4 }),
      fc.constantFrom<number[]>(...INVALID_UTF8),
      fc.constantFrom<number[]>([0x20], [0x2c], [0x22], [0x5c], [0x7b], [0x7d]),
    ),
  }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
);

export function applyByteEdit(bytes: Uint8Array, edit: ByteEdit): Uint8Array {
  const at = edit.at % (bytes.length + 1);
  switch (edit.op) {
    case 'flip': {
      if (bytes.length === 0) return Uint8Array.from([edit.mask]);
      const copy = bytes.slice();
      const index = edit.at % bytes.length;
      copy[index] = copy[index]! ^ edit.mask;
      return copy;
    }
    case 'insert':
      return Uint8Array.from([...bytes.slice(0, at), ...edit.bytes, ...bytes.slice(at)]);
    case 'delete':
      return Uint8Array.from([...bytes.slice(0, at), ...bytes.slice(at + edit.count)]);
    case 'truncate':
      return bytes.slice(0, at);
  }
}

export function describeByteEdit(edit: ByteEdit, length: number): string {
  const at = edit.at % (length + 1);
  switch (edit.op) {
    case 'flip':
      return `byte ${length === 0 ? 0 : edit.at % length} xor 0x${edit.mask.toString(16)}`;
    case 'insert':
      return `bytes ${edit.bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ')} inserted at ${at}`;
    case 'delete':
      return `${edit.count} bytes deleted at ${at}`;
    case 'truncate':
      return `cut after ${at} bytes`;
  }
}

/** An edit of a list of name/value pairs: query parameters or headers. */
export type ListEdit =
  | { op: 'duplicate'; index: number; value?: string; before: boolean }
  | { op: 'drop'; index: number }
  | { op: 'recase'; index: number; upper: boolean }
  | { op: 'set'; index: number; value: string }
  | { op: 'rename'; index: number; name: string };

const listValue = fc.oneof(
  edgeString,
  fc.stringMatching(/^[0-9A-F]{64}$/),
  fc.stringMatching(/^[0-9]{13}$/),
  fc.stringMatching(/^[0-9]{17}$/),
  fc.string({ maxLength: 16 }),
);

export const listEdit: fc.Arbitrary<ListEdit> = fc.oneof(
  fc.record(
    { op: fc.constant('duplicate' as const), index: fc.nat(), value: fc.option(listValue, { nil: undefined }), before: fc.boolean() },
    { requiredKeys: ['op', 'index', 'before'] },
  ),
  fc.record({ op: fc.constant('drop' as const), index: fc.nat() }),
  fc.record({ op: fc.constant('recase' as const), index: fc.nat(), upper: fc.boolean() }),
  fc.record({ op: fc.constant('set' as const), index: fc.nat(), value: listValue }),
  fc.record({
    op: fc.constant('rename' as const),
    index: fc.nat(),
    name: fc.oneof(
      fc.constantFrom('Signature', 'SIGNATURE', 'timeStamp', 'timestamp ', 'nonce[]', 'authtoken', 'X-Sign', 'x-nonce2'),
      fc.stringMatching(/^[a-zA-Z-]{1,12}$/),
    ),
  }),
);

export function applyListEdit(pairs: readonly [string, string][], edit: ListEdit): [string, string][] {
  if (pairs.length === 0) return [];
  const index = edit.index % pairs.length;
  const [name, value] = pairs[index]!;
  const copy = pairs.map((pair): [string, string] => [...pair]);
  switch (edit.op) {
    case 'duplicate':
      copy.splice(edit.before ? index : index + 1, 0, [name, edit.value ?? value]);
      return copy;
    case 'drop':
      copy.splice(index, 1);
      return copy;
    case 'recase':
      copy[index] = [name, edit.upper ? value.toUpperCase() : value.toLowerCase()];
      return copy;
    case 'set':
      copy[index] = [name, edit.value];
      return copy;
    case 'rename':
      copy[index] = [edit.name, value];
      return copy;
  }
}

export function describeListEdit(pairs: readonly [string, string][], edit: ListEdit): string {
  if (pairs.length === 0) return `${edit.op} on nothing`;
  const [name, value] = pairs[edit.index % pairs.length]!;
  switch (edit.op) {
    case 'duplicate':
      return `${name} sent twice (${edit.before ? 'first' : 'second'}: ${JSON.stringify(edit.value ?? value)})`;
    case 'drop':
      return `${name} dropped`;
    case 'recase':
      return `${name} in ${edit.upper ? 'upper' : 'lower'} case`;
    case 'set':
      return `${name}=${JSON.stringify(edit.value.slice(0, 40))}`;
    case 'rename':
      return `${name} renamed ${JSON.stringify(edit.name)}`;
  }
}

/** What is done to a request after it was signed: what the signature covers changes, or only its form. */
export type Tamper =
  | { on: 'body'; edit: ByteEdit }
  | { on: 'json'; how: 'pretty' | 'reorder' }
  | { on: 'query'; edit: ListEdit }
  | { on: 'headers'; edit: ListEdit };

export const tamper = (jsonBody: boolean): fc.Arbitrary<Tamper> =>
  jsonBody
    ? fc.oneof(
        { weight: 3, arbitrary: byteEdit.map((edit): Tamper => ({ on: 'body', edit })) },
        { weight: 1, arbitrary: fc.constantFrom<Tamper>({ on: 'json', how: 'pretty' }, { on: 'json', how: 'reorder' }) },
        { weight: 2, arbitrary: listEdit.map((edit): Tamper => ({ on: 'query', edit })) },
        { weight: 2, arbitrary: listEdit.map((edit): Tamper => ({ on: 'headers', edit })) },
      )
    : fc.oneof(
        { weight: 3, arbitrary: listEdit.map((edit): Tamper => ({ on: 'query', edit })) },
        { weight: 1, arbitrary: listEdit.map((edit): Tamper => ({ on: 'headers', edit })) },
      );

// Node's client refuses header values with control characters or beyond Latin-1 (and Fetch some of them): what a
// client cannot send is not a request.
const headerSafe = (value: string) => value.replace(/[^\t\u0020-\u007e\u0080-\u00ff]/g, '?');
const headerNameSafe = (name: string) => name.replace(/[^!#$%&'*+\-.^_`|~0-9A-Za-z]/g, '') || 'x';

export function applyTamper(wire: Wire, change: Tamper): Wire {
  switch (change.on) {
    case 'body':
      return { ...wire, body: applyByteEdit(wire.body ?? new Uint8Array(), change.edit) };
    case 'json': {
      let value: unknown;
      try {
        value = JSON.parse(new TextDecoder().decode(wire.body));
      } catch {
        return wire;
      }
      if (change.how === 'reorder' && typeof value === 'object' && value !== null && !Array.isArray(value))
        value = Object.fromEntries(Object.entries(value).reverse());
      return { ...wire, body: new TextEncoder().encode(JSON.stringify(value, null, change.how === 'pretty' ? 2 : undefined)) };
    }
    case 'query':
      return { ...wire, query: applyListEdit(wire.query, change.edit) };
    case 'headers':
      return { ...wire, headers: applyListEdit(wire.headers, change.edit).map(([name, value]) => [headerNameSafe(name), headerSafe(value)]) };
  }
}

export function describeTamper(wire: Wire, change: Tamper): string {
  switch (change.on) {
    case 'body':
      return `body: ${describeByteEdit(change.edit, wire.body?.length ?? 0)}`;
    case 'json':
      return change.how === 'pretty' ? 'body re-indented' : 'members in reverse order';
    case 'query':
      return `query: ${describeListEdit(wire.query, change.edit)}`;
    case 'headers':
      return `header: ${describeListEdit(wire.headers, change.edit)}`;
  }
}
