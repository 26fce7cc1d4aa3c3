import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { fixedSql } from './fixed-sql.js';
import type { Database } from './schema.js';

/**
 * Longer nonces are kept as their SHA-256: the column is part of a btree key, which PostgreSQL limits to about 2.7 kB
 * a row. No contract gives nonces a length, and a refused insert would turn a valid call into a 000005.
 */
const MAX_KEPT_NONCE = 128;

const insertNonce = fixedSql('insert into nonces (scope, nonce, expires_at) values (?, ?, ?) on conflict (scope, nonce) do nothing');

/**
 * Remembers a nonce until `expiresAt`; false when it was already there (a replay).
 * One INSERT carries the decision, so two replicas receiving the same nonce cannot both accept it (docs/decisions.md#4).
 */
export async function rememberNonce(db: Kysely<Database>, scope: string, nonce: string, expiresAt: number): Promise<boolean> {
  const kept = nonce.length <= MAX_KEPT_NONCE ? nonce : `sha256:${createHash('sha256').update(nonce, 'utf8').digest('hex')}`;
  const inserted = await insertNonce(db, [scope, kept, expiresAt]);
  return Number(inserted.numAffectedRows ?? 0) === 1;
}
