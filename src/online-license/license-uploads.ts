import type { Kysely } from 'kysely';
import type { Logger } from '../log.js';
import type { MarketplaceAnswer } from '../marketplace/answer.js';
import type { Database } from '../store/schema.js';

/** Uploads one License for a getLicenseAsync event (Open API market-event upload, license-kit-openapi.md §D.3). */
export type UploadLicense = (eventId: string, license: string, signal?: AbortSignal) => Promise<MarketplaceAnswer<unknown>>;

/**
 * Codes after which a retry cannot succeed: the marketplace refused this License or this application for good
 * (license-kit-openapi.md A.12). Everything else (network, CBC.0999, 91381036 inner error, authentication and
 * permission problems the seller can fix) is retried.
 */
const FINAL_REFUSALS: ReadonlySet<string> = new Set(['CBC.0101', '91381033', '91381034', '91381035', '91381037', '91381038']);

export interface LicenseUploadsOptions {
  db: Kysely<Database>;
  upload: UploadLicense;
  logger: Logger;
  now?: () => number;
  firstRetryMs?: number;
  maxRetryMs?: number;
  leaseMs?: number;
}

export type LicenseUploadState = 'pending' | 'uploaded' | 'rejected' | 'skipped';

export interface LicenseUploadView {
  eventId: string;
  instanceId: string;
  state: LicenseUploadState;
  attempts: number;
  nextAttemptAt: number | null;
  code: string | null;
  error: string | null;
  requestedAt: number;
  uploadedAt: number | null;
}

/**
 * The upload of every License kgkit issued for getLicenseAsync: retried with backoff until the marketplace accepts it
 * (or refuses it for good), on any replica: each row is claimed with a lease before it is sent.
 */
export class LicenseUploads {
  private readonly db: Kysely<Database>;
  private readonly upload: UploadLicense;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly firstRetryMs: number;
  private readonly maxRetryMs: number;
  private readonly leaseMs: number;

  constructor({ db, upload, logger, now = Date.now, firstRetryMs = 10_000, maxRetryMs = 30 * 60_000, leaseMs = 60_000 }: LicenseUploadsOptions) {
    this.db = db;
    this.upload = upload;
    this.logger = logger;
    this.now = now;
    this.firstRetryMs = firstRetryMs;
    this.maxRetryMs = maxRetryMs;
    this.leaseMs = leaseMs;
  }

  /** Sends every pending License whose retry time has come; returns how many it tried. */
  async runDue(limit = 20): Promise<number> {
    const now = this.now();
    // A debug application (seller console, probing) has no marketplace event behind it: nothing to upload.
    await this.db.updateTable('license_requests').set({ upload_state: 'skipped', upload_error: 'debug request (testFlag "1"): not uploaded' }).where('upload_state', '=', 'pending').where('test_flag', '=', 1).execute();
    const due = await this.db
      .selectFrom('license_requests')
      .select(['event_id', 'fingerprint_key'])
      .where('upload_state', '=', 'pending')
      .where((eb) => eb.or([eb('upload_next_at', 'is', null), eb('upload_next_at', '<=', now)]))
      .where((eb) => eb.or([eb('upload_lease_until', 'is', null), eb('upload_lease_until', '<=', now)]))
      .orderBy('requested_at')
      .limit(limit)
      .execute();
    for (const row of due) await this.attempt(row.event_id, row.fingerprint_key);
    return due.length;
  }

  start(intervalMs = 10_000): () => Promise<void> {
    let running: Promise<unknown> = Promise.resolve();
    const timer = setInterval(() => {
      running = running.then(() => this.runDue()).catch((error: unknown) => this.logger.error('license uploads failed', { error: (error as Error).message }));
    }, intervalMs);
    timer.unref();
    return async () => {
      clearInterval(timer);
      await running;
    };
  }

  private async attempt(eventId: string, fingerprintKey: string): Promise<void> {
    const now = this.now();
    const claimed = await this.db
      .updateTable('license_requests')
      .set({ upload_lease_until: now + this.leaseMs })
      .where('event_id', '=', eventId)
      .where('fingerprint_key', '=', fingerprintKey)
      .where('upload_state', '=', 'pending')
      .where((eb) => eb.or([eb('upload_lease_until', 'is', null), eb('upload_lease_until', '<=', now)]))
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) return;
    const row = await this.db.selectFrom('license_requests').selectAll().where('event_id', '=', eventId).where('fingerprint_key', '=', fingerprintKey).executeTakeFirstOrThrow();
    const answer = await this.upload(eventId, row.license);
    const at = this.now();
    const attempts = Number(row.upload_attempts) + 1;
    const update = () => this.db.updateTable('license_requests').where('event_id', '=', eventId).where('fingerprint_key', '=', fingerprintKey);
    if (answer.ok) {
      await update()
        .set({ upload_state: 'uploaded', upload_attempts: attempts, upload_lease_until: null, upload_code: answer.code, upload_error: null, uploaded_at: at })
        .execute();
      return;
    }
    const final = FINAL_REFUSALS.has(answer.code);
    await update()
      .set({
        upload_state: final ? 'rejected' : 'pending',
        upload_attempts: attempts,
        upload_next_at: at + Math.min(this.maxRetryMs, this.firstRetryMs * 2 ** (attempts - 1)),
        upload_lease_until: null,
        upload_code: answer.code,
        upload_error: answer.message.slice(0, 1024),
      })
      .execute();
    this.logger[final ? 'error' : 'warn'](final ? 'license upload refused' : 'license upload failed; will retry', { eventId, attempts, code: answer.code, error: answer.message });
  }
}

/** The uploads that match a filter, newest application first (kgkit API, `kgkit license-uploads`). */
export async function listLicenseUploads(db: Kysely<Database>, filter: { state?: LicenseUploadState; limit?: number } = {}): Promise<LicenseUploadView[]> {
  let query = db.selectFrom('license_requests').selectAll();
  if (filter.state) query = query.where('upload_state', '=', filter.state);
  const rows = await query.orderBy('requested_at', 'desc').limit(filter.limit ?? 100).execute();
  return rows.map((row) => ({
    eventId: row.event_id,
    instanceId: row.instance_id,
    state: row.upload_state,
    attempts: Number(row.upload_attempts),
    nextAttemptAt: row.upload_state === 'pending' ? (row.upload_next_at ?? row.requested_at) : null,
    code: row.upload_code,
    error: row.upload_error,
    requestedAt: row.requested_at,
    uploadedAt: row.uploaded_at,
  }));
}

export async function countLicenseUploads(db: Kysely<Database>): Promise<Record<LicenseUploadState, number>> {
  const rows = await db.selectFrom('license_requests').select(['upload_state', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('upload_state').execute();
  const counts: Record<LicenseUploadState, number> = { pending: 0, uploaded: 0, rejected: 0, skipped: 0 };
  for (const row of rows) counts[row.upload_state] = Number(row.n);
  return counts;
}
