import type { Kysely, Selectable } from 'kysely';
import type { Database } from './schema.js';
import type { LicenseRequestsTable } from './tables/licenses.js';

export type LicenseRequestRow = Selectable<LicenseRequestsTable>;

export interface LicenseRequestRecord {
  eventId: string;
  fingerprintKey: string;
  deviceFingerprint: string | null;
  instanceId: string;
  effectiveAt: number;
  expiresAt: number | null;
  license: string;
  test: boolean;
  now: number;
}

/** getLicenseAsync applications and their Licenses, keyed on (eventId, device fingerprint) (docs/decisions.md#14). */
export class SqlLicenseRequestStore {
  constructor(private readonly db: Kysely<Database>) {}

  async find(eventId: string, fingerprintKey: string): Promise<LicenseRequestRow | undefined> {
    return this.db.selectFrom('license_requests').selectAll().where('event_id', '=', eventId).where('fingerprint_key', '=', fingerprintKey).executeTakeFirst();
  }

  /**
   * Keeps the first License recorded for the application and returns it: when two copies of one application race,
   * both answers name the same License, whichever was issued first.
   */
  async recordOnce(record: LicenseRequestRecord): Promise<LicenseRequestRow> {
    await this.db
      .insertInto('license_requests')
      .values({
        event_id: record.eventId,
        fingerprint_key: record.fingerprintKey,
        device_fingerprint: record.deviceFingerprint,
        instance_id: record.instanceId,
        effective_at: record.effectiveAt,
        expires_at: record.expiresAt,
        license: record.license,
        upload_state: 'pending',
        test_flag: record.test ? 1 : 0,
        requested_at: record.now,
      })
      .onConflict((oc) => oc.columns(['event_id', 'fingerprint_key']).doNothing())
      .execute();
    const stored = await this.find(record.eventId, record.fingerprintKey);
    if (!stored) throw new Error(`license request ${record.eventId} was not stored`);
    return stored;
  }
}
