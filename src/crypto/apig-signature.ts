import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

// Huawei API Gateway AK/SK signing, "SDK-HMAC-SHA256" (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649242.html), which every Open API of the
// marketplace but the new usage push requires. Algorithm: https://support.huaweicloud.com/devg-apisign/api-sign-algorithm-001.md
// (canonical request, string to sign, signature); reproduced exactly against the published example of that guide and
// against Huawei's SDK tests (test/fixtures/crypto/README.md, "APIG").

export const APIG_ALGORITHM = 'SDK-HMAC-SHA256';
/** Value of `X-Sdk-Content-Sha256` that leaves the body out of the signature (devg-apisign FAQ). */
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
/** The gateway refuses an `X-Sdk-Date` more than 15 minutes from its clock (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649242.html). */
export const APIG_CLOCK_TOLERANCE_MS = 15 * 60_000;

export interface ApigRequest {
  method: string;
  /** Absolute URL as sent: path and query percent-encoded, a space as %20 (a `+` is a literal plus). */
  url: string;
  headers: Record<string, string>;
  body: Uint8Array | string;
}

export interface AkSk {
  accessKey: string;
  secretKey: string;
}

export interface ApigSignOptions {
  /** Headers signed besides `host` and `x-sdk-date`, e.g. `['content-type', 'x-stage']`; each must be in the request. */
  signedHeaders?: string[];
  /** Sign `UNSIGNED-PAYLOAD` instead of the body hash and send `X-Sdk-Content-Sha256` saying so. */
  unsignedPayload?: boolean;
}

export type ApigVerification = { ok: true; accessKey: string } | { ok: false; code: 'APIG.0301' | 'APIG.0303'; reason: string };

/** `yyyyMMdd'T'HHmmss'Z'` in UTC, the form of `X-Sdk-Date`. */
export function formatSdkDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** Epoch milliseconds of an `X-Sdk-Date`, or undefined when it is not a real UTC time in that exact form. */
export function parseSdkDate(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  // Date.UTC rolls 20190231 over to March; formatting back catches every such out-of-range field.
  return Number.isFinite(ms) && formatSdkDate(new Date(ms)) === value ? ms : undefined;
}

/** RFC 3986 percent-encoding of UTF-8: everything but A-Z a-z 0-9 - _ . ~ (a space is %20). */
export function rfc3986Encode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

// Text as sent → the text it stands for; malformed escapes (a lone `%`) stand for themselves.
function percentDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Each path segment decoded then RFC 3986-encoded; always ending in "/" when signing (api-sign-algorithm-001). */
export function canonicalUri(pathname: string): string {
  const path = pathname
    .split('/')
    .map((segment) => rfc3986Encode(percentDecode(segment)))
    .join('/');
  return path.endsWith('/') ? path : `${path}/`;
}

/**
 * `name=value` pairs, RFC 3986-encoded, sorted by encoded name then encoded value (character code order), joined by
 * `&`; a name without a value keeps its `=`. Empty when there is no query.
 */
export function canonicalQueryString(search: string): string {
  const query = search.startsWith('?') ? search.slice(1) : search;
  const pairs = query
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      const name = eq < 0 ? part : part.slice(0, eq);
      const value = eq < 0 ? '' : part.slice(eq + 1);
      return [rfc3986Encode(percentDecode(name)), rfc3986Encode(percentDecode(value))] as const;
    });
  pairs.sort(([n1, v1], [n2, v2]) => (n1 < n2 ? -1 : n1 > n2 ? 1 : v1 < v2 ? -1 : v1 > v2 ? 1 : 0));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface CanonicalRequestInput {
  method: string;
  url: URL;
  /** Lower-case names to the values to sign, `host` and `x-sdk-date` included. */
  signed: Map<string, string>;
  payloadHash: string;
}

/** The canonical request of api-sign-algorithm-001 (exported for tests). */
export function canonicalRequest({ method, url, signed, payloadHash }: CanonicalRequestInput): string {
  const names = [...signed.keys()].sort();
  const headers = names.map((name) => `${name}:${(signed.get(name) ?? '').trim()}\n`).join('');
  return [method.toUpperCase(), canonicalUri(url.pathname), canonicalQueryString(url.search), headers, names.join(';'), payloadHash].join('\n');
}

/** `SDK-HMAC-SHA256 \n X-Sdk-Date \n hex(SHA-256(canonical request))`. */
export function stringToSign(sdkDate: string, canonical: string): string {
  return `${APIG_ALGORITHM}\n${sdkDate}\n${sha256Hex(canonical)}`;
}

function hmacHex(secretKey: string, data: string): string {
  return createHmac('sha256', Buffer.from(secretKey, 'utf8')).update(data, 'utf8').digest('hex');
}

// Header names lower-cased; two spellings of one name are ambiguous, so refused.
function lowerCaseHeaders(headers: Record<string, string>): Map<string, string> | string {
  const lower = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    const key = name.toLowerCase();
    if (lower.has(key)) return `header ${key} given twice`;
    if (typeof value !== 'string') return `header ${key} is not a string`;
    lower.set(key, value);
  }
  return lower;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

/**
 * The headers to add to `request`: `X-Sdk-Date` (from `date`) and `Authorization`, plus `X-Sdk-Content-Sha256` with
 * `unsignedPayload`. `host` is signed from the URL unless the request gives a Host header. Throws on a request that
 * cannot be signed (relative URL, missing key, a signed header that is absent).
 */
export function signApigRequest(request: ApigRequest, keys: AkSk, date: Date, options: ApigSignOptions = {}): Record<string, string> {
  const { accessKey, secretKey } = keys;
  if (!accessKey || /[\s,]/.test(accessKey)) throw new TypeError('signApigRequest: the access key is empty or contains a blank or comma');
  if (!secretKey) throw new TypeError('signApigRequest: the secret key is empty');
  if (Number.isNaN(date.getTime())) throw new TypeError('signApigRequest: invalid date');
  if (!URL.canParse(request.url)) throw new TypeError(`signApigRequest: ${JSON.stringify(request.url)} is not an absolute URL`);
  const url = new URL(request.url);
  const headers = lowerCaseHeaders(request.headers);
  if (typeof headers === 'string') throw new TypeError(`signApigRequest: ${headers}`);

  const sdkDate = formatSdkDate(date);
  const added: Record<string, string> = { 'X-Sdk-Date': sdkDate };
  const signed = new Map([
    ['host', headers.get('host') ?? url.host],
    ['x-sdk-date', sdkDate],
  ]);
  for (const name of (options.signedHeaders ?? []).map((n) => n.toLowerCase())) {
    if (signed.has(name)) continue;
    const value = headers.get(name);
    if (!TOKEN.test(name)) throw new TypeError(`signApigRequest: ${JSON.stringify(name)} is not a header name`);
    if (value === undefined) throw new TypeError(`signApigRequest: signed header ${name} is not in the request`);
    signed.set(name, value);
  }
  if (options.unsignedPayload) {
    added['X-Sdk-Content-Sha256'] = UNSIGNED_PAYLOAD;
    signed.set('x-sdk-content-sha256', UNSIGNED_PAYLOAD);
  }
  // Like Huawei's SDKs, a signed X-Sdk-Content-Sha256 stands in for the body hash.
  const payloadHash = signed.get('x-sdk-content-sha256')?.trim() ?? sha256Hex(request.body);
  const canonical = canonicalRequest({ method: request.method, url, signed, payloadHash });
  const signature = hmacHex(secretKey, stringToSign(sdkDate, canonical));
  added.Authorization = `${APIG_ALGORITHM} Access=${accessKey}, SignedHeaders=${[...signed.keys()].sort().join(';')}, Signature=${signature}`;
  return added;
}

// Exactly what Huawei's signers write: one blank after the algorithm, ", " between the parts, 64 hex digits.
const AUTHORIZATION = /^SDK-HMAC-SHA256 Access=([^\s,=]+), SignedHeaders=([^\s,=]+), Signature=([0-9a-fA-F]{64})$/;

/**
 * The gateway's check of a signed request, for the marketplace test doubles: strict Authorization syntax, known access
 * key, `host` and `x-sdk-date` signed, `X-Sdk-Date` within `toleranceMs` of `now` (else APIG.0303), then the
 * signature compared in constant time. Never throws.
 */
export function verifyApigRequest(
  request: ApigRequest,
  secretOf: (accessKey: string) => string | undefined,
  now: number,
  toleranceMs: number = APIG_CLOCK_TOLERANCE_MS,
): ApigVerification {
  const refuse = (reason: string): ApigVerification => ({ ok: false, code: 'APIG.0301', reason });
  try {
    const headers = lowerCaseHeaders(request.headers);
    if (typeof headers === 'string') return refuse(headers);
    const authorization = headers.get('authorization');
    if (authorization === undefined) return refuse('no Authorization header');
    const parts = AUTHORIZATION.exec(authorization);
    if (!parts) return refuse('Authorization is not "SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=<64 hex>"');
    const [, accessKey = '', signedList = '', signature = ''] = parts;

    const names = signedList.split(';');
    if (!names.every((name, i) => TOKEN.test(name) && (i === 0 || (names[i - 1] ?? '') < name))) {
      return refuse('SignedHeaders must be distinct lower-case names in ascending order');
    }
    if (!names.includes('host') || !names.includes('x-sdk-date')) return refuse('SignedHeaders must include host and x-sdk-date');

    const sdkDate = headers.get('x-sdk-date');
    const signedAt = sdkDate === undefined ? undefined : parseSdkDate(sdkDate);
    if (sdkDate === undefined || signedAt === undefined) {
      return { ok: false, code: 'APIG.0303', reason: "X-Sdk-Date is missing or not yyyyMMdd'T'HHmmss'Z'" };
    }
    if (!(Math.abs(now - signedAt) <= toleranceMs)) {
      const serverTime = Number.isFinite(now) ? formatSdkDate(new Date(now)) : String(now);
      return { ok: false, code: 'APIG.0303', reason: `signature expired: signature time ${sdkDate}, server time ${serverTime}` };
    }

    const secretKey = secretOf(accessKey);
    if (!secretKey) return refuse(`unknown access key ${accessKey}`);

    const url = new URL(request.url);
    const signed = new Map<string, string>();
    for (const name of names) {
      const value = name === 'host' ? (headers.get('host') ?? url.host) : headers.get(name);
      if (value === undefined) return refuse(`signed header ${name} is not in the request`);
      signed.set(name, value);
    }
    // A declared body hash counts only when it is signed; UNSIGNED-PAYLOAD is then the signer's choice.
    const bodyHash = sha256Hex(request.body);
    const declared = signed.get('x-sdk-content-sha256')?.trim();
    if (declared !== undefined && declared !== UNSIGNED_PAYLOAD && declared.toLowerCase() !== bodyHash) {
      return refuse('X-Sdk-Content-Sha256 does not match the body');
    }
    const payloadHash = declared ?? bodyHash;

    const expected = hmacHex(secretKey, stringToSign(sdkDate, canonicalRequest({ method: request.method, url, signed, payloadHash })));
    if (!timingSafeEqual(Buffer.from(signature, 'hex'), Buffer.from(expected, 'hex'))) return refuse('verify aksk signature fail');
    return { ok: true, accessKey };
  } catch (error) {
    return refuse(`malformed request: ${error instanceof Error ? error.message : String(error)}`);
  }
}
