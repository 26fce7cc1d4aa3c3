import { ConfigError, type StoreLocation, loadStoreLocation } from '../config.js';
import type { Store } from '../store/connect.js';
import { CommandError, type Io } from './command.js';

/**
 * The options and the database of the commands that read what the server keeps (events, usage status, orders,
 * license-uploads): the same names everywhere, and a database that is never created, migrated or written
 * (docs/decisions.md#24).
 *
 * The commands load the store and their domain modules only once they read: --help and a bad option answer without
 * loading the database drivers (about a second of start-up).
 */
export const READ_OPTIONS = {
  json: { type: 'boolean', help: 'print one JSON document instead of the table' },
  limit: { type: 'string', value: '<n>', help: 'list at most n rows, newest first (1 to 10000, default 100)' },
  database: {
    type: 'string',
    value: '<url>',
    help: 'the database to read: file:<path>, a SQLite file path, or postgres://… (default DATABASE_URL, else data/kgkit.sqlite)',
  },
} as const;

export const INSTANCE_OPTION = { type: 'string', value: '<id>', help: 'only what concerns this instance (instanceId)' } as const;
export const ORDER_OPTION = { type: 'string', value: '<id>', help: 'only what concerns this order (orderId)' } as const;

export const DATABASE_ENVIRONMENT: [string, string][] = [
  ['DATABASE_URL', "the server's database, read as the server reads it (file:<path> or postgres://…); --database overrides it"],
];

export const READ_EXIT_FAILURE = 'the database failed while reading';

/** A database to read, and the setting that named it (for the fix in a message). */
export interface ReadTarget {
  location: StoreLocation;
  setting: 'DATABASE_URL' | '--database';
}

/** Where the database is: --database, else DATABASE_URL (src/config.ts), else the server's default file. */
export function readTarget(database: string | undefined, env: Io['env']): ReadTarget {
  return { location: storeLocation(database, env), setting: database === undefined ? 'DATABASE_URL' : '--database' };
}

function storeLocation(database: string | undefined, env: Io['env']): StoreLocation {
  const url = database === undefined ? undefined : /^(file:|[a-z][a-z0-9+.-]*:\/\/)/i.test(database) ? database : `file:${database}`;
  try {
    return loadStoreLocation(url === undefined ? env : { DATABASE_URL: url });
  } catch (error) {
    const message = error instanceof ConfigError ? error.problems.join('; ') : (error as Error).message;
    throw new CommandError(database === undefined ? message : message.replace('DATABASE_URL', '--database'));
  }
}

/** Runs `read` on the database opened read-only; one that is missing, older or unreachable is a one-line CommandError. */
export async function withReadStore<T>({ location, setting }: ReadTarget, read: (store: Store) => Promise<T>): Promise<T> {
  const [{ openStore }, { databaseProblem }] = await Promise.all([import('../store/connect.js'), import('../server/database-problem.js')]);
  let store: Store;
  try {
    // An unreachable host fails within seconds instead of the OS's minutes.
    store = await openStore(location, { readOnly: true, connectTimeoutMs: 5_000, poolSize: 2 });
  } catch (error) {
    const { line, exitCode } = databaseProblem(location, error, setting);
    throw new CommandError(line, exitCode);
  }
  try {
    return await read(store);
  } catch (error) {
    throw new CommandError(databaseProblem(location, error, setting).line, 1);
  } finally {
    await store.close();
  }
}

/** --limit as a number (default 100). */
export function limitOf(raw: string | undefined): number {
  const limit = Number(raw ?? '100');
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new CommandError(`--limit must be an integer from 1 to 10000 (got "${raw}")`);
  return limit;
}

/** --state, when given, as one of the allowed states. */
export function stateOf<S extends string>(raw: string | undefined, allowed: readonly S[]): S | undefined {
  if (raw === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(raw)) throw new CommandError(`--state must be one of ${allowed.join(', ')} (got "${raw}")`);
  return raw as S;
}
