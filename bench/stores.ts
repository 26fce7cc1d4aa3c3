import { createHash, randomBytes } from 'node:crypto';
import SQLite from 'better-sqlite3';
import pg from 'pg';

/** Where PostgreSQL is, when it answers: DATABASE_URL if it names one, else the CI database. */
export const POSTGRES_URL = process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : 'postgres://postgres@127.0.0.1:5432/test';

/** The server's version string, or undefined when PostgreSQL does not answer within 3 s. */
export async function postgresVersion(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ server_version: string }>('show server_version');
    return `PostgreSQL ${rows[0]!.server_version}`;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => {});
  }
}

/** A schema of its own, so the bench touches nothing else in the database; `drop` removes it and all it holds. */
export async function postgresSchema(): Promise<{ url: string; drop(): Promise<void> }> {
  const schema = `kgkit_bench_${randomBytes(6).toString('hex')}`;
  await onPostgres((client) => client.query(`create schema ${schema}`));
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return { url: url.toString(), drop: () => onPostgres((client) => client.query(`drop schema if exists ${schema} cascade`)).then(() => {}) };
}

async function onPostgres<T>(work: (client: pg.Client) => Promise<T>, url = POSTGRES_URL): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The id of the i-th bulk-inserted instance: a hex digest, so ids land all over the index as real ones do. */
export function storedInstanceId(index: number): string {
  return createHash('md5').update(`kgkit-bench-${index}`).digest('hex');
}

const APP_INFO = (id: string) =>
  JSON.stringify({ frontEndUrl: `https://app.example.com/t/${id}`, userName: `admin_${id.slice(0, 8)}`, password: 'Bench2Password9x' });

/**
 * Grows a kgkit store to `to` ACTIVE instances (ids `storedInstanceId(from … to-1)`) straight in SQL, beside the
 * running server, which is idle meanwhile. SQLite: 10,000 rows a transaction, then the WAL is checkpointed as the
 * server would over time; PostgreSQL: one INSERT … SELECT, then ANALYZE as autovacuum would.
 */
export async function bulkInsertInstances(store: { sqlitePath: string } | { postgresUrl: string }, from: number, to: number): Promise<void> {
  if (from >= to) return;
  const now = Date.now();
  if ('sqlitePath' in store) {
    const db = new SQLite(store.sqlitePath);
    db.pragma('busy_timeout = 5000');
    const insert = db.prepare(
      `insert into instances (instance_id, order_id, order_line_id, business_id, status, frozen, test_flag, app_info, provision_attempts, created_at, updated_at)
       values (?, ?, ?, ?, 'ACTIVE', 0, 0, ?, 1, ?, ?)`,
    );
    const batch = db.transaction((start: number, end: number) => {
      for (let i = start; i < end; i++) {
        const id = storedInstanceId(i);
        const order = `CSBULK${i.toString().padStart(9, '0')}`;
        insert.run(id, order, `${order}-000001`, id, APP_INFO(id), now, now);
      }
    });
    for (let start = from; start < to; start += 10_000) batch(start, Math.min(to, start + 10_000));
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    return;
  }
  await onPostgres(async (client) => {
    await client.query(
      `insert into instances (instance_id, order_id, order_line_id, business_id, status, frozen, test_flag, app_info, provision_attempts, created_at, updated_at)
       select md5('kgkit-bench-' || i), 'CSBULK' || lpad(i::text, 9, '0'), 'CSBULK' || lpad(i::text, 9, '0') || '-000001', md5('kgkit-bench-' || i), 'ACTIVE', 0, 0,
              json_build_object('frontEndUrl', 'https://app.example.com/t/' || md5('kgkit-bench-' || i), 'userName', 'admin_' || left(md5('kgkit-bench-' || i), 8), 'password', 'Bench2Password9x')::text,
              1, $3::bigint, $3::bigint
       from generate_series($1::int, $2::int - 1) as i`,
      [from, to, now],
    );
    await client.query('analyze instances');
  }, store.postgresUrl);
}
