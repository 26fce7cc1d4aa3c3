import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.js';

/** Whether the database answers a trivial query (GET /healthz). */
export async function databaseAnswers(db: Kysely<Database>): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}
