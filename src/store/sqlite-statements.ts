import type { Database as BetterSqlite, Statement } from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/**
 * better-sqlite3 as Kysely's SqliteDialect sees it, with each SQL text prepared once. The dialect prepares every
 * query anew, and on a small insert or lookup parsing the SQL takes about half as long as running it (bench/).
 * Kysely writes the same text for the same query shape, so a few hundred entries hold every shape; least recently
 * used ones go first (an `in (…)` list of each length is a shape of its own).
 */
export function preparedOnce(database: BetterSqlite, capacity = 500): SqliteDatabase {
  const statements = new Map<string, Statement>();
  return {
    close: () => database.close(),
    prepare(sql) {
      const cached = statements.get(sql);
      if (cached !== undefined) {
        statements.delete(sql);
        statements.set(sql, cached);
        return cached;
      }
      const statement = database.prepare(sql);
      statements.set(sql, statement);
      if (statements.size > capacity) statements.delete(statements.keys().next().value!);
      return statement;
    },
  };
}
