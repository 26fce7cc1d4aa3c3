import { getQueryParam } from 'hono/utils/url';
import { authToken } from '../../src/crypto/auth-token.js';
import { basicSignature, canonicalPayload } from '../../src/crypto/basic-signature.js';
import { kitSignature } from '../../src/crypto/kit-signature.js';
import { kitTimeStamp, v1TimeStamp } from '../../src/conformance/signing.js';
import { parseJsonObject } from '../../src/http/json-object.js';
import { holdsDeep, jsonText } from './edge-values.js';
import type { FamilyTarget, HandlerTarget } from './targets.js';

// A request as it travels, and how the marketplace (or the seller's product, for kgkit's API) signs one: the
// signature of each transport over exactly the bytes or parameters sent.

export interface Wire {
  method: 'GET' | 'POST';
  path: string;
  /** Query parameters in order, decoded (written with URLSearchParams); `rawQuery` follows them as it is. */
  query: [string, string][];
  rawQuery?: string;
  headers: [string, string][];
  body?: Uint8Array;
}

/** What is sent: a JSON value (written by jsonText), raw bytes, or the parameters of a GET. */
export type Payload =
  | { kind: 'json'; value: unknown }
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'params'; params: [string, string][]; rawQuery?: string };

export interface SignOptions {
  now: number;
  key: string;
  nonce: string;
  /** Sign the key-sorted canonical payload (the marketplace's sample) instead of the raw bytes (basic, Kit V2). */
  canonical: boolean;
  /** The timestamp as sent, instead of `now` (e.g. not a number). */
  timestampText?: string;
}

const JSON_TYPE: [string, string] = ['content-type', 'application/json;charset=utf8'];
const utf8 = (text: string) => new TextEncoder().encode(text);

export const bytesOf = (payload: Payload): Uint8Array =>
  payload.kind === 'bytes' ? payload.bytes : payload.kind === 'json' ? utf8(jsonText(payload.value)) : new Uint8Array();

export function urlOf(wire: Wire): string {
  const query = [new URLSearchParams(wire.query).toString(), wire.rawQuery ?? ''].filter((part) => part !== '').join('&');
  return query === '' ? wire.path : `${wire.path}?${query}`;
}

/** The members a V1 authToken covers: strings as they are, other values as JSON, nulls left out (kgkit's reading). */
export function authTokenMembers(body: Record<string, unknown>): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) {
    if (value === null || value === undefined) continue;
    params[name] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return params;
}

/** The query as the server reads it: the URL as Fetch normalises it, decoded by Hono (first value of each name). */
export function serverQuery(wire: Wire): Record<string, string> {
  return getQueryParam(new URL(`http://kgkit.test${urlOf(wire)}`).href) as Record<string, string>;
}

export function sign(target: FamilyTarget, handler: HandlerTarget, payload: Payload, options: SignOptions): Wire {
  const timestampAt = (format: (ms: number) => string) => options.timestampText ?? format(options.now);
  switch (target.transport) {
    case 'basic':
    case 'kit-v2': {
      const body = bytesOf(payload);
      const timestamp = timestampAt(String);
      const parsed = payload.kind === 'json' && holdsDeep(payload.value) ? undefined : parseJsonObject(body);
      const signed = options.canonical && parsed ? canonicalPayload(parsed) : body;
      const signature = (target.transport === 'basic' ? basicSignature : kitSignature)(options.key, options.nonce, timestamp, signed);
      if (target.transport === 'basic') {
        return {
          method: 'POST',
          path: handler.path,
          query: [
            ['signature', signature],
            ['timestamp', timestamp],
            ['nonce', options.nonce],
          ],
          headers: [JSON_TYPE],
          body,
        };
      }
      return {
        method: 'POST',
        path: handler.path,
        query: [],
        headers: [JSON_TYPE, ['x-sign', signature], ['x-timestamp', timestamp], ['x-nonce', options.nonce]],
        body,
      };
    }
    case 'kit-v1': {
      let sent = payload;
      if (payload.kind === 'json' && isObject(payload.value)) sent = { kind: 'json', value: { ...payload.value, timeStamp: timestampAt(kitTimeStamp) } };
      const body = bytesOf(sent);
      const members = (sent.kind === 'json' && holdsDeep(sent.value) ? undefined : parseJsonObject(body)) ?? {};
      const timeStamp = typeof members.timeStamp === 'string' ? members.timeStamp : '';
      return {
        method: 'POST',
        path: handler.path,
        query: [],
        headers: [JSON_TYPE, ['authToken', authToken(options.key, timeStamp, authTokenMembers(members))]],
        body,
      };
    }
    case 'saas-v1': {
      const given = payload.kind === 'params' ? payload.params : [];
      const params: [string, string][] = [...given.filter(([name]) => name !== 'timeStamp' && name !== 'authToken'), ['timeStamp', timestampAt(v1TimeStamp)]];
      const raw = payload.kind === 'params' ? payload.rawQuery : undefined;
      const unsigned: Wire = { method: 'GET', path: handler.path, query: params, ...(raw ? { rawQuery: raw } : {}), headers: [['accept', 'application/json']] };
      const signed = serverQuery(unsigned);
      return { ...unsigned, query: [...params, ['authToken', authToken(options.key, signed.timeStamp ?? '', signed)]] };
    }
    case 'bearer': {
      const authorization: [string, string] = ['authorization', `Bearer ${options.key}`];
      if (handler.method === 'GET')
        return {
          method: 'GET',
          path: handler.path,
          query: payload.kind === 'params' ? payload.params : [],
          ...(payload.kind === 'params' && payload.rawQuery ? { rawQuery: payload.rawQuery } : {}),
          headers: [authorization],
        };
      return { method: 'POST', path: handler.path, query: [], headers: [JSON_TYPE, authorization], body: bytesOf(payload) };
    }
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
