import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Store, openStore } from '../../src/store/connect.js';
import { rememberNonce } from '../../src/store/nonces.js';

// Group commit on SQLite (src/store/sqlite-group-commit.ts): the writes of one turn of the event loop share a
// transaction, and nothing settles before its commit. A second connection on the same file (another process would see
// the same) tells what is committed.

let folder: string;
let store: Store;
let observer: SQLite.Database;
const committedNonces = () => (observer.prepare('select nonce from nonces order by nonce').all() as { nonce: string }[]).map((row) => row.nonce);

beforeEach(async () => {
  folder = mkdtempSync(join(tmpdir(), 'kgkit-group-commit-'));
  store = await openStore({ dialect: 'sqlite', target: join(folder, 'kgkit.sqlite') });
  observer = new SQLite(join(folder, 'kgkit.sqlite'), { readonly: true });
});

afterEach(async () => {
  observer.close();
  await store.close();
  rmSync(folder, { recursive: true, force: true });
});

describe('SQLite group commit', () => {
  it('commits the writes of one turn together, and settles each only once it is committed', async () => {
    const seenAtSettle: string[][] = [];
    const writes = ['a', 'b', 'c', 'd'].map((nonce) =>
      rememberNonce(store.db, 'scope', nonce, 1).then((fresh) => {
        seenAtSettle.push(committedNonces());
        return fresh;
      }),
    );
    // Issued, not yet committed: another connection sees none of them.
    expect(committedNonces()).toEqual([]);
    expect(await Promise.all(writes)).toEqual([true, true, true, true]);
    // Each settled after the one commit that holds all four.
    expect(seenAtSettle).toEqual(Array.from({ length: 4 }, () => ['a', 'b', 'c', 'd']));
  });

  it('fails only the statement that failed; the rest of its batch commits', async () => {
    const results = await Promise.allSettled([
      store.db.insertInto('nonces').values({ scope: 's', nonce: 'one', expires_at: 1 }).execute(),
      store.db.insertInto('nonces').values({ scope: 's', nonce: 'one', expires_at: 1 }).execute(),
      store.db.insertInto('nonces').values({ scope: 's', nonce: 'two', expires_at: 1 }).execute(),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(committedNonces()).toEqual(['one', 'two']);
  });

  it('a read while a batch is open waits for its commit; with none open it answers at once', async () => {
    const write = rememberNonce(store.db, 'scope', 'x', 1);
    const read = store.db
      .selectFrom('nonces')
      .select('nonce')
      .execute()
      .then((rows) => ({ rows, committed: committedNonces() }));
    expect(await read).toEqual({ rows: [{ nonce: 'x' }], committed: ['x'] });
    await write;
    expect(await store.db.selectFrom('nonces').select('nonce').execute()).toEqual([{ nonce: 'x' }]);
  });

  it('a transaction rolled back undoes only its own writes; one committed settles after the commit', async () => {
    const outside = rememberNonce(store.db, 'scope', 'outside', 1);
    const rolledBack = store.db
      .transaction()
      .execute(async (trx) => {
        await trx.insertInto('nonces').values({ scope: 's', nonce: 'undone', expires_at: 1 }).execute();
        await new Promise((resolve) => setTimeout(resolve, 5));
        throw new Error('changed my mind');
      })
      .catch((error: Error) => error.message);
    const during = rememberNonce(store.db, 'scope', 'during', 1);
    const kept = store.db.transaction().execute(async (trx) => {
      await trx.insertInto('nonces').values({ scope: 's', nonce: 'kept', expires_at: 1 }).execute();
      return 'done';
    });
    expect(await rolledBack).toBe('changed my mind');
    expect(await kept).toBe('done');
    expect(committedNonces()).toContain('kept');
    await Promise.all([outside, during]);
    expect(committedNonces()).toEqual(['during', 'kept', 'outside']);
  });

  it('runs what SQLite refuses inside a transaction (VACUUM, pragmas) between batches', async () => {
    const write = rememberNonce(store.db, 'scope', 'before-vacuum', 1);
    await sql`vacuum`.execute(store.db);
    expect(await write).toBe(true);
    expect(committedNonces()).toEqual(['before-vacuum']);
    const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(store.db);
    expect(mode.rows).toEqual([{ journal_mode: 'wal' }]);
    // Checkpoints (an fsync on the event loop) every 4,000 WAL pages, not SQLite's 1,000 (src/store/connect.ts).
    const checkpoint = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(store.db);
    expect(checkpoint.rows).toEqual([{ wal_autocheckpoint: 4000 }]);
  });
});
