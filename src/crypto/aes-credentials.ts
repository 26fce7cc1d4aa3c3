import { createCipheriv, createDecipheriv, createHash, randomInt } from 'node:crypto';

// Credential encryption: https://support.huaweicloud.com/intl/en-us/accessg-marketplace/en-us_topic_0070649063.html, docs/decisions.md#11. Wire value = 16-char IV in clear + Base64(AES-CBC ciphertext).

/** `encryptType` of the response: '1' = AES-256-CBC (the default), '2' = AES-128-CBC. */
export type EncryptType = '1' | '2';

const BITS: Record<EncryptType, 128 | 256> = { '1': 256, '2': 128 };
const IV_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const IV_PATTERN = /^[A-Za-z0-9]{16}$/;
// Strict standard Base64 with padding (java.util.Base64.getEncoder()); Buffer.from(…, 'base64') alone skips junk.
const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const sha1 = (data: Uint8Array): Buffer => createHash('sha1').update(data).digest();

/**
 * Port of `KeyGenerator.getInstance("AES").init(bits, SHA1PRNG seeded with accessKey)`: the key is the first bits/8
 * bytes that OpenJDK's sun.security.provider.SecureRandom produces (state = SHA1(seed); out = SHA1(state); ...).
 */
export function deriveAesKey(accessKey: string, bits: 128 | 256): Buffer {
  const state = sha1(Buffer.from(accessKey, 'utf8'));
  const blocks: Buffer[] = [];
  for (let have = 0; have < bits / 8; have += 20) {
    const out = sha1(state);
    updateState(state, out);
    blocks.push(out);
  }
  return Buffer.concat(blocks).subarray(0, bits / 8);
}

// OpenJDK SecureRandom.updateState, byte for byte. Java bytes are signed, so the "carry" `v >> 8` can be -1, 0 or 1:
// this is NOT a true 160-bit add, and an unsigned port gives different keys from the second block on.
function updateState(state: Buffer, output: Buffer): void {
  let last = 1;
  let changed = false;
  for (let i = 0; i < state.length; i++) {
    const v = signed(state[i]!) + signed(output[i]!) + last;
    const t = v & 0xff;
    changed ||= state[i] !== t;
    state[i] = t;
    last = v >> 8;
  }
  if (!changed) state[0] = (state[0]! + 1) & 0xff;
}

const signed = (b: number): number => (b << 24) >> 24;

function randomIv(): string {
  let iv = '';
  for (let i = 0; i < 16; i++) iv += IV_ALPHABET[randomInt(IV_ALPHABET.length)];
  return iv;
}

function algorithm(encryptType: EncryptType): string {
  const bits = BITS[encryptType];
  if (bits === undefined) throw new Error(`unknown encryptType ${String(encryptType)}`);
  return `aes-${bits}-cbc`;
}

/** Encrypts `plaintext` (UTF-8); `iv` (16 alphanumerics) is random unless given. */
export function encryptCredential(accessKey: string, encryptType: EncryptType, plaintext: string, iv: string = randomIv()): string {
  if (!IV_PATTERN.test(iv)) throw new Error('iv must be 16 characters [A-Za-z0-9]');
  const cipher = createCipheriv(algorithm(encryptType), deriveAesKey(accessKey, BITS[encryptType]), Buffer.from(iv, 'utf8'));
  return iv + Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64');
}

/** Inverse of encryptCredential; any malformed value, wrong key or bad padding gives the same plain error. */
export function decryptCredential(accessKey: string, encryptType: EncryptType, value: string): string {
  const name = algorithm(encryptType);
  const malformed = new Error('malformed encrypted value');
  if (typeof value !== 'string') throw malformed;
  const iv = Buffer.from(value.slice(0, 16), 'utf8');
  const body = value.slice(16);
  if (iv.length !== 16 || !BASE64_PATTERN.test(body)) throw malformed;
  const ciphertext = Buffer.from(body, 'base64');
  if (ciphertext.length === 0 || ciphertext.length % 16 !== 0) throw malformed;
  try {
    const decipher = createDecipheriv(name, deriveAesKey(accessKey, BITS[encryptType]), iv);
    const plain = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    return new TextDecoder('utf-8', { fatal: true }).decode(plain);
  } catch {
    throw malformed;
  }
}
