import { setImmediate } from 'node:timers';
import type { QueryResult } from 'kysely';
import pg from 'pg';

const groupCommits = new WeakMap<object, PostgresGroupCommit>();

/** Turns group commit on for the fixed statements run on `db` itself (not on its transactions). */
export function startGroupCommit(db: object, pool: pg.Pool, runAlone: RunAlone): void {
  groupCommits.set(db, new PostgresGroupCommit(pool, runAlone));
}

/** The group commit of `db`, when it is a PostgreSQL store opened with one. */
export function groupCommitOf(db: object): PostgresGroupCommit | undefined {
  return groupCommits.get(db);
}

/** Runs one statement the ordinary way (its own round trip and commit), with `$n` placeholders. */
export type RunAlone = <R>(sql: string, parameters: readonly unknown[]) => Promise<QueryResult<R>>;

interface Pending {
  /** The statement with `?` placeholders, and with `$n` ones for running it alone. */
  text: string;
  numbered: string;
  parameters: readonly unknown[];
  resolve: (result: QueryResult<unknown>) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit on PostgreSQL (docs/decisions.md#27): the fixed statements (src/store/fixed-sql.ts) issued during one
 * turn of the event loop, by all the calls in flight, go to the server as one message of the simple query protocol.
 * PostgreSQL runs the statements of such a message in order as one implicit transaction: one round trip and one commit
 * for the turn instead of one of each per statement. Each call has at most one statement in a turn (it awaits each),
 * and a promise settles only when the message's commit did, so no answer is sent on an uncommitted write.
 *
 * node-pg cannot pipeline parameters, so the values are written into the text as literals, escaped by node-pg. A
 * statement with a value that has no safe literal (NUL, a non-finite number, an object) runs alone. A batch the
 * server refused as a whole (one bad row, a deadlock) left nothing behind; its statements run again one by one, so
 * that only the bad one fails. A batch lost with its connection fails every statement, as a lost commit would.
 */
export class PostgresGroupCommit {
  private pending: Pending[] = [];

  constructor(
    private readonly pool: pg.Pool,
    private readonly runAlone: RunAlone,
  ) {}

  execute<R>(text: string, numbered: string, parameters: readonly unknown[]): Promise<QueryResult<R>> {
    if (!parameters.every(hasLiteral)) return this.runAlone<R>(numbered, parameters);
    return new Promise<QueryResult<unknown>>((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => void this.flush());
      this.pending.push({ text, numbered, parameters, resolve, reject });
    }) as Promise<QueryResult<R>>;
  }

  private async flush(): Promise<void> {
    let batch = this.pending;
    this.pending = [];
    if (batch.length === 1) return this.alone(batch[0]!);
    // One order for every batch, so two batches touching the same rows lock them in the same order.
    const statements = batch.map((statement) => ({ statement, sql: inlined(statement.text, statement.parameters) }));
    statements.sort((a, b) => (a.sql < b.sql ? -1 : a.sql > b.sql ? 1 : 0));
    batch = statements.map(({ statement }) => statement);
    let results: pg.QueryResult[];
    try {
      results = (await this.pool.query(statements.map(({ sql }) => sql).join(';\n'))) as unknown as pg.QueryResult[];
    } catch (error) {
      // A SQLSTATE is the server's answer: the transaction was rolled back and nothing of it kept.
      if (typeof (error as { code?: unknown }).code === 'string' && /^[0-9A-Z]{5}$/.test((error as { code: string }).code)) {
        await Promise.all(batch.map((statement) => this.alone(statement)));
      } else {
        for (const statement of batch) statement.reject(error);
      }
      return;
    }
    for (const [i, statement] of batch.entries()) statement.resolve(asKyselyResult(results[i]!));
  }

  private async alone(statement: Pending): Promise<void> {
    try {
      statement.resolve(await this.runAlone(statement.numbered, statement.parameters));
    } catch (error) {
      statement.reject(error);
    }
  }
}

function hasLiteral(value: unknown): boolean {
  if (value === null || value === undefined || typeof value === 'bigint') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value === 'string') return !value.includes('\u0000');
  return Array.isArray(value) && value.every((item) => typeof item === 'string' && !item.includes('\u0000'));
}

/** The statement with each `?` replaced by its value as a literal (no `?` appears in the fixed texts' literals). */
function inlined(text: string, parameters: readonly unknown[]): string {
  let next = 0;
  return text.replace(/\?/g, () => literal(parameters[next++]));
}

function literal(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' || typeof value === 'bigint') return `(${String(value)})`;
  if (typeof value === 'string') return pg.escapeLiteral(value);
  return `array[${(value as string[]).map((item) => pg.escapeLiteral(item)).join(', ')}]::text[]`;
}

/** What Kysely's PostgreSQL driver makes of a node-pg result. */
function asKyselyResult(result: pg.QueryResult): QueryResult<unknown> {
  const counted = ['INSERT', 'UPDATE', 'DELETE', 'MERGE'].includes(result.command);
  return { rows: result.rows ?? [], ...(counted ? { numAffectedRows: BigInt(result.rowCount ?? 0) } : {}) };
}
