import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

// Secrets kgkit keeps in its store (the Kit clientSecret, the License signing key, the credentials of instances, SSO
// refresh tokens) are sealed with AES-256-GCM. Value: `v1.` + Base64(iv (12 bytes) | tag (16 bytes) | ciphertext).
// The key comes from the configured data key (KGKIT_DATA_KEY) by HKDF-SHA256 (RFC 5869, no salt, info
// "kgkit sealed v1"). Unset, the configuration makes it `derived:<basic access key>` and the key is derived from that
// access key: rotating the access key then changes the data key too (README "Rotating the data key"), which is why
// setting KGKIT_DATA_KEY (decoupling the two) is recommended. The value names no key: data-keys.ts tries each one.

const PREFIX = 'v1.';
const INFO = 'kgkit sealed v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Whether `value` has the shape of a sealed value (it may still open under no key); a clear value almost never has. */
export function looksSealed(value: string): boolean {
  const body = value.slice(PREFIX.length);
  return value.startsWith(PREFIX) && BASE64.test(body) && Buffer.byteLength(body, 'base64') >= IV_BYTES + TAG_BYTES;
}

/** The 32-byte AES key of a data key setting (`derived:<access key>` or KGKIT_DATA_KEY itself). */
export function sealingKey(dataKey: string): Buffer {
  const material = dataKey.startsWith('derived:') ? dataKey.slice('derived:'.length) : dataKey;
  if (material.length === 0) throw new Error('sealingKey: the data key is empty');
  return Buffer.from(hkdfSync('sha256', Buffer.from(material, 'utf8'), Buffer.alloc(0), INFO, 32));
}

/** Seals UTF-8 `plaintext`; the IV is random unless given (tests pin it). */
export function seal(key: Buffer, plaintext: string, iv: Buffer = randomBytes(IV_BYTES)): string {
  if (iv.length !== IV_BYTES) throw new Error(`seal: the IV must be ${IV_BYTES} bytes`);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64');
}

/** Opens a sealed value; throws one plain error for a malformed value, another key or any tampering. */
export function openSealed(key: Buffer, value: string): string {
  const failure = new Error('sealed value cannot be opened (malformed, tampered with, or sealed under another data key)');
  if (typeof value !== 'string' || !looksSealed(value)) throw failure;
  const bytes = Buffer.from(value.slice(PREFIX.length), 'base64');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    const plain = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
    return new TextDecoder('utf-8', { fatal: true }).decode(plain);
  } catch {
    throw failure;
  }
}
