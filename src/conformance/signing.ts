import { randomBytes } from 'node:crypto';
import { authToken } from '../crypto/auth-token.js';
import { basicSignature, canonicalPayload } from '../crypto/basic-signature.js';
import { kitSignature } from '../crypto/kit-signature.js';
import { FAMILIES, type SellerFamily } from './families.js';

// How the marketplace builds each family's request (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649476.html; V1: https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649156.html): the signature, where it travels, and
// the tampering the security negatives ask for. Nothing here knows the seller beyond its URL and key.

export interface Tamper {
  signature?: 'wrong' | 'missing';
  timestamp?: 'missing' | { offsetMs: number };
  nonce?: 'missing' | string;
  key?: string;
}

export interface OutgoingCall {
  family: SellerFamily;
  handler: string;
  body: Record<string, unknown>;
  raw?: string;
  tamper?: Tamper;
  now?: number;
}

export interface BuiltRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** 64 upper-case hex digits, like the nonces of Huawei's examples (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649476.html). */
export const freshNonce = (): string => randomBytes(32).toString('hex').toUpperCase();

/** `yyyyMMddHHmmssSSS` in UTC+8: the Kit `timeStamp` (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649433.html). */
export const kitTimeStamp = (ms: number): string => new Date(ms + 8 * 3_600_000).toISOString().replace(/\D/g, '').slice(0, 17);

/** `yyyyMMddHHmmssSSS` in UTC: the SaaS V1.0 `timeStamp` (https://support.huaweicloud.com/intl/en-us/accessg-marketplace/en-us_topic_0070649066.html). */
export const v1TimeStamp = (ms: number): string => new Date(ms).toISOString().replace(/\D/g, '').slice(0, 17);

// A V1 family has no nonce: its authToken is the replay key, and it only depends on the parameters and the timeStamp.
// Two identical calls in one millisecond would look like a replay, so unless the caller fixes `now`, each V1 call gets
// a millisecond of its own.
let lastV1Ms = 0;
function v1Instant(now: number | undefined): number {
  if (now !== undefined) return now;
  lastV1Ms = Math.max(Date.now(), lastV1Ms + 1);
  return lastV1Ms;
}

const JSON_HEADERS = { accept: 'application/json', 'content-type': 'application/json;charset=utf8' };

/** The request the marketplace would send for `call` to a family whose production URL is `url`, signed with `key`. */
export function buildRequest(url: string, key: string, call: OutgoingCall): BuiltRequest {
  const tamper = call.tamper ?? {};
  const signingKey = tamper.key ?? key;
  switch (FAMILIES[call.family].transport) {
    case 'basic':
      return basicRequest(url, signingKey, call, tamper);
    case 'kit-v2':
      return kitV2Request(url, signingKey, call, tamper);
    case 'kit-v1':
      return kitV1Request(url, signingKey, call, tamper);
    case 'saas-v1':
      return saasV1Request(url, signingKey, call, tamper);
  }
}

function signedAt(now: number, tamper: Tamper): number | undefined {
  if (tamper.timestamp === 'missing') return undefined;
  return now + (tamper.timestamp?.offsetMs ?? 0);
}

function nonceOf(tamper: Tamper): string | undefined {
  if (tamper.nonce === 'missing') return undefined;
  return tamper.nonce ?? freshNonce();
}

/** The right signature, unless the tamper asks for a wrong one (well-formed, over other bytes) or none. */
function applySignature(tamper: Tamper, right: () => string, wrong: () => string): string | undefined {
  if (tamper.signature === 'missing') return undefined;
  return tamper.signature === 'wrong' ? wrong() : right();
}

function withQuery(url: string, params: [string, string | undefined][]): string {
  const present = params.filter((entry): entry is [string, string] => entry[1] !== undefined);
  if (present.length === 0) return url;
  return `${url}${url.includes('?') ? '&' : '?'}${new URLSearchParams(present).toString()}`;
}

const joinPath = (url: string, suffix: string): string => {
  const [base, query] = url.split('?', 2) as [string, string | undefined];
  return `${base.replace(/\/+$/, '')}${suffix}${query === undefined ? '' : `?${query}`}`;
};

/**
 * The body as sent: keys sorted at every level, so that the raw bytes, the top-level-sorted form Huawei's sample
 * verifies and a recursively sorted form are the same text (docs/decisions.md#2).
 */
export function sortedJson(value: unknown): string {
  return JSON.stringify(sortedKeys(value));
}

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((name) => [name, sortedKeys((value as Record<string, unknown>)[name])]),
  );
}

/**
 * SaaS V2.0, License codes, online License, orderNotify: the marketplace signs the key-sorted body
 * (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649476.html); raw bytes are signed as they are.
 */
function basicRequest(url: string, key: string, call: OutgoingCall, tamper: Tamper): BuiltRequest {
  const body = call.raw ?? sortedJson(call.body);
  const payload = call.raw ?? canonicalPayload(sortedKeys(call.body) as Record<string, unknown>);
  const timestamp = signedAt(call.now ?? Date.now(), tamper);
  const nonce = nonceOf(tamper);
  const sign = (p: string) => basicSignature(key, nonce ?? '', String(timestamp ?? ''), p);
  const signature = applySignature(
    tamper,
    () => sign(payload),
    () => sign(`${payload} `),
  );
  return {
    method: 'POST',
    url: withQuery(url, [
      ['signature', signature],
      ['timestamp', timestamp === undefined ? undefined : String(timestamp)],
      ['nonce', nonce],
    ]),
    headers: { ...JSON_HEADERS },
    body,
  };
}

/** Kit V2: `<production URL>/produceAPI/v2/<operation>`, x-sign over the key-sorted body itself (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649476.html). */
function kitV2Request(url: string, key: string, call: OutgoingCall, tamper: Tamper): BuiltRequest {
  const body = call.raw ?? sortedJson(call.body);
  const payload = call.raw ?? canonicalPayload(sortedKeys(call.body) as Record<string, unknown>);
  const timestamp = signedAt(call.now ?? Date.now(), tamper);
  const nonce = nonceOf(tamper);
  const sign = (p: string) => kitSignature(key, nonce ?? '', String(timestamp ?? ''), p);
  const xSign = applySignature(
    tamper,
    () => sign(payload),
    () => sign(`${payload} `),
  );
  const headers: Record<string, string> = { ...JSON_HEADERS };
  if (xSign !== undefined) headers['x-sign'] = xSign;
  if (timestamp !== undefined) headers['x-timestamp'] = String(timestamp);
  if (nonce !== undefined) headers['x-nonce'] = nonce;
  return { method: 'POST', url: joinPath(url, `/produceAPI/v2/${call.handler}`), headers, body };
}

/** Kit V1 members as the `k=v` text the authToken covers: strings as they are, other values as JSON, nulls left out. */
function kitV1Params(body: Record<string, unknown>): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) {
    if (value === null || value === undefined) continue;
    params[name] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return params;
}

/**
 * Kit V1: `<production URL>/produceAPI/<operation>`, `authToken` header keyed with key + the body's `timeStamp`
 * (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649156.html, https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649109.html). The driver sets `timeStamp` (UTC+8) unless the body brings one.
 */
function kitV1Request(url: string, key: string, call: OutgoingCall, tamper: Tamper): BuiltRequest {
  const at = signedAt(v1Instant(call.now), tamper);
  let body: Record<string, unknown> = { ...call.body };
  if (at === undefined) delete body.timeStamp;
  else if (body.timeStamp === undefined) body = { ...body, timeStamp: kitTimeStamp(at) };
  const text = call.raw ?? JSON.stringify(body);
  const signed = call.raw === undefined ? body : parseObject(call.raw);
  const timeStamp = typeof signed.timeStamp === 'string' ? signed.timeStamp : '';
  const params = kitV1Params(signed);
  const token = applySignature(
    tamper,
    () => authToken(key, timeStamp, params),
    () => authToken(key, `${timeStamp}0`, params),
  );
  const headers: Record<string, string> = { ...JSON_HEADERS };
  if (token !== undefined) headers.authToken = token;
  return { method: 'POST', url: joinPath(url, `/produceAPI/${call.handler}`), headers, body: text };
}

/**
 * SaaS V1.0: GET, every parameter in the query with `timeStamp` (UTC) and `authToken` over the others, decoded and
 * sorted (https://support.huaweicloud.com/intl/en-us/accessg-marketplace/en-us_topic_0070649066.html). `raw` is a query string to send instead of the body's parameters.
 */
function saasV1Request(url: string, key: string, call: OutgoingCall, tamper: Tamper): BuiltRequest {
  const at = signedAt(v1Instant(call.now), tamper);
  const given: [string, string][] =
    call.raw !== undefined
      ? [...new URLSearchParams(call.raw)]
      : Object.entries(call.body)
          .filter(([, v]) => v !== undefined && v !== null)
          .map(([k, v]) => [k, String(v)]);
  const params: Record<string, string> = {};
  // The first value of a repeated name is the one a seller reads (and kgkit signs).
  for (const [name, value] of given) if (!(name in params)) params[name] = value;
  const extra: [string, string][] = [];
  if (at !== undefined && params.timeStamp === undefined) {
    params.timeStamp = v1TimeStamp(at);
    extra.push(['timeStamp', params.timeStamp]);
  }
  const timeStamp = params.timeStamp ?? '';
  const token = applySignature(
    tamper,
    () => authToken(key, timeStamp, params),
    () => authToken(key, `${timeStamp}0`, params),
  );
  if (token !== undefined) extra.push(['authToken', token]);
  const query = [call.raw ?? new URLSearchParams(given).toString(), new URLSearchParams(extra).toString()].filter((part) => part !== '').join('&');
  return { method: 'GET', url: query === '' ? url : `${url}${url.includes('?') ? '&' : '?'}${query}`, headers: { accept: 'application/json' }, body: '' };
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
