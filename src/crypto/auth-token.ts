import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The legacy `authToken` of SaaS V1.0 (query) and Kit V1 (header): Base64 HMAC-SHA256 keyed with
 * `accessKey + timeStamp` over every parameter except `authToken`, names sorted ascending, decoded values, joined as
 * `k1=v1&k2=v2` (saas-v2.md §1.6, license-kit-openapi.md A.11; Huawei's sample builds the string from a TreeMap).
 */
export function authTokenPayload(params: Record<string, string>): string {
  return Object.keys(params)
    .filter((name) => name !== 'authToken')
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((name) => `${name}=${params[name]}`)
    .join('&');
}

export function authToken(accessKey: string, timeStamp: string, params: Record<string, string>): string {
  return createHmac('sha256', Buffer.from(accessKey + timeStamp, 'utf8')).update(authTokenPayload(params), 'utf8').digest('base64');
}

/** Constant-time check of a received authToken; false for anything that is not the expected Base64 value. */
export function verifyAuthToken(accessKey: string, timeStamp: string, params: Record<string, string>, received: string): boolean {
  const expected = Buffer.from(authToken(accessKey, timeStamp, params), 'utf8');
  const given = Buffer.from(received, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
