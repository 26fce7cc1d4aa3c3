import { describe, it, expect } from 'vitest';
import { decryptCredential, deriveAesKey, encryptCredential, type EncryptType } from '../../src/crypto/aes-credentials.js';
import { fixtures } from './fixtures.js';

// Keys and values come from Java (test/fixtures/crypto/MakeFixtures.java): the real KeyGenerator + SHA1PRNG and
// Cipher AES/CBC/PKCS5Padding; the ciphertexts were also reproduced with `openssl enc` (see its README).

describe('deriveAesKey (https://support.huaweicloud.com/intl/en-us/accessg-marketplace/en-us_topic_0070649063.html)', () => {
  it.each(fixtures.aesKeys)('matches KeyGenerator + SHA1PRNG for $accessKey', ({ accessKey, key128, key256 }) => {
    expect(deriveAesKey(accessKey, 128).toString('hex')).toBe(key128);
    expect(deriveAesKey(accessKey, 256).toString('hex')).toBe(key256);
  });
});

describe.each(fixtures.aesCredentials)('$name', ({ accessKey, encryptType, iv, plaintext, value }) => {
  it('encrypt with the same IV reproduces the Java value', () => {
    expect(encryptCredential(accessKey, encryptType, plaintext, iv)).toBe(value);
  });

  it('decrypt of the Java value gives the plaintext', () => {
    expect(decryptCredential(accessKey, encryptType, value)).toBe(plaintext);
  });
});

describe('round trip with random IVs', () => {
  const plaintexts = ['', 'hwadmin', 'Pa55w0rd!Pa55w0rd!Pa55w0rd!Pa55w0rd!Xy9#', '管理员-пароль-🔑', 'x'.repeat(100)];

  it.each(['1', '2'] as EncryptType[])('encryptType %s', (encryptType) => {
    for (const plaintext of plaintexts) {
      const value = encryptCredential('round-trip-key', encryptType, plaintext);
      expect(value.slice(0, 16)).toMatch(/^[A-Za-z0-9]{16}$/);
      expect(decryptCredential('round-trip-key', encryptType, value)).toBe(plaintext);
    }
  });

  it('draws a fresh IV each time', () => {
    const ivs = new Set(Array.from({ length: 20 }, () => encryptCredential('k', '1', 'same').slice(0, 16)));
    expect(ivs.size).toBe(20);
  });

  it.each(['short', 'sixteen-chars-!!', 'ÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄ', '0123456789abcdefg'])('refuses the given IV %j', (iv) => {
    expect(() => encryptCredential('k', '1', 'x', iv)).toThrow();
  });
});

describe('decryptCredential of a malformed value', () => {
  const java = fixtures.aesCredentials.find((c) => c.encryptType === '1' && c.plaintext.length === 40)!;
  const iv = java.value.slice(0, 16);
  const ciphertext = java.value.slice(16);
  const changedLast = `${ciphertext.slice(0, -1)}${ciphertext.endsWith('A') ? 'B' : 'A'}`;
  const padded = fixtures.aesCredentials.find((c) => c.encryptType === '1' && c.value.endsWith('='))!;

  const table: [string, string, EncryptType][] = [
    ['empty', '', '1'],
    ['shorter than an IV', 'abc', '1'],
    ['an IV and nothing else', iv, '1'],
    ['not Base64 after the IV', `${iv}!!!!????`, '1'],
    ['Base64 with a line break', `${iv}${ciphertext.slice(0, 8)}\n${ciphertext.slice(8)}`, '1'],
    ['not a whole number of blocks', `${iv}${Buffer.alloc(15).toString('base64')}`, '1'],
    ['a changed last byte (bad padding)', `${iv}${changedLast}`, '1'],
    ['the wrong encryptType', java.value, '2'],
    ['a non-ASCII IV', `ÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄ${ciphertext}`, '1'],
  ];

  it.each(table)('%s', (_, value, encryptType) => {
    let thrown: unknown;
    try {
      decryptCredential(java.accessKey, encryptType, value);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).constructor).toBe(Error);
    expect((thrown as Error).message).toBe('malformed encrypted value');
  });

  it('Base64 without its padding', () => {
    expect(padded.value).toMatch(/=$/);
    expect(() => decryptCredential(padded.accessKey, '1', padded.value.replace(/=+$/, ''))).toThrow(new Error('malformed encrypted value'));
  });

  it('with another access key', () => {
    expect(() => decryptCredential(`${java.accessKey}x`, '1', java.value)).toThrow(new Error('malformed encrypted value'));
  });
});
