import { readdirSync } from 'node:fs';
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import type { Dialect } from '../config.js';

// Each file of migrations/ is one migration, named NNNN-what.ts and applied in name order at start-up. Never edit one
// that has shipped: add the next. A family adds its tables with a file of its own.
const FOLDER = new URL('./migrations/', import.meta.url);
const NAME = /^(\d{4}-[a-z0-9-]+)\.(ts|js)$/;

interface MigrationModule {
  up(db: Kysely<unknown>, dialect: Dialect): Promise<void>;
}

async function migrations(dialect: Dialect): Promise<Record<string, Migration>> {
  const found: Record<string, Migration> = {};
  for (const file of readdirSync(FOLDER).sort()) {
    const match = NAME.exec(file);
    if (!match) continue;
    const module = (await import(new URL(file, FOLDER).href)) as MigrationModule;
    found[match[1]!] = { up: (db) => module.up(db, dialect) };
  }
  return found;
}

export async function migrateToLatest(db: Kysely<unknown>, dialect: Dialect): Promise<string[]> {
  const provider: MigrationProvider = { getMigrations: () => migrations(dialect) };
  // Kysely looks for its own tables in every schema unless told which: name the one this connection works in, or a
  // kgkit schema beside it would make it skip creating them here.
  const schema = dialect === 'postgres' ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema : undefined;
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: 'kgkit_migrations',
    migrationLockTableName: 'kgkit_migrations_lock',
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    if (!error) return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    // Kysely looks for its lock table by listing the tables of every schema: one dropped meanwhile by someone else
    // sharing the database (undefined_table, invalid_schema_name) fails that listing, not the migration. Try again.
    const code = (error as { code?: unknown }).code;
    if (attempt >= 3 || (code !== '42P01' && code !== '3F000')) throw error instanceof Error ? error : new Error(String(error));
  }
}
