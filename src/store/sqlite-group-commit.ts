import { setImmediate } from 'node:timers';
import type { Database as BetterSqlite, Statement } from 'better-sqlite3';
import {
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import { preparedOnce } from './sqlite-statements.js';

/** Statements SQLite refuses inside a transaction, or that must see everything committed: run between batches. */
const OUTSIDE_BATCHES = /^\s*(?:vacuum|pragma|begin|commit|end|rollback|savepoint|release|attach|detach)\b/i;

type Settle = { resolve: () => void; reject: (error: unknown) => void };

/**
 * Group commit on the one SQLite connection (docs/decisions.md#22): every statement issued while a batch is open (all
 * the writes of the calls in flight during one turn of the event loop) runs inside one transaction, committed when the
 * turn ends. A statement's promise settles only after the commit that made its effect durable, so no answer is sent on
 * a write that is not committed, nor on a read of one. Four writes per call (nonce, instance, its completion, audit row)
 * cost one commit per turn instead of four per call.
 *
 * better-sqlite3 runs statements synchronously, so a statement inside a batch cannot interleave with another. A failed
 * statement undoes only itself (SQLite's statement journal) unless SQLite had to roll the whole transaction back (an
 * I/O error, a full disk): then every statement of the batch fails with that error, since none of them was kept.
 */
class GroupCommit {
  private readonly prepare: (sql: string) => Statement;
  private open = false;
  private commitScheduled = false;
  private waiting: Settle[] = [];
  /** The Kysely transaction in progress (a savepoint inside the batch), which holds the connection until it ends. */
  private transaction: { owner: object; over: Promise<void>; end: () => void } | undefined;

  constructor(private readonly database: BetterSqlite) {
    this.prepare = preparedOnce(database).prepare as (sql: string) => Statement;
  }

  async execute<R>(user: object, sql: string, parameters: readonly unknown[]): Promise<QueryResult<R>> {
    while (this.transaction !== undefined && this.transaction.owner !== user) await this.transaction.over;
    if (OUTSIDE_BATCHES.test(sql) && this.transaction === undefined) {
      this.commitNow();
      return run<R>(this.prepare(sql), parameters);
    }
    const statement = this.prepare(sql);
    // A transaction's own statements answer at once (its commit waits for the batch's); with no batch open, a read
    // sees only committed rows.
    if (this.transaction !== undefined || (!this.open && statement.readonly)) return run<R>(statement, parameters);
    if (!this.open) this.begin();
    let result: QueryResult<R>;
    try {
      result = run<R>(statement, parameters);
    } catch (error) {
      if (!this.database.inTransaction) this.lost(error);
      throw error;
    }
    await this.committed();
    return result;
  }

  async beginTransaction(user: object): Promise<void> {
    while (this.transaction !== undefined) await this.transaction.over;
    if (!this.open) this.begin();
    this.database.exec('savepoint kgkit_transaction');
    let end = () => {};
    const over = new Promise<void>((resolve) => (end = resolve));
    this.transaction = { owner: user, over, end };
  }

  commitTransaction(): Promise<void> {
    this.database.exec('release kgkit_transaction');
    this.endTransaction();
    return this.committed();
  }

  rollbackTransaction(): void {
    this.endTransaction();
    // SQLite may already have rolled the whole batch back (then there is no savepoint left to return to).
    if (!this.database.inTransaction) {
      this.lost(new Error('SQLite rolled the transaction back'));
      return;
    }
    this.database.exec('rollback to kgkit_transaction');
    this.database.exec('release kgkit_transaction');
  }

  /** Commits what is open, before closing the connection. */
  flush(): void {
    if (this.transaction === undefined) this.commitNow();
  }

  private endTransaction(): void {
    this.transaction?.end();
    this.transaction = undefined;
  }

  private begin(): void {
    // IMMEDIATE takes the write lock now: another process holding it is waited for (busy_timeout) instead of failing
    // a read that later wants to write.
    this.database.exec('begin immediate');
    this.open = true;
    if (!this.commitScheduled) {
      this.commitScheduled = true;
      setImmediate(() => this.commitAtTurnEnd());
    }
  }

  private committed(): Promise<void> {
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private commitAtTurnEnd(): void {
    this.commitScheduled = false;
    if (this.transaction !== undefined) {
      // A Kysely transaction is awaiting something: commit once it is over.
      this.commitScheduled = true;
      setImmediate(() => this.commitAtTurnEnd());
      return;
    }
    this.commitNow();
  }

  private commitNow(): void {
    if (!this.open) return;
    const waiting = this.waiting;
    this.waiting = [];
    this.open = false;
    try {
      this.database.exec('commit');
    } catch (error) {
      if (this.database.inTransaction) this.database.exec('rollback');
      for (const settle of waiting) settle.reject(error);
      return;
    }
    for (const settle of waiting) settle.resolve();
  }

  /** SQLite rolled the batch back: nothing any statement of it did was kept. */
  private lost(error: unknown): void {
    const waiting = this.waiting;
    this.waiting = [];
    this.open = false;
    for (const settle of waiting) settle.reject(error);
  }
}

function run<R>(statement: Statement, parameters: readonly unknown[]): QueryResult<R> {
  if (statement.reader) return { rows: statement.all(parameters) as R[] };
  const { changes, lastInsertRowid } = statement.run(parameters);
  return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
}

/** Kysely's SQLite dialect on a GroupCommit connection. */
export function groupCommitDialect(database: BetterSqlite): Dialect {
  const groupCommit = new GroupCommit(database);
  return {
    createDriver: () => new GroupCommitDriver(groupCommit, database),
    createQueryCompiler: () => new SqliteQueryCompiler(),
    createAdapter: () => new SqliteAdapter(),
    createIntrospector: (db: Kysely<unknown>) => new SqliteIntrospector(db),
  };
}

/**
 * Kysely asks for a connection per query and per transaction; each gets a handle of its own on the one SQLite
 * connection, and GroupCommit keeps a transaction's statements apart from everyone else's.
 */
class GroupCommitDriver implements Driver {
  constructor(
    private readonly groupCommit: GroupCommit,
    private readonly database: BetterSqlite,
  ) {}

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection: DatabaseConnection = {
      executeQuery: (compiled) => this.groupCommit.execute(connection, compiled.sql, compiled.parameters),
      streamQuery: () => {
        throw new Error('streaming is not supported on SQLite here');
      },
    };
    return connection;
  }

  async releaseConnection(): Promise<void> {}

  beginTransaction(connection: DatabaseConnection): Promise<void> {
    return this.groupCommit.beginTransaction(connection);
  }

  commitTransaction(): Promise<void> {
    return this.groupCommit.commitTransaction();
  }

  async rollbackTransaction(): Promise<void> {
    this.groupCommit.rollbackTransaction();
  }

  async destroy(): Promise<void> {
    this.groupCommit.flush();
    this.database.close();
  }
}
