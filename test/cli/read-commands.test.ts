import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Store, StoreNotReady, openStore } from '../../src/store/connect.js';
import { appendEvent } from '../../src/store/events.js';
import { requestOrderLookup } from '../../src/store/order-lookups.js';
import { DIALECTS } from '../support/stores.js';
import { type Finished, KGKIT, ROOT, STACK_FRAME, errorLines, inParallel, runScript } from './processes.js';

// The read commands on a database the server made, SQLite and PostgreSQL: aligned tables, --json, filters; and one the
// code cannot read (older, or without kgkit's tables) refused in one line. They open it read-only.

const LONG_MESSAGE = `the seller's provisioner refused: ${'quota exceeded; '.repeat(8)}`;

interface Database {
  /** What --database gets. */
  url: string;
  store: Store;
  dispose(): Promise<void>;
}

/** A database the server's migrations made: a temporary SQLite file, or a PostgreSQL schema named in the URL. */
async function database(dialect: (typeof DIALECTS)[number]): Promise<Database> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'kgkit-cli-read-'));
    const store = await openStore({ dialect: 'sqlite', target: join(dir, 'kgkit.sqlite') });
    return { url: join(dir, 'kgkit.sqlite'), store, dispose: async () => (await store.close(), rmSync(dir, { recursive: true, force: true })) };
  }
  const schema = `kgkit_cli_${randomBytes(5).toString('hex')}`;
  const store = await openStore({ dialect: 'postgres', target: process.env.DATABASE_URL! }, { schema });
  const url = new URL(process.env.DATABASE_URL!);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    store,
    dispose: async () => {
      await sql`drop schema ${sql.id(schema)} cascade`.execute(store.db);
      await store.close();
    },
  };
}

async function seed(store: Store): Promise<void> {
  const at = Date.UTC(2026, 10, 21, 9, 5, 0);
  const call = { family: 'saas-v2', order_line_id: null, test_flag: 0, duration_ms: 12 } as const;
  await appendEvent(store.db, {
    ...call,
    received_at: at,
    activity: 'newInstance',
    order_id: 'CS-CLI-0001',
    instance_id: 'cli-inst-1',
    request: JSON.stringify({ activity: 'newInstance', orderId: 'CS-CLI-0001' }),
    result_code: '000000',
    result_msg: 'success',
  });
  await appendEvent(store.db, {
    ...call,
    received_at: at + 1_000,
    activity: 'refreshInstance',
    order_id: 'CS-CLI-0002',
    instance_id: 'cli-inst-2',
    test_flag: 1,
    request: JSON.stringify({ activity: 'refreshInstance' }),
    result_code: '000005',
    result_msg: LONG_MESSAGE,
  });
  await requestOrderLookup(store.db, { orderId: 'CS-CLI-0001', orderLineId: 'CS-CLI-0001-000001', instanceId: 'cli-inst-1', reason: 'create', now: at });
}

describe.each(DIALECTS)('the read commands on %s', (dialect) => {
  let db: Database;
  let older: Database;
  const runs: Record<string, string[]> = {
    events: ['events'],
    json: ['events', '--json'],
    instance: ['events', '--instance', 'cli-inst-1', '--json'],
    orders: ['orders', '--state', 'pending'],
    uploads: ['license-uploads'],
    usage: ['usage', 'status', '--json'],
  };
  const results: Record<string, Finished> = {};

  beforeAll(async () => {
    db = await database(dialect);
    await seed(db.store);
    // A database an older kgkit made: its newest migration not applied yet.
    older = await database(dialect);
    await sql`delete from kgkit_migrations where name = (select max(name) from kgkit_migrations)`.execute(older.store.db);
    const all: [string, string[]][] = [
      ...Object.entries(runs).map(([name, argv]) => [name, [...argv, '--database', db.url]] as [string, string[]]),
      ['older', ['orders', '--database', older.url]],
    ];
    const finished = await inParallel(all, 4, ([, argv]) => runScript(KGKIT, argv));
    for (const [i, [name]] of all.entries()) results[name] = finished[i]!;
  }, 180_000);
  afterAll(async () => {
    await db?.dispose();
    await older?.dispose();
  });

  it('events: an aligned table, newest first, long values cut with …', () => {
    const { code, out, err } = results.events!;
    expect([code, err]).toEqual([0, '']);
    const [header, newest, oldest] = out.trimEnd().split('\n');
    expect(header).toMatch(/^RECEIVED +FAMILY +ACTIVITY +INSTANCE +ORDER +TEST +CODE +MS +MESSAGE$/);
    expect(newest).toMatch(/^2026-11-21T09:05:01Z +saas-v2 +refreshInstance +cli-inst-2 +CS-CLI-0002 +test +000005 +12 +the seller's provisioner/);
    expect(oldest).toMatch(/^2026-11-21T09:05:00Z +saas-v2 +newInstance +cli-inst-1 +CS-CLI-0001 +000000 +12 +success$/);
    for (const title of ['ACTIVITY', 'INSTANCE', 'CODE']) {
      const column = header!.indexOf(title);
      expect(newest![column - 1]).toBe(' ');
      expect(oldest![column - 1]).toBe(' ');
    }
    expect(newest!.slice(header!.indexOf('MESSAGE'))).toHaveLength(60);
    expect(newest!.endsWith('…')).toBe(true);
  });

  it('events --json: one JSON document with whole values; --instance filters', () => {
    const { events } = JSON.parse(results.json!.out) as { events: Record<string, unknown>[] };
    expect(events).toMatchObject([
      { activity: 'refreshInstance', resultCode: '000005', resultMsg: LONG_MESSAGE, testFlag: true, instanceId: 'cli-inst-2' },
      { activity: 'newInstance', receivedAt: '2026-11-21T09:05:00.000Z', request: { orderId: 'CS-CLI-0001' }, testFlag: false },
    ]);
    expect((JSON.parse(results.instance!.out) as { events: { instanceId: string }[] }).events.map((e) => e.instanceId)).toEqual(['cli-inst-1']);
  });

  it('orders, license-uploads and usage status answer from the same database', () => {
    expect(results.orders!.code).toBe(0);
    expect(results.orders!.out).toMatch(/^order lookups: 1 pending, 0 found, 0 failed\nORDER +LINE +INSTANCE +STATE +TRIES/);
    expect(results.orders!.out).toMatch(/^CS-CLI-0001 +CS-CLI-0001-000001 +cli-inst-1 +pending +0 /m);
    expect(results.uploads!.out).toBe('license uploads: 0 pending, 0 uploaded, 0 rejected, 0 skipped\nno license uploads\n');
    expect(JSON.parse(results.usage!.out)).toMatchObject({ counts: { pending: 0, sent: 0 }, records: [] });
  });

  it('refuses a database older than the code in one line, and does not migrate it', async () => {
    const { code, out, err } = results.older!;
    expect(err).not.toMatch(STACK_FRAME);
    expect(errorLines(err)).toHaveLength(1);
    expect(err).toMatch(
      /^kgkit orders: the database at .+ is older than this kgkit \(its last migration is \S+, this kgkit's \S+\): start this kgkit's server once \(make serve\) to migrate it\n$/,
    );
    expect([code, out]).toEqual([2, '']);
    await expect(openStore(storeLocation(older.url), { readOnly: true })).rejects.toBeInstanceOf(StoreNotReady);
  });

  it('opens the store read-only: a write is refused', async () => {
    const store = await openStore(storeLocation(db.url), { readOnly: true });
    try {
      await expect(sql`delete from events`.execute(store.db)).rejects.toThrow(/read-?only/);
    } finally {
      await store.close();
    }
  });
});

function storeLocation(url: string) {
  return url.startsWith('postgres') ? ({ dialect: 'postgres', target: url } as const) : ({ dialect: 'sqlite', target: url } as const);
}

describe.runIf(DIALECTS.includes('postgres'))('a PostgreSQL schema without kgkit tables', () => {
  it('is refused in one line, and nothing is created in it', async () => {
    const schema = `kgkit_cli_empty_${randomBytes(5).toString('hex')}`;
    const admin = await openStore({ dialect: 'postgres', target: process.env.DATABASE_URL! });
    await sql`create schema ${sql.id(schema)}`.execute(admin.db);
    try {
      const url = new URL(process.env.DATABASE_URL!);
      url.searchParams.set('options', `-c search_path=${schema}`);
      const { code, err } = await runScript(KGKIT, ['usage', 'status'], { env: { DATABASE_URL: url.toString() } });
      expect(err).toMatch(/^kgkit usage: no kgkit tables in the database at postgres:\/\/.+: start the server once \(make serve\) or set DATABASE_URL\n$/);
      expect(code).toBe(2);
      const tables = await sql<{ n: number }>`select count(*)::int as n from information_schema.tables where table_schema = ${schema}`.execute(admin.db);
      expect(tables.rows[0]!.n).toBe(0);
    } finally {
      await sql`drop schema ${sql.id(schema)} cascade`.execute(admin.db);
      await admin.close();
    }
  });
});

describe('bin/kgkit', () => {
  it('is the same command line, and a read leaves the SQLite file as it was', async () => {
    const db = await database('sqlite');
    try {
      await seed(db.store);
      const before = statSync(db.url).mtimeMs;
      const { stdout } = await promisify(execFile)(join(ROOT, 'bin/kgkit'), ['events', '--limit', '1', '--database', db.url], { encoding: 'utf8' });
      expect(stdout).toMatch(/^RECEIVED .+\n2026-11-21T09:05:01Z +saas-v2 +refreshInstance /);
      expect(statSync(db.url).mtimeMs).toBe(before);
    } finally {
      await db.dispose();
    }
  });
});
