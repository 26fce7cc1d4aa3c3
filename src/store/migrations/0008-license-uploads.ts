import type { Kysely } from 'kysely';
import type { Dialect } from '../../config.js';

/** License upload (src/license-uploads/license-uploads.ts): the retry state of each issued License's upload. */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .alterTable('license_requests')
    .addColumn('upload_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('license_requests').addColumn('upload_next_at', 'bigint').execute();
  await db.schema.alterTable('license_requests').addColumn('upload_lease_until', 'bigint').execute();
  await db.schema.alterTable('license_requests').addColumn('upload_code', 'text').execute();
  await db.schema.alterTable('license_requests').addColumn('upload_error', 'text').execute();
  await db.schema.alterTable('license_requests').addColumn('uploaded_at', 'bigint').execute();
}
