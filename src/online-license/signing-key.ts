import { type KeyObject, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DataKeys } from '../crypto/data-keys.js';
import type { Database } from '../store/schema.js';
import { storeSigningKeyOnce } from '../store/license-signing-keys.js';

const STORED_KEY_NAME = 'default';

/** Why `pem` cannot sign Licenses (a phrase to follow the key's source), or undefined when it is an Ed25519 private key. */
export function ed25519KeyProblem(pem: string): string | undefined {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    return 'does not hold a PEM private key (make one with: openssl genpkey -algorithm ed25519)';
  }
  return key.asymmetricKeyType === 'ed25519' ? undefined : `holds a ${key.asymmetricKeyType ?? 'unknown'} key; Licenses are signed with Ed25519`;
}

/** Reads an Ed25519 private key (PKCS#8 PEM); throws a message a seller can act on for anything else. */
export function ed25519PrivateKey(pem: string, source = 'LICENSE_SIGNING_KEY_FILE'): KeyObject {
  const problem = ed25519KeyProblem(pem);
  if (problem) throw new Error(`${source} ${problem}`);
  return createPrivateKey(pem);
}

export function publicKeyPem(privateKey: KeyObject): string {
  return createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
}

export interface SigningKeyOptions {
  /** LICENSE_SIGNING_KEY_FILE's content, when set. */
  pem?: string | undefined;
  db: Kysely<Database>;
  /** The data keys (KGKIT_DATA_KEY and the previous ones) that seal the stored key. */
  keys: DataKeys;
  now?: () => number;
}

/**
 * The key every License is signed with: the configured one (LICENSE_SIGNING_KEY_FILE), else one generated the first
 * time it is needed and kept in the database, sealed with the data key, so every replica signs with the same key.
 * Asked once per process; a failed attempt (database unreachable) is asked again next time.
 */
export function licenseSigningKey({ pem, db, keys, now = Date.now }: SigningKeyOptions): () => Promise<KeyObject> {
  if (pem !== undefined) {
    const configured = ed25519PrivateKey(pem);
    return async () => configured;
  }
  let loading: Promise<KeyObject> | undefined;
  return () => {
    loading ??= loadOrCreate(db, keys, now()).catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
}

async function loadOrCreate(db: Kysely<Database>, keys: DataKeys, now: number): Promise<KeyObject> {
  // A fresh pair costs microseconds; the store keeps whichever replica's pair arrived first.
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const stored = await storeSigningKeyOnce(db, {
    name: STORED_KEY_NAME,
    privateKeySealed: keys.seal(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    now,
  });
  // Never replaced silently when no data key opens it: the sellers' software trusts the public key of the stored one.
  const pem = keys.open(stored.private_key_sealed, 'the stored License signing key');
  return ed25519PrivateKey(pem, 'the stored License signing key');
}
