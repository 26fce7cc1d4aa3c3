import { type KeyObject, constants, createHash, createPrivateKey, privateDecrypt, timingSafeEqual } from 'node:crypto';

// The Kit `applicationSync.clientSecret`: RSA-OAEP with the seller's public key, >= 3072 bits, Base64
// (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649434.html, docs/decisions.md#12). Which OAEP hash the marketplace uses is UNCONFIRMED, and Java's "RSA/ECB/OAEPWithSHA-256AndMGF1Padding"
// without an OAEPParameterSpec means SHA-256 with MGF1 *SHA-1* (test/fixtures/crypto/kit-fixtures.json shows it), a pair
// node:crypto cannot ask OpenSSL for. So the RSA step runs without padding and EME-OAEP is decoded here (RFC 8017 §7.1.2).

export const MIN_RSA_BITS = 3072;

type Hash = 'sha256' | 'sha1';
/** Tried in this order: SHA-256 first (docs/decisions.md#12), with either MGF1 hash a Java sender produces, then SHA-1. */
const VARIANTS: readonly { hash: Hash; mgf1: Hash }[] = [
  { hash: 'sha256', mgf1: 'sha256' },
  { hash: 'sha256', mgf1: 'sha1' },
  { hash: 'sha1', mgf1: 'sha1' },
];
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Why a PEM cannot serve as the Kit's RSA private key; undefined when it can. */
export function rsaPrivateKeyProblem(pem: string): string | undefined {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    return 'is not a PEM private key';
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.asymmetricKeyType !== 'rsa') return `is a ${key.asymmetricKeyType ?? 'non-RSA'} key, not RSA`;
  if (bits < MIN_RSA_BITS) return `is ${bits} bits; KooGallery requires at least ${MIN_RSA_BITS}`;
  return undefined;
}

/** A decryptor for one private key (checked once); it answers undefined for anything it cannot decrypt. */
export function oaepDecryptor(privateKeyPem: string): (base64: string) => string | undefined {
  const problem = rsaPrivateKeyProblem(privateKeyPem);
  if (problem) throw new Error(`Kit RSA private key ${problem}`);
  const key = createPrivateKey(privateKeyPem);
  return (base64) => decryptOaep(key, base64);
}

/** Plaintext (UTF-8) of a Base64 RSA-OAEP ciphertext, or undefined: one answer for every kind of failure. */
export function decryptOaep(key: KeyObject, base64: string): string | undefined {
  const k = Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
  if (typeof base64 !== 'string') return undefined;
  // Line breaks are let through: older Java encoders (MIME, commons-codec 1.4) wrap Base64 at 76 characters.
  const compact = base64.replace(/[\r\n]/g, '');
  if (!BASE64.test(compact)) return undefined;
  const ciphertext = Buffer.from(compact, 'base64');
  if (ciphertext.length !== k) return undefined;
  let encoded: Buffer;
  try {
    encoded = privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, ciphertext);
  } catch {
    return undefined; // ciphertext not below the modulus
  }
  for (const { hash, mgf1 } of VARIANTS) {
    const message = oaepDecode(encoded, hash, mgf1);
    if (message === undefined) continue;
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(message);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function mgf1(seed: Buffer, length: number, hash: Hash): Buffer {
  const blocks: Buffer[] = [];
  for (let counter = 0, have = 0; have < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    const block = createHash(hash).update(seed).update(c).digest();
    blocks.push(block);
    have += block.length;
  }
  return Buffer.concat(blocks).subarray(0, length);
}

const xor = (a: Buffer, b: Buffer): Buffer => Buffer.from(a.map((byte, i) => byte ^ b[i]!));

// EME-OAEP decoding with the empty label. Every check runs and the verdict is taken once at the end, so the time does not
// say which one failed (the decryption oracle is reachable only through calls signed with the Kit key anyway).
function oaepDecode(encoded: Buffer, hash: Hash, mgf1Hash: Hash): Buffer | undefined {
  const hLen = createHash(hash).digest().length;
  const k = encoded.length;
  if (k < 2 * hLen + 2) return undefined;
  const maskedSeed = encoded.subarray(1, 1 + hLen);
  const maskedDb = encoded.subarray(1 + hLen);
  const seed = xor(maskedSeed, mgf1(maskedDb, hLen, mgf1Hash));
  const db = xor(maskedDb, mgf1(seed, k - hLen - 1, mgf1Hash));
  let good = encoded[0] === 0 ? 1 : 0;
  good &= timingSafeEqual(db.subarray(0, hLen), createHash(hash).digest()) ? 1 : 0;
  // After lHash: zero bytes, then 0x01, then the message.
  let separator = -1;
  let inPadding = 1;
  for (let i = hLen; i < db.length; i++) {
    const byte = db[i]!;
    const isSeparator = inPadding & (byte === 1 ? 1 : 0);
    if (isSeparator) separator = i;
    inPadding &= byte === 0 ? 1 : 0;
    good &= inPadding | isSeparator | (separator >= 0 ? 1 : 0);
  }
  good &= separator >= 0 ? 1 : 0;
  return good === 1 ? db.subarray(separator + 1) : undefined;
}
