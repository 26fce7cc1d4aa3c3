import { describe, it, expect } from 'vitest';
import { bodySignHeader } from '../../src/crypto/body-sign.js';
import { fixtures } from './fixtures.js';

// Expected headers come from Java (MakeFixtures.java); the same signatures were also reproduced with
// `openssl dgst -sha256 -hmac KEY -binary | base64` (test/fixtures/crypto/README.md).
describe('bodySignHeader (https://support.huaweicloud.com/intl/en-us/accessg-marketplace/en-us_topic_0070649067.html)', () => {
  it.each(fixtures.bodySign)('matches Java for body $body', ({ accessKey, body, header }) => {
    expect(bodySignHeader(accessKey, body)).toBe(header);
    expect(bodySignHeader(accessKey, Buffer.from(body, 'utf8'))).toBe(header);
  });

  it('has exactly the documented shape', () => {
    expect(bodySignHeader('k', '{}')).toMatch(/^sign_type="HMAC-SHA256", signature="[A-Za-z0-9+/]{43}="$/);
  });

  it('signs the exact bytes: surrounding blanks change the signature', () => {
    expect(bodySignHeader('k', '{}')).not.toBe(bodySignHeader('k', ' {}'));
    expect(bodySignHeader('k', '{}')).not.toBe(bodySignHeader('k', '{}\n'));
  });
});
