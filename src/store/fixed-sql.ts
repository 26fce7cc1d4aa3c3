import { CompiledQuery, type Kysely, PostgresAdapter, type QueryResult } from 'kysely';
import { groupCommitOf } from './postgres-group-commit.js';
import type { Database } from './schema.js';

/** The store, or a transaction of it. */
type Queryable = Pick<Kysely<Database>, 'getExecutor' | 'executeQuery'>;

/** SQL text with `?` placeholders, or one text per dialect where they differ (a list of IDs, say). */
export type FixedText = string | { sqlite: string; postgres: string };

/**
 * A statement the hot path runs on every call, written once as SQL instead of built by Kysely per call (building and
 * compiling cost about as much as running a small insert on SQLite: bench/). The SQLite text is prepared once
 * (src/store/sqlite-statements.ts); PostgreSQL gets `$1…` placeholders, or joins the turn's group commit
 * (src/store/postgres-group-commit.ts) when run on the store itself. Inside a transaction, pass the transaction.
 */
export function fixedSql<R = never>(text: FixedText): (db: Queryable, parameters: readonly unknown[]) => Promise<QueryResult<R>> {
  const sqlite = typeof text === 'string' ? text : text.sqlite;
  const postgres = typeof text === 'string' ? text : text.postgres;
  const postgresNumbered = numbered(postgres);
  return (db, parameters) => {
    if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return db.executeQuery<R>(CompiledQuery.raw(sqlite, parameters as unknown[]));
    const group = groupCommitOf(db);
    if (group !== undefined) return group.execute<R>(postgres, postgresNumbered, parameters);
    return db.executeQuery<R>(CompiledQuery.raw(postgresNumbered, parameters as unknown[]));
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
