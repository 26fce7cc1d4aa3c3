import { type Expression, type ExpressionBuilder, type Kysely, type Selectable, type SqlBool, sql } from 'kysely';
import type { Database } from './schema.js';

/** The tables whose rows are retried jobs (src/jobs/): order lookups, License uploads and usage records. */
export type JobTable = 'order_lookups' | 'license_requests' | 'usage_records';
type Column<T extends JobTable> = keyof Database[T] & string;
export type JobRow<T extends JobTable> = Selectable<Database[T]>;

/** A row's key: the values of its key columns, in their order. */
export type JobKey = readonly (string | number)[];

/** Where a table keeps the state, retry time and lease of the jobs its rows are. */
export interface JobColumns<T extends JobTable> {
  table: T;
  key: readonly [Column<T>] | readonly [Column<T>, Column<T>];
  state: Column<T>;
  /** The state of a job still to be done. */
  waiting: string;
  /** When the next attempt is due; NULL is due at once. */
  nextAttemptAt: Column<T>;
  leaseOwner: Column<T>;
  leaseUntil: Column<T>;
  /** Who goes first among the due ones. */
  order: readonly Column<T>[];
}

export interface LeaseClaim {
  now: number;
  limit: number;
  owner: string;
  leaseUntil: number;
  /** Only this row, if it is due. */
  key?: JobKey;
}

// The queries are built over the columns named in a JobColumns, which the compiler checks against the table; Kysely
// cannot type a query whose table is a type parameter, so they are written against an untyped view of the database.
type AnyBuilder = ExpressionBuilder<any, any>;
type ColumnNames = { [K in keyof JobColumns<JobTable>]: K extends 'key' | 'order' ? readonly string[] : string };
const untyped = (db: Kysely<Database>) => db as unknown as Kysely<any>;

function keyIn(eb: AnyBuilder, columns: readonly string[], keys: readonly JobKey[]): Expression<SqlBool> {
  if (columns.length === 1)
    return eb(
      columns[0]!,
      'in',
      keys.map((key) => key[0]),
    );
  // SQLite takes no list of row values after IN, only a subquery: one term per key instead.
  return eb.or(keys.map((key) => eb.and(columns.map((column, i) => eb(column, '=', key[i]!)))));
}

/**
 * The lease of a table's jobs. A claim is one guarded UPDATE: the rows it picks are leased only if they are still due and
 * free when it writes, so replicas racing for the same rows (a PostgreSQL writer waits for the other's row lock, then
 * sees the lease) each get a row only if nobody leased it in between; SQLite runs one writer at a time. Every later
 * write names the owner, so a run that lost its lease (it ran out and another run took the row) changes nothing.
 */
export function jobLeases<T extends JobTable>(columns: JobColumns<T>) {
  const { table, key, state, waiting, nextAttemptAt, leaseOwner, leaseUntil, order } = columns as unknown as ColumnNames;
  const due = (eb: AnyBuilder, now: number) =>
    eb.and([
      eb(state, '=', waiting),
      eb.or([eb(nextAttemptAt, 'is', null), eb(nextAttemptAt, '<=', now)]),
      eb.or([eb(leaseUntil, 'is', null), eb(leaseUntil, '<=', now)]),
    ]);
  const held = (eb: AnyBuilder, keys: readonly JobKey[], owner: string) => eb.and([keyIn(eb, key, keys), eb(leaseOwner, '=', owner), eb(state, '=', waiting)]);

  return {
    /** Leases up to `limit` due rows to `owner` until `leaseUntil`, first in `order` first, and answers them. */
    async claim(db: Kysely<Database>, claim: LeaseClaim): Promise<JobRow<T>[]> {
      let candidates = untyped(db)
        .selectFrom(table)
        .select([...key])
        .where((eb) => (claim.key ? eb.and([due(eb, claim.now), keyIn(eb, key, [claim.key])]) : due(eb, claim.now)))
        .limit(claim.limit);
      for (const column of order) candidates = candidates.orderBy(column);
      const picked = (eb: AnyBuilder) =>
        key.length === 1 ? eb(key[0]!, 'in', candidates) : sql<SqlBool>`(${sql.join(key.map((column) => sql.ref(column)))}) in (${candidates})`;
      const rows: Record<string, unknown>[] = await untyped(db)
        .updateTable(table)
        .set({ [leaseOwner]: claim.owner, [leaseUntil]: claim.leaseUntil })
        .where((eb) => eb.and([picked(eb), due(eb, claim.now)]))
        .returningAll()
        .execute();
      return rows.sort((a, b) => compareIn(order, a, b)) as JobRow<T>[];
    },

    /** Keeps the rows leased to `owner` until `leaseUntil` (a run that is still working on them). */
    async extend(db: Kysely<Database>, keys: readonly JobKey[], lease: { owner: string; leaseUntil: number }): Promise<void> {
      if (keys.length === 0) return;
      await untyped(db)
        .updateTable(table)
        .set({ [leaseUntil]: lease.leaseUntil })
        .where((eb) => held(eb, keys, lease.owner))
        .execute();
    },

    /** Gives rows back untried: due again at once. */
    async release(db: Kysely<Database>, keys: readonly JobKey[], lease: { owner: string }): Promise<void> {
      if (keys.length === 0) return;
      await untyped(db)
        .updateTable(table)
        .set({ [leaseOwner]: null, [leaseUntil]: null })
        .where((eb) => held(eb, keys, lease.owner))
        .execute();
    },

    /** The rows among `keys` that `owner` still holds: the filter of every write that settles an attempt. */
    heldBy(keys: readonly JobKey[], owner: string): (eb: ExpressionBuilder<Database, T>) => Expression<SqlBool> {
      return (eb) => held(eb as unknown as AnyBuilder, keys, owner);
    },
  };
}

function compareIn(columns: readonly string[], a: Record<string, unknown>, b: Record<string, unknown>): number {
  for (const column of columns) {
    const [x, y] = [a[column] as string | number, b[column] as string | number];
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
