import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { DataKeys } from '../crypto/data-keys.js';
import { looksSealed } from '../crypto/sealed.js';
import type { Store } from './connect.js';
import type { Database } from './schema.js';

/** A column that holds secrets sealed with the data key (src/crypto/data-keys.ts), and the key of its rows. */
interface SealedColumn {
  table: keyof Database;
  column: string;
  key: string[];
  /** Rows written before kgkit sealed the column hold the clear value; the other columns were always sealed. */
  mayBeClear: boolean;
}

/** Named after the schema's types, so that renaming a column without this list does not compile. */
function sealedColumn<T extends keyof Database>(
  table: T,
  column: keyof Database[T] & string,
  key: (keyof Database[T] & string)[],
  mayBeClear: boolean,
): SealedColumn {
  return { table, column, key, mayBeClear };
}

export const SEALED_COLUMNS: readonly SealedColumn[] = [
  sealedColumn('instances', 'app_info', ['instance_id'], true),
  sealedColumn('sso_sessions', 'refresh_token', ['id_hash'], true),
  sealedColumn('kit_applications', 'client_secret', ['instance_id', 'tenant_id', 'app_id'], false),
  sealedColumn('license_signing_keys', 'private_key_sealed', ['name'], false),
];

/** What the step found in one column: `sealed` clear values it sealed, `resealed` values it moved to the current key. */
export interface SealedColumnReport {
  column: string;
  sealed: number;
  resealed: number;
}

/** Stored secrets no data key opens; the step changed nothing. */
export class StoredSecretsError extends Error {
  constructor(readonly unopenable: { column: string; count: number; firstRow: string }[]) {
    super(
      'stored secrets cannot be opened with the data key (KGKIT_DATA_KEY, or when unset the basic access key KOOGALLERY_ACCESS_KEY ' +
        `it derives from) nor any key of KGKIT_DATA_KEY_PREVIOUS: ${unopenable.map((u) => `${u.column}: ${u.count} (first: ${u.firstRow})`).join('; ')}. ` +
        'Add the key they were sealed with to KGKIT_DATA_KEY_PREVIOUS (README "Rotating the data key")',
    );
    this.name = 'StoredSecretsError';
  }
}

type State = 'current' | 'previous' | 'clear' | 'unopenable';
type Row = { keyValues: string[]; value: string };

/**
 * The start-up step of the data key (README "Rotating the data key"): seals every clear value of a column that held them
 * before kgkit sealed it, and re-seals every value sealed under a previous key with the current one. It first reads
 * every column and refuses, changing nothing, when a value opens under no key. Each write is conditional on the value
 * it read, so replicas starting together neither lose a value nor need a lock: the first write wins, the others change
 * no row.
 */
export async function sealStoredSecrets(store: Store, keys: DataKeys, { pageRows = 500 }: { pageRows?: number } = {}): Promise<SealedColumnReport[]> {
  const unopenable: { column: string; count: number; firstRow: string }[] = [];
  const pending: SealedColumn[] = [];
  for (const column of SEALED_COLUMNS) {
    let count = 0;
    let firstRow = '';
    let changes = 0;
    for await (const row of rowsOf(store.db, column, pageRows)) {
      const state = stateOf(row.value, column, keys);
      if (state === 'unopenable') {
        if (count === 0) firstRow = rowName(column, row);
        count += 1;
      }
      if (state === 'clear' || state === 'previous') changes += 1;
    }
    if (count > 0) unopenable.push({ column: columnName(column), count, firstRow });
    if (changes > 0) pending.push(column);
  }
  if (unopenable.length > 0) throw new StoredSecretsError(unopenable);

  const reports = SEALED_COLUMNS.map((column) => ({ column: columnName(column), sealed: 0, resealed: 0 }));
  for (const column of pending) {
    const report = reports[SEALED_COLUMNS.indexOf(column)]!;
    for await (const row of rowsOf(store.db, column, pageRows)) {
      const state = stateOf(row.value, column, keys);
      if (state !== 'clear' && state !== 'previous') continue;
      const plaintext = state === 'clear' ? row.value : keys.open(row.value, rowName(column, row));
      if (await replace(store.db, column, row, keys.seal(plaintext))) report[state === 'clear' ? 'sealed' : 'resealed'] += 1;
    }
  }
  return reports;
}

/**
 * After the step changed values: on SQLite, rebuilds the file (VACUUM) and empties the WAL, so that the values it
 * replaced (clear, or sealed under the dropped key) do not linger in free pages. PostgreSQL keeps dead row versions
 * until its own VACUUM reuses them (README "Rotating the data key").
 */
export async function forgetReplacedValues(store: Store): Promise<void> {
  if (store.dialect !== 'sqlite') return;
  await sql`vacuum`.execute(store.db);
  await sql`pragma wal_checkpoint(truncate)`.execute(store.db);
}

function stateOf(value: string, column: SealedColumn, keys: DataKeys): State {
  if (!looksSealed(value)) return column.mayBeClear ? 'clear' : 'unopenable';
  const opened = keys.unseal(value);
  return opened === undefined ? 'unopenable' : opened.current ? 'current' : 'previous';
}

/** Every non-null value of the column, a page at a time in key order (keyset pagination: rows may come and go). */
async function* rowsOf(db: Kysely<Database>, column: SealedColumn, pageRows: number): AsyncGenerator<Row> {
  const keyColumns = sql.join(column.key.map((k) => sql.ref(k)));
  let after: string[] | undefined;
  for (;;) {
    const past: RawBuilder<unknown> = after === undefined ? sql`` : sql`and (${keyColumns}) > (${sql.join(after)})`;
    const { rows } = await sql<Record<string, string>>`select ${keyColumns}, ${sql.ref(column.column)} as sealed_value from ${sql.table(column.table)}
      where ${sql.ref(column.column)} is not null ${past} order by ${keyColumns} limit ${pageRows}`.execute(db);
    for (const row of rows) yield { keyValues: column.key.map((k) => String(row[k])), value: String(row.sealed_value) };
    if (rows.length < pageRows) return;
    after = column.key.map((k) => String(rows[rows.length - 1]![k]));
  }
}

/** Writes `next` unless the row changed since it was read (another replica, or a new value written meanwhile). */
async function replace(db: Kysely<Database>, column: SealedColumn, row: Row, next: string): Promise<boolean> {
  const sameRow = sql.join(
    column.key.map((k, i) => sql`${sql.ref(k)} = ${row.keyValues[i]}`),
    sql` and `,
  );
  const result = await sql`update ${sql.table(column.table)} set ${sql.ref(column.column)} = ${next}
    where ${sameRow} and ${sql.ref(column.column)} = ${row.value}`.execute(db);
  return Number(result.numAffectedRows ?? 0) === 1;
}

const columnName = (column: SealedColumn) => `${column.table}.${column.column}`;
const rowName = (column: SealedColumn, row: Row) => `${columnName(column)} of ${column.key.map((k, i) => `${k}=${row.keyValues[i]}`).join(', ')}`;
