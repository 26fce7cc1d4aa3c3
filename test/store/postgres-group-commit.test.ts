import { sql } from 'kysely';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { rememberNonce } from '../../src/store/nonces.js';
import { groupCommitOf } from '../../src/store/postgres-group-commit.js';
import { DIALECTS, type TestStore, openTestStore } from '../support/stores.js';

// Group commit on PostgreSQL (src/store/postgres-group-commit.ts): the fixed statements of one turn of the event loop
// go as one simple-query message, one implicit transaction. node-pg's Pool#query is what sends such a message (Kysely
// checks a client out instead), so counting its calls counts the batches.

let store: TestStore;
let observer: pg.Client;
let observing: Promise<unknown> = Promise.resolve();
/** What another connection sees committed; one query at a time on it. */
const noncesOf = (scope: string): Promise<string[]> => {
  const seen = observing.then(async () =>
    (await observer.query<{ nonce: string }>('select nonce from nonces where scope = $1 order by nonce', [scope])).rows.map((row) => row.nonce),
  );
  observing = seen.catch(() => {});
  return seen;
};

describe.skipIf(!DIALECTS.includes('postgres'))('PostgreSQL group commit', () => {
  beforeEach(async () => {
    store = await openTestStore('postgres');
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(store.db);
    observer = new pg.Client({ connectionString: process.env.DATABASE_URL, options: `-c search_path=${rows[0]!.schema}` });
    await observer.connect();
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    await observer.end();
    await store.dispose();
  });

  it('sends the statements of one turn as one message, and settles each once all of them are committed', async () => {
    const messages = vi.spyOn(pg.Pool.prototype, 'query');
    const seenAtSettle: string[][] = [];
    const writes = ['a', 'b', 'c', 'd', 'e', 'f'].map((nonce) =>
      rememberNonce(store.db, 'one-turn', nonce, 1).then(async (fresh) => {
        seenAtSettle.push(await noncesOf('one-turn'));
        return fresh;
      }),
    );
    expect(await Promise.all(writes)).toEqual([true, true, true, true, true, true]);
    expect(messages).toHaveBeenCalledTimes(1);
    for (const seen of seenAtSettle) expect(seen).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('runs the statements of a batch one after the other: the same nonce twice in one turn is accepted once', async () => {
    const answers = await Promise.all(Array.from({ length: 5 }, () => rememberNonce(store.db, 'twice', 'same', 1)));
    expect(answers.filter(Boolean)).toHaveLength(1);
    expect(await noncesOf('twice')).toEqual(['same']);
  });

  it('keeps every value exactly as a parameter would (a table of awkward values)', async () => {
    await sql`create table awkward (k integer primary key, t text, n bigint, f double precision, a text[])`.execute(store.db);
    const group = groupCommitOf(store.db)!;
    const values: [string | null, number | bigint | null, number | null, string[] | null][] = [
      ["it's", 0, 0, []],
      ["back\\slash and \\' quote", -1, -0.25, ['\\', "'"]],
      ["$1 ? ; -- /* */ '; drop table awkward; --", Number.MAX_SAFE_INTEGER, 1.5, ['$1', '?', ';']],
      ['中文 🙂 \u2028 \t\r\n', -Number.MAX_SAFE_INTEGER, 1e21, ['中文', '']],
      ['', 2n ** 62n, -1e-7, null],
      [null, null, null, ['x'.repeat(10_000)]],
      ['x'.repeat(100_000), 1_733_333_333_333, 123456.789, ['a,b', '{c}', '"d"', 'NULL']],
    ];
    const insert = 'insert into awkward (k, t, n, f, a) values (?, ?, ?, ?, ?) returning k, t, n, f, a';
    const stored = await Promise.all(values.map((row, k) => group.execute(insert, '', [k, ...row])));
    const expected = values.map(([t, n, f, a], k) => ({ k, t, n: n === null ? null : Number(n), f, a }));
    expect(stored.map((result) => result.rows[0])).toEqual(expected);
    const { rows } = await observer.query('select k, t, n, f, a from awkward order by k');
    expect(rows).toEqual(expected.map((row, k) => ({ ...row, n: values[k]![1] === null ? null : String(values[k]![1]) })));
    expect(stored.every((result) => result.numAffectedRows === 1n)).toBe(true);
  });

  it('fails only the statement the server refused; the others of its turn are committed', async () => {
    await sql`create table checked (k integer primary key, v integer check (v >= 0))`.execute(store.db);
    const group = groupCommitOf(store.db)!;
    const insert = 'insert into checked (k, v) values (?, ?)';
    const numbered = 'insert into checked (k, v) values ($1, $2)';
    const outcomes = await Promise.allSettled([1, 2, -3, 4].map((v, k) => group.execute(insert, numbered, [k, v])));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[2] as PromiseRejectedResult).reason).toMatchObject({ code: '23514' });
    expect((await observer.query('select k from checked order by k')).rows).toEqual([{ k: 0 }, { k: 1 }, { k: 3 }]);
  });

  it('runs a value that has no safe literal (NUL) alone, with the error a parameter gets', async () => {
    const messages = vi.spyOn(pg.Pool.prototype, 'query');
    const outcomes = await Promise.allSettled([
      rememberNonce(store.db, 'nul', 'fine-1', 1),
      rememberNonce(store.db, 'nul', 'bad\u0000nonce', 1),
      rememberNonce(store.db, 'nul', 'fine-2', 1),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ code: '22021' });
    expect(messages).toHaveBeenCalledTimes(1);
    expect(await noncesOf('nul')).toEqual(['fine-1', 'fine-2']);
  });

  it('leaves the statements of a transaction in that transaction', async () => {
    await expect(
      store.db.transaction().execute(async (trx) => {
        expect(await rememberNonce(trx, 'in-transaction', 'n', 1)).toBe(true);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await noncesOf('in-transaction')).toEqual([]);
  });

  it('fails every statement of a batch whose connection is gone', async () => {
    vi.spyOn(pg.Pool.prototype, 'query').mockRejectedValueOnce(new Error('Connection terminated unexpectedly'));
    const outcomes = await Promise.allSettled(['p', 'q'].map((nonce) => rememberNonce(store.db, 'lost', nonce, 1)));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    expect(await noncesOf('lost')).toEqual([]);
  });
});
