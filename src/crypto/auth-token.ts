import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The legacy `authToken` of SaaS V1.0 (query) and Kit V1 (header): Base64 HMAC-SHA256 keyed with
 * `accessKey + timeStamp` over every parameter except `authToken`, names sorted ascending, decoded values, joined as
 * `k1=v1&k2=v2` (https://support.huaweicloud.com/intl/en-us/accessg-marketplace/en-us_topic_0070649066.html, https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649156.html; Huawei's sample builds the string from a TreeMap).
 */
export function authTokenPayload(params: Record<string, string>): string {
  return Object.keys(params)
    .filter((name) => name !== 'authToken')
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((name) => `${name}=${params[name]}`)
    .join('&');
}

export function authToken(accessKey: string, timeStamp: string, params: Record<string, string>): string {
  return createHmac('sha256', Buffer.from(accessKey + timeStamp, 'utf8'))
    .update(authTokenPayload(params), 'utf8')
    .digest('base64');
}

/** Constant-time check of a received authToken; false for anything that is not the expected Base64 value. */
export function verifyAuthToken(accessKey: string, timeStamp: string, params: Record<string, string>, received: string): boolean {
  const expected = Buffer.from(authToken(accessKey, timeStamp, params), 'utf8');
  const given = Buffer.from(received, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
