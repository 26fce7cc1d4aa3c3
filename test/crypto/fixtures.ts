import { readFileSync } from 'node:fs';

// Values produced by test/fixtures/crypto/MakeFixtures.java with the JDK alone (javax.crypto.Mac, KeyGenerator +
// SHA1PRNG, Cipher, TreeMap); nothing in them comes from src/crypto/. How to regenerate: test/fixtures/crypto/README.md.

export interface BasicSignatureCase {
  name: string;
  accessKey: string;
  nonce: string;
  timestamp: string;
  body: string;
  canonicalPayload: string;
  signatureOverCanonical: string;
  signatureOverRaw: string;
}

export interface BodySignCase {
  accessKey: string;
  body: string;
  header: string;
}

export interface AesKeyCase {
  accessKey: string;
  key128: string;
  key256: string;
}

export interface AesCredentialCase {
  name: string;
  accessKey: string;
  encryptType: '1' | '2';
  iv: string;
  plaintext: string;
  value: string;
}

export interface CryptoFixtures {
  basicSignature: BasicSignatureCase[];
  bodySign: BodySignCase[];
  aesKeys: AesKeyCase[];
  aesCredentials: AesCredentialCase[];
}

export const fixtures = JSON.parse(readFileSync(new URL('../fixtures/crypto/fixtures.json', import.meta.url), 'utf8')) as CryptoFixtures;
