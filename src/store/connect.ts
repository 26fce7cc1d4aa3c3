import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from './migrations.js';
import { startGroupCommit } from './postgres-group-commit.js';
import { groupCommitDialect } from './sqlite-group-commit.js';
import type { Database } from './schema.js';
import { type Dialect, type StoreLocation, parseDatabaseUrl } from '../config.js';

export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** PostgreSQL only: the schema to work in (created if missing); tests use one per suite. */
  schema?: string;
  poolSize?: number;
  /**
   * PostgreSQL only: the longest wait for a connection and for one query. The server sets them so that a database that
   * hangs (frozen, unreachable) fails the call with a contract code before the marketplace's 5 s instead of hanging it;
   * tools doing bulk work leave them unset.
   */
  connectTimeoutMs?: number;
  queryTimeoutMs?: number;
  /**
   * For the commands that only read (`kgkit events`, `orders`, …): open what exists, read-only, and neither create nor
   * migrate anything, so that a mistyped location is an error instead of a new empty database (StoreNotReady).
   */
  readOnly?: boolean;
}

/** Why a read-only store did not open: no database there, one without kgkit's tables, or one older than this code. */
export class StoreNotReady extends Error {
  constructor(
    readonly reason: 'missing' | 'empty' | 'older',
    detail: string,
  ) {
    super(detail);
    this.name = 'StoreNotReady';
  }
}

export async function openStore(location: StoreLocation, options: OpenOptions = {}): Promise<Store> {
  if (options.readOnly) return openExisting(location, options);
  const store = location.dialect === 'sqlite' ? openSqlite(location.target) : openPostgres(location.target, options);
  try {
    if (options.schema !== undefined && location.dialect === 'postgres') {
      await store.db.schema.createSchema(options.schema).ifNotExists().execute();
    }
    await migrateToLatest(store.db as Kysely<unknown>, store.dialect);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

async function openExisting(location: StoreLocation, options: OpenOptions): Promise<Store> {
  if (location.dialect === 'sqlite' && !existsSync(location.target)) throw new StoreNotReady('missing', `no database at ${location.target}`);
  const store = location.dialect === 'sqlite' ? openSqlite(location.target, true) : openPostgres(location.target, options);
  try {
    const applied = await appliedMigrations(store.db as Kysely<unknown>);
    if (applied === undefined) throw new StoreNotReady('empty', 'no kgkit tables in the database');
    const newest = knownMigrations().at(-1);
    if (newest !== undefined && !applied.includes(newest)) {
      throw new StoreNotReady('older', `the database is older than this kgkit (its last migration is ${applied.at(-1) ?? 'none'}, this kgkit's ${newest})`);
    }
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/** The migrations applied to the database (migrations.ts keeps them in kgkit_migrations), or undefined without that table. */
async function appliedMigrations(db: Kysely<unknown>): Promise<string[] | undefined> {
  try {
    const { rows } = await sql<{ name: string }>`select name from kgkit_migrations order by name`.execute(db);
    return rows.map((row) => row.name);
  } catch (error) {
    const { code, message } = error as { code?: unknown; message?: string };
    if (code === '42P01' || message?.startsWith('no such table')) return undefined;
    throw error;
  }
}

/** The migrations this code has, by name (the files migrations.ts applies). */
function knownMigrations(): string[] {
  return readdirSync(new URL('./migrations/', import.meta.url))
    .map((file) => /^(\d{4}-[a-z0-9-]+)\.(ts|js)$/.exec(file)?.[1])
    .filter((name) => name !== undefined)
    .sort();
}

function openSqlite(path: string, readOnly = false): Store {
  if (readOnly) {
    const database = new SQLite(path, { readonly: true, fileMustExist: true });
    database.pragma('busy_timeout = 5000');
    const db = new Kysely<Database>({ dialect: groupCommitDialect(database) });
    return { db, dialect: 'sqlite', close: () => db.destroy() };
  }
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new SQLite(path);
  // WAL lets readers run beside the writer; busy_timeout makes a second process wait instead of failing.
  database.pragma('journal_mode = WAL');
  // better-sqlite3's build default in WAL mode, stated so that another build cannot change it silently: a commit
  // survives the process being killed; only a power cut or an OS crash can lose the last ones (sqlite.org/pragma.html).
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  // A checkpoint copies the WAL into the database file and waits for fsync, on the event loop: at SQLite's default of
  // every 1,000 pages it cost about as much as the writes of a create (bench/). Every 4,000 pages (16 MiB) instead;
  // the WAL file is cut back to 64 MiB after a checkpoint that emptied it.
  database.pragma('wal_autocheckpoint = 4000');
  database.pragma('journal_size_limit = 67108864');
  database.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: groupCommitDialect(database) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

// int8 columns (epoch ms, counters) come back from pg as strings by default; they fit a JS number.
const INT8_OID = 20;
function parseTypes(oid: number, format?: string): (value: string) => unknown {
  if (oid === INT8_OID) return Number;
  return pg.types.getTypeParser(oid, format as 'text');
}

function openPostgres(url: string, options: OpenOptions): Store {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    ...(options.connectTimeoutMs !== undefined ? { connectionTimeoutMillis: options.connectTimeoutMs } : {}),
    ...(options.queryTimeoutMs !== undefined ? { query_timeout: options.queryTimeoutMs } : {}),
    types: { getTypeParser: parseTypes } as pg.CustomTypesConfig,
    ...(options.schema !== undefined ? { options: `-c search_path=${options.schema}` } : {}),
  });
  // A client's error (e.g. the server restarting) must not crash the process: the pool handles an idle client's, but a
  // checked-out client (Kysely holds one per query or transaction) emits its own, which nobody else listens to. The
  // query in flight fails with it and the pool drops the dead client on release.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  // Queued before any query of this client: pg runs the queries of a client in order.
  if (options.readOnly) pool.on('connect', (client) => void client.query('set default_transaction_read_only = on').catch(() => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  startGroupCommit(db, pool, (text, parameters) => db.executeQuery(CompiledQuery.raw(text, [...parameters])));
  return { db, dialect: 'postgres', close: () => db.destroy() };
}

export { type Dialect, type StoreLocation, parseDatabaseUrl };
