import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { type Store, openStore } from '../../src/store/connect.js';

export interface TestStore extends Store {
  /** Drops everything this store created (its temp file, or its PostgreSQL schema). */
  dispose(): Promise<void>;
}

export type DialectName = 'sqlite' | 'postgres';

/** SQLite always; PostgreSQL too when DATABASE_URL points at one (.ci/run sets it). */
export const DIALECTS: DialectName[] = process.env.DATABASE_URL?.startsWith('postgres') ? ['sqlite', 'postgres'] : ['sqlite'];

export async function openTestStore(dialect: DialectName): Promise<TestStore> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'kgkit-test-'));
    const store = await openStore({ dialect: 'sqlite', target: join(dir, 'kgkit.sqlite') });
    return { ...store, dispose: async () => (await store.close(), rmSync(dir, { recursive: true, force: true })) };
  }
  const schema = `kgkit_test_${randomBytes(6).toString('hex')}`;
  const store = await openStore({ dialect: 'postgres', target: process.env.DATABASE_URL! }, { schema, poolSize: 20 });
  return {
    ...store,
    dispose: async () => {
      await sql`drop schema ${sql.id(schema)} cascade`.execute(store.db);
      await store.close();
    },
  };
}

/** Every row of every table, to show that a refused request changed nothing. */
export async function snapshot(store: Store): Promise<Record<string, unknown[]>> {
  const tables = ['instances', 'instance_orders', 'events', 'nonces'] as const;
  const result: Record<string, unknown[]> = {};
  for (const table of tables) result[table] = await store.db.selectFrom(table).selectAll().execute();
  return result;
}
