/**
 * Prints the public key (SPKI PEM) that verifies kgkit's Licenses, for the seller to build into their software.
 *   make license-key
 * Reads the same environment as the server (src/config.ts): the key of LICENSE_SIGNING_KEY_FILE, else the one kept
 * in the database at DATABASE_URL (sealed with KGKIT_DATA_KEY), which is created now if no License was issued yet.
 */
import { loadServerConfigOrExit } from '../server/key-files.js';
import { DataKeys } from '../crypto/data-keys.js';
import { openStore } from '../store/connect.js';
import { licenseSigningKey, publicKeyPem } from '../online-license/signing-key.js';

const config = loadServerConfigOrExit();
const store = await openStore(config.database);
try {
  const key = await licenseSigningKey({ pem: config.onlineLicense.signingKeyPem, db: store.db, keys: new DataKeys(config) })();
  process.stdout.write(publicKeyPem(key));
} catch (error) {
  process.stderr.write(`kgkit: ${(error as Error).message}\n`);
  process.exitCode = 1;
} finally {
  await store.close();
}
