import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { rememberNonce } from '../store/nonces.js';
import type { NonceRegistry } from './signed-request-check.js';

/**
 * Nonces in the database, so every replica refuses a replay (docs/decisions.md#4). The retention job (src/retention/) prunes
 * expired ones; a replay check never depends on pruning having run.
 */
export function sqlNonceRegistry(db: Kysely<Database>): NonceRegistry {
  return { remember: (scope, nonce, expiresAt) => rememberNonce(db, scope, nonce, expiresAt) };
}
