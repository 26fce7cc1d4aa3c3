import { sql } from 'kysely';
import type { Store } from '../../src/store/connect.js';

// Every row of every table the migrations made (whatever later migrations add), to show what a call changed. The
// migrations' own bookkeeping is left out.

/** Rows per table, each row as its JSON text, sorted: two snapshots are equal when nothing changed. */
export type Snapshot = Record<string, string[]>;

export interface TableChange {
  table: string;
  added: string[];
  removed: string[];
}

/** The audit trail and the nonce registry: a genuine (signed) call leaves one row in each, whatever its answer. */
export const TRACE_TABLES = ['events', 'nonces'] as const;

/**
 * What is read of the trace tables: enough to tell rows apart and to check the code recorded. The request an audit row
 * keeps can be megabytes (a Kit body), and every snapshot would read it again.
 */
const PROJECTIONS: Record<string, readonly string[]> = { events: ['id', 'family', 'activity', 'result_code'], nonces: ['scope', 'nonce'] };

export async function tablesOf(store: Store): Promise<string[]> {
  const { rows } =
    store.dialect === 'sqlite'
      ? await sql<{
          name: string;
        }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '%migration%' order by name`.execute(store.db)
      : await sql<{
          name: string;
        }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' and table_name not like '%migration%' order by table_name`.execute(
          store.db,
        );
  return rows.map((row) => row.name);
}

export async function snapshot(store: Store, tables: readonly string[]): Promise<Snapshot> {
  const result: Snapshot = {};
  if (store.dialect === 'postgres') {
    // One round trip for every table: a snapshot per call must stay cheap.
    const members = tables.map(
      (table) => sql`${sql.lit(table)}, (select coalesce(json_agg(t), '[]'::json) from (select ${columnsOf(table)} from ${sql.table(table)}) t)`,
    );
    const { rows } = await sql<{ snapshot: Record<string, unknown[]> }>`select json_build_object(${sql.join(members)}) as snapshot`.execute(store.db);
    for (const table of tables) result[table] = (rows[0]!.snapshot[table] ?? []).map((row) => JSON.stringify(row)).sort();
    return result;
  }
  for (const table of tables) {
    const { rows } = await sql<Record<string, unknown>>`select ${columnsOf(table)} from ${sql.table(table)}`.execute(store.db);
    result[table] = rows.map((row) => JSON.stringify(row)).sort();
  }
  return result;
}

const columnsOf = (table: string) => (PROJECTIONS[table] ? sql.join(PROJECTIONS[table].map((column) => sql.ref(column))) : sql`*`);

/** What changed between two snapshots, table by table (rows as multisets). */
export function changes(before: Snapshot, after: Snapshot): TableChange[] {
  const out: TableChange[] = [];
  for (const table of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const added = difference(after[table] ?? [], before[table] ?? []);
    const removed = difference(before[table] ?? [], after[table] ?? []);
    if (added.length > 0 || removed.length > 0) out.push({ table, added, removed });
  }
  return out;
}

function difference(from: readonly string[], minus: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const row of minus) counts.set(row, (counts.get(row) ?? 0) + 1);
  const out: string[] = [];
  for (const row of from) {
    const left = counts.get(row) ?? 0;
    if (left > 0) counts.set(row, left - 1);
    else out.push(row);
  }
  return out;
}
