import type { Kysely, Selectable } from 'kysely';
import type { Database } from './schema.js';
import type { LicenseSigningKeysTable } from './tables/licenses.js';

export type LicenseSigningKeyRow = Selectable<LicenseSigningKeysTable>;

/** Stores the key unless one of that name exists, then returns the stored one: concurrent replicas end up with one key. */
export async function storeSigningKeyOnce(
  db: Kysely<Database>,
  key: { name: string; privateKeySealed: string; publicKeyPem: string; now: number },
): Promise<LicenseSigningKeyRow> {
  await db
    .insertInto('license_signing_keys')
    .values({ name: key.name, private_key_sealed: key.privateKeySealed, public_key_pem: key.publicKeyPem, created_at: key.now })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const stored = await findSigningKey(db, key.name);
  if (!stored) throw new Error(`license signing key ${key.name} was not stored`);
  return stored;
}

export async function findSigningKey(db: Kysely<Database>, name: string): Promise<LicenseSigningKeyRow | undefined> {
  return db.selectFrom('license_signing_keys').selectAll().where('name', '=', name).executeTakeFirst();
}
