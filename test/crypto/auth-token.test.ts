import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { authToken, authTokenPayload, verifyAuthToken } from '../../src/crypto/auth-token.js';

// Values made by test/fixtures/crypto/AuthTokenFixtures.java (JDK TreeMap + javax.crypto.Mac), not by this project;
// the first also agrees with `printf 'p1=1&p2=2&p3=3&timeStamp=201706211855321' | openssl dgst -sha256 -hmac
// 'example-key201706211855321' -binary | base64`.
const cases = JSON.parse(readFileSync(new URL('../fixtures/crypto/auth-token.json', import.meta.url), 'utf8')) as {
  name: string;
  key: string;
  timeStamp: string;
  params: Record<string, string>;
  authToken: string;
}[];

describe('authToken (SaaS V1.0, Kit V1)', () => {
  it.each(cases.map((c) => [c.name, c] as const))('matches Java for: %s', (_name, c) => {
    expect(authToken(c.key, c.timeStamp, c.params)).toBe(c.authToken);
    expect(verifyAuthToken(c.key, c.timeStamp, c.params, c.authToken)).toBe(true);
  });

  it('signs the documented example string', () => {
    expect(authTokenPayload({ p1: '1', p3: '3', p2: '2', timeStamp: '201706211855321' })).toBe('p1=1&p2=2&p3=3&timeStamp=201706211855321');
  });

  const base = cases[1]!;
  it.each([
    ['another key', { ...base, key: 'other-key-123456' }],
    ['another timeStamp', { ...base, timeStamp: '20200727085943392' }],
    ['one value changed', { ...base, params: { ...base.params, orderId: 'CS1906666666ABCDF' } }],
    ['one parameter added', { ...base, params: { ...base.params, extra: 'x' } }],
  ])('refuses %s', (_name, c) => expect(verifyAuthToken(c.key, c.timeStamp, c.params, base.authToken)).toBe(false));

  it.each(['', 'not base64', base.authToken.slice(1), `${base.authToken}=`])('refuses the malformed token %j without throwing', (token) => {
    expect(verifyAuthToken(base.key, base.timeStamp, base.params, token)).toBe(false);
  });
});
