import type { Kysely } from 'kysely';
import { type JobKey, jobLeases } from './job-leases.js';
import type { LicenseRequestRow } from './license-requests.js';
import type { Database } from './schema.js';
import type { LicenseUploadState } from './tables/licenses.js';

/** The upload of each issued License (license_requests.upload_*): a lease's key is [event_id, fingerprint_key]. */
export const licenseUploadLeases = jobLeases({
  table: 'license_requests',
  key: ['event_id', 'fingerprint_key'],
  state: 'upload_state',
  waiting: 'pending',
  nextAttemptAt: 'upload_next_at',
  leaseOwner: 'upload_lease_owner',
  leaseUntil: 'upload_lease_until',
  order: ['requested_at'],
});

/** A debug application (testFlag "1") has no marketplace event behind it: its License is never uploaded. */
export async function skipDebugUploads(db: Kysely<Database>, reason: string): Promise<void> {
  await db
    .updateTable('license_requests')
    .set({ upload_state: 'skipped', upload_error: reason })
    .where('upload_state', '=', 'pending')
    .where('test_flag', '=', 1)
    .execute();
}

interface Settled {
  owner: string;
  now: number;
}

export async function markLicensesUploaded(db: Kysely<Database>, keys: readonly JobKey[], settled: Settled & { code: string }): Promise<void> {
  await db
    .updateTable('license_requests')
    .set((eb) => ({
      upload_state: 'uploaded',
      upload_attempts: eb('upload_attempts', '+', 1),
      upload_lease_owner: null,
      upload_lease_until: null,
      upload_code: settled.code,
      upload_error: null,
      uploaded_at: settled.now,
    }))
    .where(licenseUploadLeases.heldBy(keys, settled.owner))
    .execute();
}

/** A failed upload: pending again at `nextAttemptAt`, or `rejected` when the marketplace refused it for good. */
export async function markLicenseUploadsFailed(
  db: Kysely<Database>,
  keys: readonly JobKey[],
  failure: Settled & { state: 'pending' | 'rejected'; nextAttemptAt?: number; code: string | null; error: string },
): Promise<void> {
  await db
    .updateTable('license_requests')
    .set((eb) => ({
      upload_state: failure.state,
      upload_attempts: eb('upload_attempts', '+', 1),
      ...(failure.nextAttemptAt === undefined ? {} : { upload_next_at: failure.nextAttemptAt }),
      upload_lease_owner: null,
      upload_lease_until: null,
      upload_code: failure.code,
      upload_error: failure.error.slice(0, 1024),
    }))
    .where(licenseUploadLeases.heldBy(keys, failure.owner))
    .execute();
}

/** The applications whose upload is in `state` (any when not given), of one instance when asked, newest first. */
export async function listLicenseUploadRows(
  db: Kysely<Database>,
  filter: { state?: LicenseUploadState; instanceId?: string; limit: number },
): Promise<LicenseRequestRow[]> {
  let query = db.selectFrom('license_requests').selectAll();
  if (filter.state) query = query.where('upload_state', '=', filter.state);
  if (filter.instanceId !== undefined) query = query.where('instance_id', '=', filter.instanceId);
  return query.orderBy('requested_at', 'desc').limit(filter.limit).execute();
}

export async function countLicenseUploadsByState(db: Kysely<Database>): Promise<Map<LicenseUploadState, number>> {
  const rows = await db
    .selectFrom('license_requests')
    .select(['upload_state', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('upload_state')
    .execute();
  return new Map(rows.map((row) => [row.upload_state, Number(row.n)]));
}
