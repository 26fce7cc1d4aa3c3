import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contextOf } from './cases.js';
import { FUZZ_FAMILIES, schemaPointer, validatorAt } from './contracts.js';
import { Deep, jsonText } from './edge-values.js';
import { corruptionOf } from './invalid-inputs.js';
import { applyByteEdit, applyListEdit } from './mutations.js';
import { arbitraryAt } from './schema-arbitrary.js';
import { signatureVerifies } from './signed-view.js';
import { ALL_KEYS, targetOf } from './targets.js';
import { type Payload, sign } from './wire.js';

// The fuzzer's own parts: what it calls valid is valid, what it breaks is broken, what it signs verifies.

const SEED = 20260601;
const handlers = FUZZ_FAMILIES.flatMap((family) => targetOf(family).handlers.map((handler) => [family, handler.name, handler] as const));
const asSent = (query: boolean, value: unknown) => (query ? Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, String(v)])) : value);
const payloadOf = (query: boolean, value: unknown): Payload =>
  query ? { kind: 'params', params: Object.entries(value as object).map(([k, v]) => [k, String(v)]) } : { kind: 'json', value };

describe('values drawn from the contracts', () => {
  it.each(handlers)('%s %s: every valid value passes the contract', (family, _name, handler) => {
    const validate = validatorAt(family, schemaPointer(handler.request));
    const valid = arbitraryAt(contextOf(targetOf(family)), schemaPointer(handler.request));
    fc.assert(
      fc.property(valid, (value) => {
        expect(validate(asSent(handler.read === 'query', value)), JSON.stringify(validate.errors)).toBe(true);
      }),
      { numRuns: 60, seed: SEED },
    );
  });

  it.each(handlers)(
    '%s %s: a required member dropped, a value too long, outside its enum or pattern, an undeclared member: the contract refuses it',
    (family, _name, handler) => {
      const target = targetOf(family);
      const context = contextOf(target);
      const validate = validatorAt(family, schemaPointer(handler.request));
      const query = handler.read === 'query';
      const broken = fc.tuple(
        arbitraryAt(context, schemaPointer(handler.request)),
        corruptionOf(context, schemaPointer(handler.request), { skip: target.signerFields, query }),
      );
      // The other corruptions (edge strings, numbers, deep values) may happen to be valid: they are edge cases, not faults.
      const alwaysInvalid = /^(without required|with undeclared|[\w.[\]0-9]+ (too long|outside its enum|against its pattern) )/;
      fc.assert(
        fc.property(broken, ([value, corruption]) => {
          fc.pre(alwaysInvalid.test(corruption.label) && !corruption.label.includes('[0]') && !corruption.label.includes('.'));
          expect(validate(asSent(query, corruption.apply(value as Record<string, unknown>))), corruption.label).toBe(false);
        }),
        { numRuns: 60, seed: SEED },
      );
    },
  );

  it('writes nesting too deep for JSON.stringify as text', () => {
    const text = jsonText({ a: new Deep(100_000, 'array'), b: new Deep(3, 'object') });
    expect(text).toBe(`{"a":${'['.repeat(100_000)}${']'.repeat(100_000)},"b":{"a":{"a":{"a":{}}}}}`);
    expect(() => JSON.parse(text)).not.toThrow();
  });
});

describe('signing and mutations', () => {
  it.each(FUZZ_FAMILIES)('%s: a signed valid request verifies; with another key, or a byte changed after signing, it does not', (family) => {
    const target = targetOf(family);
    const context = contextOf(target);
    for (const handler of target.handlers) {
      const query = handler.read === 'query';
      fc.assert(
        fc.property(arbitraryAt(context, schemaPointer(handler.request)), fc.boolean(), (value, canonical) => {
          const payload = payloadOf(query, value);
          const options = { now: Date.UTC(2026, 5, 1), key: target.key, nonce: 'N0NCE', canonical };
          const wire = sign(target, handler, payload, options);
          expect(signatureVerifies(target, wire)).toBe(true);
          const other = ALL_KEYS.find((key) => key !== target.key)!;
          expect(signatureVerifies(target, sign(target, handler, payload, { ...options, key: other }))).toBe(false);
          // A changed byte that is still the same JSON object may verify over the canonical payload (docs/decisions.md#2).
          if (wire.body && wire.body.length > 0 && target.transport !== 'bearer') {
            const changed = { ...wire, body: applyByteEdit(wire.body, { op: 'delete', at: 1, count: 1 }) };
            expect(signatureVerifies(target, changed)).toBe(false);
          }
        }),
        { numRuns: 10, seed: SEED },
      );
    }
  });

  it('edits name/value lists by position, whatever their length', () => {
    const pairs: [string, string][] = [
      ['signature', 'AB'],
      ['timestamp', '1'],
    ];
    expect(applyListEdit(pairs, { op: 'duplicate', index: 2, before: true })).toEqual([
      ['signature', 'AB'],
      ['signature', 'AB'],
      ['timestamp', '1'],
    ]);
    expect(applyListEdit(pairs, { op: 'recase', index: 0, upper: false })).toEqual([
      ['signature', 'ab'],
      ['timestamp', '1'],
    ]);
    expect(applyListEdit(pairs, { op: 'drop', index: 3 })).toEqual([['signature', 'AB']]);
    expect(applyByteEdit(new TextEncoder().encode('{}'), { op: 'flip', at: 5, mask: 0x01 })).toEqual(new TextEncoder().encode('{|'));
  });
});
