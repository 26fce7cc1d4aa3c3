import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalPayload } from '../../src/crypto/basic-signature.js';
import { kitSignature, verifyKitSignature } from '../../src/crypto/kit-signature.js';
import { decryptOaep, oaepDecryptor, rsaPrivateKeyProblem } from '../../src/crypto/rsa-oaep.js';
import { openSealed, seal, sealingKey } from '../../src/crypto/sealed.js';
import { KIT_RSA_PRIVATE_KEY, kitFixtures } from '../support/kit.js';

// Every expected value below was made by test/fixtures/crypto/KitFixtures.java with the JDK alone (Mac, Cipher, a TreeMap
// canonical payload, HKDF written out with Mac); the OAEP ciphertexts and HKDF keys also agree with OpenSSL 3 (README).

describe('x-sign (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649476.html)', () => {
  it.each(kitFixtures.xSign.map((c) => [c.name, c] as const))('matches Java for: %s', (_name, c) => {
    const body = JSON.parse(c.body) as Record<string, unknown>;
    expect(canonicalPayload(body)).toBe(c.canonicalPayload);
    expect(kitSignature(c.accessKey, c.nonce, c.timestamp, c.canonicalPayload)).toBe(c.signatureOverCanonical);
    expect(kitSignature(c.accessKey, c.nonce, c.timestamp, Buffer.from(c.body, 'utf8'))).toBe(c.signatureOverRaw);
    const input = { accessKey: c.accessKey, nonce: c.nonce, timestamp: c.timestamp, rawBody: Buffer.from(c.body, 'utf8'), body };
    for (const signature of [c.signatureOverCanonical, c.signatureOverRaw, c.signatureOverRaw.toLowerCase()])
      expect(verifyKitSignature({ ...input, signature })).toBe(true);
  });

  const c = kitFixtures.xSign[0]!;
  const input = {
    accessKey: c.accessKey,
    nonce: c.nonce,
    timestamp: c.timestamp,
    rawBody: Buffer.from(c.body, 'utf8'),
    body: JSON.parse(c.body) as Record<string, unknown>,
  };
  it.each([
    ['another key', { ...input, accessKey: 'other-kit-key-0123' }],
    ['another nonce', { ...input, nonce: `${c.nonce}0` }],
    ['another timestamp', { ...input, timestamp: '1680508066619' }],
    ['another body', { ...input, rawBody: Buffer.from(c.body.replace('huawei', 'huawej')), body: { ...input.body, tenantCode: 'huawej' } }],
  ])('refuses %s', (_name, changed) => expect(verifyKitSignature({ ...changed, signature: c.signatureOverCanonical })).toBe(false));

  it.each(['', 'zz', c.signatureOverRaw.slice(1), `${c.signatureOverRaw}00`])('refuses the malformed signature %j without throwing', (signature) => {
    expect(verifyKitSignature({ ...input, signature })).toBe(false);
  });
});

describe('clientSecret RSA-OAEP (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649434.html, docs/decisions.md#12)', () => {
  const key = createPrivateKey(KIT_RSA_PRIVATE_KEY);

  it('the Java default of OAEPWithSHA-256AndMGF1Padding is MGF1 with SHA-1 (what the fixture recorded)', () => {
    expect(kitFixtures.oaep[0]).toMatchObject({ transformation: 'RSA/ECB/OAEPWithSHA-256AndMGF1Padding', parameters: 'SHA-256 / MGF1 SHA-1' });
  });

  it.each(kitFixtures.oaep.map((c) => [c.name, c.parameters, c] as const))('%s (%s)', (_name, _parameters, c) => {
    expect(decryptOaep(key, c.ciphertext)).toBe(c.accepted ? c.plaintext : undefined);
  });

  const good = kitFixtures.oaep[0]!.ciphertext;
  it.each([
    ['empty', ''],
    ['not Base64', '@@@@'],
    ['URL-safe Base64', good.replaceAll('+', '-').replaceAll('/', '_')],
    ['one byte short', Buffer.from(good, 'base64').subarray(1).toString('base64')],
    [
      'one bit flipped',
      (() => {
        const b = Buffer.from(good, 'base64');
        b[100]! ^= 1;
        return b.toString('base64');
      })(),
    ],
    ['above the modulus', Buffer.alloc(384, 0xff).toString('base64')],
  ])('answers undefined, never throws, for a ciphertext that is %s', (_name, value) => {
    expect(decryptOaep(key, value)).toBeUndefined();
  });

  it('lets line breaks through (MIME Base64 of older Java encoders)', () => {
    expect(decryptOaep(key, good.replace(/(.{76})/g, '$1\r\n'))).toBe(kitFixtures.oaep[0]!.plaintext);
  });

  it('accepts the test key and refuses keys KooGallery does not allow', () => {
    expect(rsaPrivateKeyProblem(KIT_RSA_PRIVATE_KEY)).toBeUndefined();
    const pem = (k: { privateKey: string }) => k.privateKey;
    const rsa2048 = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const ec = generateKeyPairSync('ec', {
      namedCurve: 'P-256',
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    expect(rsaPrivateKeyProblem(pem(rsa2048))).toMatch(/2048 bits; KooGallery requires at least 3072/);
    expect(rsaPrivateKeyProblem(pem(ec))).toMatch(/not RSA/);
    expect(rsaPrivateKeyProblem('-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n')).toMatch(/not a PEM private key/);
    expect(() => oaepDecryptor(pem(rsa2048))).toThrow(/at least 3072/);
    expect(rsaPrivateKeyProblem(readFileSync(new URL('../fixtures/crypto/kit-rsa-3072.pub.pem', import.meta.url), 'utf8'))).toMatch(/not a PEM private key/);
  });
});

describe('sealed secrets (AES-256-GCM, HKDF-SHA256 key)', () => {
  it.each(kitFixtures.sealed.map((c) => [c.name, c] as const))('matches Java for: %s', (_name, c) => {
    const key = sealingKey(c.dataKey);
    expect(key.toString('hex')).toBe(c.keyHex);
    expect(seal(key, c.plaintext, Buffer.from(c.iv, 'hex'))).toBe(c.value);
    expect(openSealed(key, c.value)).toBe(c.plaintext);
  });

  it('seals with a fresh IV every time', () => {
    const key = sealingKey('test-data-key-0123456789-0123456789');
    const [a, b] = [seal(key, 'secret'), seal(key, 'secret')];
    expect(a).not.toBe(b);
    expect([openSealed(key, a), openSealed(key, b)]).toEqual(['secret', 'secret']);
  });

  it('derives the key from the access key after `derived:`, so setting KGKIT_DATA_KEY gives another key', () => {
    expect(sealingKey('derived:test-access-key-0123456789')).toEqual(sealingKey('test-access-key-0123456789'));
    expect(sealingKey('derived:test-access-key-0123456789')).not.toEqual(sealingKey('test-data-key-0123456789-0123456789'));
    expect(() => sealingKey('derived:')).toThrow(/empty/);
  });

  const c = kitFixtures.sealed[0]!;
  const key = sealingKey(c.dataKey);
  const bytes = Buffer.from(c.value.slice(3), 'base64');
  const flipped = (at: number) => {
    const b = Buffer.from(bytes);
    b[at]! ^= 1;
    return `v1.${b.toString('base64')}`;
  };
  it.each([
    ['sealed under another data key', c.value, sealingKey('another-data-key-0123456789-012345')],
    ['an IV bit flipped', flipped(0), key],
    ['a tag bit flipped', flipped(12), key],
    ['a ciphertext bit flipped', flipped(bytes.length - 1), key],
    ['without its version prefix', c.value.slice(3), key],
    ['of another version', `v2.${c.value.slice(3)}`, key],
    ['too short', 'v1.AAAA', key],
    ['not Base64', 'v1.@@@@', key],
  ])('refuses a value %s with one plain error', (_name, value, k) => {
    expect(() => openSealed(k, value)).toThrow('sealed value cannot be opened');
  });
});
