import fc from 'fast-check';
import { kitFixtures } from '../support/kit.js';
import { schemaPointer } from './contracts.js';
import { edgeString } from './edge-values.js';
import { type Corruption, corruptionOf } from './invalid-inputs.js';
import { malformedBody } from './malformed.js';
import {
  type ByteEdit,
  type ListEdit,
  type Tamper,
  applyByteEdit,
  applyListEdit,
  byteEdit,
  describeByteEdit,
  describeListEdit,
  listEdit,
  tamper,
} from './mutations.js';
import { type SchemaContext, arbitraryAt } from './schema-arbitrary.js';
import { ALL_KEYS, type FamilyTarget, type HandlerTarget } from './targets.js';
import { type Payload, bytesOf } from './wire.js';

// What one fuzz run sends: a request of one handler, valid or made invalid from the contract, malformed, mutated and
// signed again, tampered with after signing, replayed, signed with another key or at another time.

export type Intent = 'valid' | 'invalid' | 'malformed' | 'resigned' | 'tampered' | 'replayed' | 'foreign-key' | 'clock';

export interface CaseSigning {
  /** Sign the canonical payload (basic, Kit V2) instead of the bytes. */
  canonical: boolean;
  key?: string;
  /** Milliseconds added to the clock for the timestamp. */
  offsetMs?: number;
  timestampText?: string;
  /** A nonce of its own, or the nonce of the previous call (a replayed nonce under a fresh signature). */
  nonce?: string | { previous: true };
}

export interface FuzzCase {
  handler: string;
  intent: Intent;
  label: string;
  payload: Payload;
  signing: CaseSigning;
  tamper?: Tamper;
  replay?: boolean;
  contentType?: string;
}

/** IDs drawn often, so that calls meet what earlier calls made: instances, orders, tenants, codes, events. */
export const POOLS: Readonly<Record<string, readonly string[]>> = {
  instanceId: ['fz-1', 'fz-2', 'fz-3', 'fz-1,fz-2', 'fz-1,fz-2,fz-3,missing-9'],
  businessId: ['fz-1', 'fz-2', 'fz-3'],
  orderId: ['CSFZ0001', 'CSFZ0002', 'CSFZ0003'],
  orderLineId: ['CSFZ0001-000001', 'CSFZ0002-000001', 'CSFZ0003-000001'],
  tenantId: ['fz-tenant-1', 'fz-tenant-2'],
  appId: ['fz-app-1', 'fz-app-2'],
  orgCode: ['fz-org-1', 'fz-org-2'],
  parentCode: ['fz-org-1', ''],
  license: ['FZLICENSE00000001', 'FZLICENSE00000002'],
  eventId: ['fz-event-1', 'fz-event-2'],
  customerId: ['fz-customer-1'],
  packageInstanceId: ['fz-1', 'fz-2'],
};

/** Java-made OAEP ciphertexts of the seller's test key: an applicationSync whose clientSecret decrypts. */
const CLIENT_SECRETS = kitFixtures.oaep.filter((c) => c.accepted).map((c) => c.ciphertext);

export function contextOf(target: FamilyTarget): SchemaContext {
  const overrides: Record<string, fc.Arbitrary<unknown>> = {};
  if (target.family === 'kit-v2' || target.family === 'kit-v1') overrides.clientSecret = fc.constantFrom(...CLIENT_SECRETS);
  return { family: target.family, pools: POOLS, overrides };
}

const CONTENT_TYPES = [
  'text/plain',
  '',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=latin1',
  'application/xml',
];
const RAW_QUERIES = [
  '%',
  '%zz',
  'activity=%E0%A4%A',
  '&&&',
  '=x',
  'activity',
  '%00=1',
  'timeStamp=%2B1',
  `pad=${'a'.repeat(5_000)}`,
  'activity[]=newInstance',
  'a=1;b=2',
  'instanceId=fz-1&instanceId=fz-2',
];

const paramsOf = (value: Record<string, unknown>): [string, string][] => Object.entries(value).map(([name, member]) => [name, String(member)]);

export function caseOf(target: FamilyTarget): fc.Arbitrary<FuzzCase> {
  const context = contextOf(target);
  return fc.oneof(...target.handlers.map((handler) => handlerCase(target, handler, context)));
}

function handlerCase(target: FamilyTarget, handler: HandlerTarget, context: SchemaContext): fc.Arbitrary<FuzzCase> {
  const query = handler.read === 'query';
  const body = arbitraryAt(context, schemaPointer(handler.request)).map((value) => value as Record<string, unknown>);
  const payloadOf = (value: Record<string, unknown>): Payload => (query ? { kind: 'params', params: paramsOf(value) } : { kind: 'json', value });
  const signing = fc.record({ canonical: fc.boolean() });
  const base = (intent: Intent, label: string, payload: Payload, sign: CaseSigning): FuzzCase => ({
    handler: handler.name,
    intent,
    label,
    payload,
    signing: sign,
  });
  const signed = target.transport !== 'bearer';
  const corruption: fc.Arbitrary<Corruption> = corruptionOf(context, schemaPointer(handler.request), { skip: target.signerFields, query });

  const choices: fc.WeightedArbitrary<FuzzCase>[] = [
    { weight: 4, arbitrary: fc.tuple(body, signing).map(([value, sign]) => base('valid', 'valid', payloadOf(value), sign)) },
    {
      weight: 4,
      arbitrary: fc.tuple(body, corruption, signing).map(([value, fault, sign]) => base('invalid', fault.label, payloadOf(fault.apply(value)), sign)),
    },
    { weight: 2, arbitrary: malformed(target, handler, body, payloadOf) },
    { weight: 2, arbitrary: resigned(query, body, payloadOf, handler.name) },
    {
      weight: 3,
      arbitrary: fc
        .tuple(body, signing, tamper(!query))
        .map(([value, sign, change]) => ({ ...base('tampered', 'tampered', payloadOf(value), sign), tamper: change })),
    },
    { weight: 1, arbitrary: foreignKey(target, body, payloadOf, handler.name) },
  ];
  if (signed) {
    choices.push({
      weight: 1,
      arbitrary: fc.tuple(body, signing).map(([value, sign]) => ({ ...base('replayed', 'sent twice', payloadOf(value), sign), replay: true })),
    });
    choices.push({ weight: 2, arbitrary: fc.tuple(body, clock(target)).map(([value, sign]) => base('clock', describeClock(sign), payloadOf(value), sign)) });
  }
  return fc.oneof(...choices);
}

/** Query strings with junk after them; bodies that are not the JSON object they should be; other content types. */
function malformed(
  target: FamilyTarget,
  handler: HandlerTarget,
  body: fc.Arbitrary<Record<string, unknown>>,
  payloadOf: (value: Record<string, unknown>) => Payload,
): fc.Arbitrary<FuzzCase> {
  const sign = { canonical: false };
  if (handler.read === 'query') {
    const many = fc
      .array(fc.tuple(fc.stringMatching(/^[a-zA-Z]{1,8}$/), edgeString), { minLength: 50, maxLength: 400 })
      .map((pairs) => new URLSearchParams(pairs).toString());
    return fc.tuple(body, fc.oneof(fc.constantFrom(...RAW_QUERIES), many)).map(
      ([value, rawQuery]): FuzzCase => ({
        handler: handler.name,
        intent: 'malformed',
        label: `query followed by ${JSON.stringify(rawQuery.slice(0, 60))}`,
        payload: { kind: 'params', params: paramsOf(value), rawQuery },
        signing: sign,
      }),
    );
  }
  const bytes = body
    .chain((value) => malformedBody(value))
    .map((bad): FuzzCase => ({ handler: handler.name, intent: 'malformed', label: bad.label, payload: { kind: 'bytes', bytes: bad.bytes }, signing: sign }));
  const contentType = fc.tuple(body, fc.constantFrom(...CONTENT_TYPES)).map(
    ([value, type]): FuzzCase => ({
      handler: handler.name,
      intent: 'malformed',
      label: `content-type ${JSON.stringify(type)}`,
      payload: payloadOf(value),
      signing: sign,
      contentType: type,
    }),
  );
  return target.transport === 'bearer' ? bytes : fc.oneof({ weight: 4, arbitrary: bytes }, { weight: 1, arbitrary: contentType });
}

/** A valid request changed, then signed: the change reaches validation and the handler. */
function resigned(
  query: boolean,
  body: fc.Arbitrary<Record<string, unknown>>,
  payloadOf: (value: Record<string, unknown>) => Payload,
  handler: string,
): fc.Arbitrary<FuzzCase> {
  if (query) {
    return fc.tuple(body, fc.array(listEdit, { minLength: 1, maxLength: 3 })).map(([value, edits]) => {
      const original = payloadOf(value);
      let params = original.kind === 'params' ? original.params : [];
      const labels: string[] = [];
      for (const edit of edits as ListEdit[]) {
        labels.push(describeListEdit(params, edit));
        params = applyListEdit(params, edit);
      }
      return { handler, intent: 'resigned' as const, label: labels.join('; '), payload: { kind: 'params' as const, params }, signing: { canonical: false } };
    });
  }
  return fc.tuple(body, fc.array(byteEdit, { minLength: 1, maxLength: 3 })).map(([value, edits]) => {
    let bytes = bytesOf(payloadOf(value));
    const labels: string[] = [];
    for (const edit of edits as ByteEdit[]) {
      labels.push(describeByteEdit(edit, bytes.length));
      bytes = applyByteEdit(bytes, edit);
    }
    return { handler, intent: 'resigned' as const, label: labels.join('; '), payload: { kind: 'bytes' as const, bytes }, signing: { canonical: false } };
  });
}

/** Signed with a key that is not the family's, or (kgkit's API) a token that is not the configured one. */
function foreignKey(
  target: FamilyTarget,
  body: fc.Arbitrary<Record<string, unknown>>,
  payloadOf: (value: Record<string, unknown>) => Payload,
  handler: string,
): fc.Arbitrary<FuzzCase> {
  const keys =
    target.transport === 'bearer'
      ? [target.key.toUpperCase(), `${target.key} `, target.key.slice(1), '', ...ALL_KEYS]
      : [...ALL_KEYS.filter((key) => key !== target.key), target.key.toUpperCase(), `${target.key}x`];
  return fc
    .tuple(
      body,
      fc.oneof(fc.constantFrom(...keys), fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 40 })).filter((key) => key !== target.key),
    )
    .map(([value, key]) => ({
      handler,
      intent: 'foreign-key' as const,
      label: `signed with ${JSON.stringify(key.slice(0, 40))}`,
      payload: payloadOf(value),
      signing: { canonical: false, key },
    }));
}

/** Timestamps inside the window, outside it either way, not numbers; nonces empty, odd, or used before. */
function clock(target: FamilyTarget): fc.Arbitrary<CaseSigning> {
  const within = fc.integer({ min: -55_000, max: 55_000 });
  const outside = fc.oneof(fc.integer({ min: 61_000, max: 10 ** 12 }), fc.integer({ min: -(10 ** 12), max: -61_000 }));
  const v1 = target.transport === 'kit-v1' || target.transport === 'saas-v1';
  const texts = v1
    ? ['', '2026060100000000', '202606010000000000', '20260631000000000', '2026-06-01T00:00', '99999999999999999', ' 20260601000000000']
    : ['', '-1', '0', '1e12', '0x1', '17802000000000000', ' 1780272000000', '1780272000000.5', '+1780272000000'];
  const nonce = v1
    ? fc.constant(undefined)
    : fc.option(fc.oneof(fc.constantFrom('', ' ', 'a'.repeat(2_048), '\u00e9', 'NONCE'), fc.constant({ previous: true as const })), { nil: undefined });
  return fc.tuple(fc.oneof(within, outside, fc.constantFrom(...texts)), nonce).map(([time, n]) => ({
    canonical: false,
    ...(typeof time === 'number' ? { offsetMs: time } : { timestampText: time }),
    ...(n !== undefined ? { nonce: n } : {}),
  }));
}

function describeClock(sign: CaseSigning): string {
  const time =
    sign.timestampText !== undefined ? `timestamp ${JSON.stringify(sign.timestampText)}` : `clock ${sign.offsetMs! >= 0 ? '+' : ''}${sign.offsetMs} ms`;
  const nonce = sign.nonce === undefined ? '' : typeof sign.nonce === 'string' ? `, nonce ${JSON.stringify(sign.nonce.slice(0, 20))}` : ', the previous nonce';
  return time + nonce;
}
