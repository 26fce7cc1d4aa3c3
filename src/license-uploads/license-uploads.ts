import type { Kysely } from 'kysely';
import type { JobItem, JobStore, Work } from '../jobs/job-store.js';
import { JobRunner, type JobStats } from '../jobs/runner.js';
import { type JobStatus, jobStatus } from '../jobs/status.js';
import type { Logger } from '../log.js';
import type { MarketplaceAnswer } from '../marketplace/answer.js';
import type { LicenseRequestRow } from '../store/license-requests.js';
import {
  countLicenseUploadsByState,
  licenseUploadLeases,
  listLicenseUploadRows,
  markLicenseUploadsFailed,
  markLicensesUploaded,
  skipDebugUploads,
} from '../store/license-uploads.js';
import type { Database } from '../store/schema.js';
import type { LicenseUploadState } from '../store/tables/licenses.js';

export type { LicenseUploadState };

/** Uploads one License for a getLicenseAsync event (Open API market-event upload, https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649351.html). */
export type UploadLicense = (eventId: string, license: string, signal?: AbortSignal) => Promise<MarketplaceAnswer<unknown>>;

/**
 * Codes after which a retry cannot succeed: the marketplace refused this License or this application for good
 * (https://support.huaweicloud.com/usermanual-saascenter/saascenter_usermanual_0115.html). Everything else (network, CBC.0999, 91381036 inner error, authentication and
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

interface Upload extends JobItem {
  eventId: string;
  fingerprintKey: string;
  license: string;
}

/** The upload columns of license_requests as the job runner sees them; a success keeps the marketplace's code. */
function uploadStore(db: Kysely<Database>): JobStore<Upload, string> {
  const keys = (items: readonly Upload[]) => items.map((item) => [item.eventId, item.fingerprintKey]);
  return {
    async claim({ key, ...claim }) {
      const rows = await licenseUploadLeases.claim(db, { ...claim, ...(key === undefined ? {} : { key: JSON.parse(key) as string[] }) });
      return rows.map((row) => ({
        key: JSON.stringify([row.event_id, row.fingerprint_key]),
        attempts: Number(row.upload_attempts),
        eventId: row.event_id,
        fingerprintKey: row.fingerprint_key,
        license: row.license,
      }));
    },
    extend: (items, lease) => licenseUploadLeases.extend(db, keys(items), lease),
    release: (items, holder) => licenseUploadLeases.release(db, keys(items), holder),
    succeed: (items, holder, code) => markLicensesUploaded(db, keys(items), { ...holder, code }),
    retry: (items, failure) => markLicenseUploadsFailed(db, keys(items), { ...failure, state: 'pending' }),
    giveUp: (items, failure) => markLicenseUploadsFailed(db, keys(items), { ...failure, state: 'rejected' }),
  };
}

/**
 * The upload of every License kgkit issued for getLicenseAsync: retried with backoff until the marketplace accepts it
 * (or refuses it for good), on any replica (src/jobs/: each row is claimed with a lease before it is sent).
 */
export class LicenseUploads {
  private readonly db: Kysely<Database>;
  private readonly upload: UploadLicense;
  private readonly logger: Logger;
  private readonly runner: JobRunner<Upload, string>;

  constructor({ db, upload, logger, now = Date.now, firstRetryMs = 10_000, maxRetryMs = 30 * 60_000, leaseMs = 60_000 }: LicenseUploadsOptions) {
    this.db = db;
    this.upload = upload;
    this.logger = logger;
    this.runner = new JobRunner({
      kind: 'license upload',
      store: uploadStore(db),
      backoff: { baseMs: firstRetryMs, capMs: maxRetryMs, jitter: 0 },
      leaseMs,
      maxPerRun: 20,
      logger,
      now,
    });
  }

  /** Sends pending Licenses whose retry time has come (20 at most); returns how many it tried. */
  async runDue(signal?: AbortSignal): Promise<number> {
    await skipDebugUploads(this.db, 'debug request (testFlag "1"): not uploaded');
    return (await this.runner.runDue(this.send, signal)).claimed;
  }

  start(intervalMs = 10_000): () => Promise<void> {
    return this.runner.start({
      intervalMs,
      run: (signal) => this.runDue(signal),
      onError: (error) => this.logger.error('license uploads failed', { error: (error as Error).message }),
    });
  }

  stats(): JobStats {
    return this.runner.stats();
  }

  private readonly send: Work<Upload, string> = async (batch) => {
    for (const upload of batch.items) {
      const answer = await this.upload(upload.eventId, upload.license, batch.signal);
      if (answer.ok) {
        await batch.succeeded([upload], answer.code);
        continue;
      }
      const failure = { code: answer.code, error: answer.message };
      if (FINAL_REFUSALS.has(answer.code)) {
        await batch.refused([upload], failure);
        this.logger.error('license upload refused', { eventId: upload.eventId, attempts: upload.attempts + 1, ...failure });
      } else {
        const { attempts } = await batch.failed([upload], failure);
        this.logger.warn('license upload failed; will retry', { eventId: upload.eventId, attempts, ...failure });
      }
    }
  };
}

function viewOf(row: LicenseRequestRow): LicenseUploadView {
  return {
    eventId: row.event_id,
    instanceId: row.instance_id,
    state: row.upload_state,
    attempts: Number(row.upload_attempts),
    nextAttemptAt: row.upload_state === 'pending' ? (row.upload_next_at ?? row.requested_at) : null,
    code: row.upload_code,
    error: row.upload_error,
    requestedAt: row.requested_at,
    uploadedAt: row.uploaded_at,
  };
}

export const LICENSE_UPLOAD_STATES: readonly LicenseUploadState[] = ['pending', 'uploaded', 'rejected', 'skipped'];

/**
 * Uploads per state (all of them), and those in `state` (any when not given) of `instanceId` (any when not given), newest
 * application first (kgkit API, `kgkit license-uploads`).
 */
export function licenseUploadStatus(
  db: Kysely<Database>,
  filter: { state?: LicenseUploadState; instanceId?: string; limit?: number } = {},
): Promise<JobStatus<LicenseUploadState, LicenseUploadView>> {
  return jobStatus(
    {
      states: LICENSE_UPLOAD_STATES,
      count: () => countLicenseUploadsByState(db),
      newest: async (query, limit) => (await listLicenseUploadRows(db, { ...query, limit })).map(viewOf),
    },
    filter,
  );
}
