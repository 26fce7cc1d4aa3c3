import type { Kysely } from 'kysely';
import type { Dialect } from '../connect.js';

/**
 * One job runner for every retried piece of work (src/jobs/): like usage records already, an order lookup and a License
 * upload now name the run that holds them, so that a run whose lease ran out and was taken over writes nothing after
 * it. Rows leased before this migration have no owner; their lease simply runs out.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('order_lookups').addColumn('lease_owner', 'text').execute();
  await db.schema.alterTable('license_requests').addColumn('upload_lease_owner', 'text').execute();
}
