import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * Remembers a nonce until `expiresAt`; false when it was already there (a replay).
 * One INSERT carries the decision, so two replicas receiving the same nonce cannot both accept it (DECISIONS 4).
 */
export async function rememberNonce(db: Kysely<Database>, scope: string, nonce: string, expiresAt: number): Promise<boolean> {
  const inserted = await db
    .insertInto('nonces')
    .values({ scope, nonce, expires_at: expiresAt })
    .onConflict((oc) => oc.columns(['scope', 'nonce']).doNothing())
    .executeTakeFirst();
  return Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1;
}
