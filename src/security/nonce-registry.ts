import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { pruneNonces, rememberNonce } from '../store/nonces.js';
import type { NonceRegistry } from './signed-request-check.js';

/** Nonces in the database, so every replica refuses a replay (DECISIONS 4); expired ones are pruned in the background. */
export function sqlNonceRegistry(db: Kysely<Database>, now: () => number = Date.now): NonceRegistry & { startPruning(everyMs?: number): () => void } {
  return {
    remember: (scope, nonce, expiresAt) => rememberNonce(db, scope, nonce, expiresAt),
    startPruning(everyMs = 60_000) {
      const timer = setInterval(() => {
        pruneNonces(db, now()).catch(() => {
          // The next round tries again; a replay check never depends on pruning having run.
        });
      }, everyMs);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}
