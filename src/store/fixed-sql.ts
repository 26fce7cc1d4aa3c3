import { CompiledQuery, type Kysely, PostgresAdapter, type QueryResult } from 'kysely';
import type { Database } from './schema.js';

/** The store, or a transaction of it. */
type Queryable = Pick<Kysely<Database>, 'getExecutor' | 'executeQuery'>;

/** SQL text with `?` placeholders, or one text per dialect where they differ (a list of IDs, say). */
export type FixedText = string | { sqlite: string; postgres: string };

/**
 * A statement the hot path runs on every call, written once as SQL instead of built by Kysely per call (building and
 * compiling cost about as much as running a small insert on SQLite: bench/). The SQLite text is prepared once
 * (src/store/sqlite-statements.ts); PostgreSQL gets `$1…` placeholders. Inside a transaction, pass the transaction.
 */
export function fixedSql<R = never>(text: FixedText): (db: Queryable, parameters: readonly unknown[]) => Promise<QueryResult<R>> {
  const sqlite = typeof text === 'string' ? text : text.sqlite;
  const postgres = numbered(typeof text === 'string' ? text : text.postgres);
  return (db, parameters) => {
    const sql = db.getExecutor().adapter instanceof PostgresAdapter ? postgres : sqlite;
    return db.executeQuery<R>(CompiledQuery.raw(sql, parameters as unknown[]));
  };
}

/** `?` → `$1`, `$2`, …; no `?` may appear in a literal of these texts. */
function numbered(text: string): string {
  let next = 0;
  return text.replace(/\?/g, () => `$${++next}`);
}

/** One parameter holding a list of texts: a JSON array for SQLite's json_each, an array for PostgreSQL's any(). */
export function textList(db: Queryable, values: readonly string[]): unknown {
  return db.getExecutor().adapter instanceof PostgresAdapter ? values : JSON.stringify(values);
}
