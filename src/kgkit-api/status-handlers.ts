import type { Kysely } from 'kysely';
import { type KgkitHandlers, kgkitResult as result } from '../../generated/kgkit/server.js';
import { countLicenseUploads, listLicenseUploads } from '../online-license/license-uploads.js';
import { countOrderLookups, detailsOfRow, listOrderLookups } from '../orders/order-lookups.js';
import type { Database } from '../store/schema.js';

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? {} : { at: new Date(ms).toISOString() });
const optional = <K extends string>(key: K, value: string | null | undefined): Partial<Record<K, string>> =>
  value === null || value === undefined ? {} : ({ [key]: value } as Record<K, string>);

/** What kgkit looks up and uploads to the marketplace, and its state (GET /kgkit/v1/order-lookups, …/license-uploads). */
export function statusHandlers(db: Kysely<Database>): Pick<KgkitHandlers, 'listOrderLookups' | 'listLicenseUploads'> {
  return {
    async listOrderLookups(query) {
      const rows = await listOrderLookups(db, {
        limit: Number(query.limit ?? 100),
        ...(query.state ? { state: query.state } : {}),
        ...(query.orderId ? { orderId: query.orderId } : {}),
        ...(query.instanceId ? { instanceId: query.instanceId } : {}),
      });
      return result.listOrderLookups({
        resultCode: '000000',
        resultMsg: 'success',
        counts: await countOrderLookups(db),
        lookups: rows.map((row) => ({
          orderId: row.order_id,
          orderLineId: row.order_line_id,
          ...optional('instanceId', row.instance_id),
          reason: row.reason as 'newInstance' | 'upgradeInstance' | 'orderNotify',
          state: row.state,
          attempts: Number(row.attempts),
          ...optional('nextAttemptAt', row.state === 'pending' ? iso(row.next_attempt_at).at : undefined),
          ...optional('lastCode', row.last_code),
          ...optional('lastError', row.last_error),
          ...optional('foundAt', iso(row.found_at).at),
          ...(row.state === 'found' ? { order: { ...detailsOfRow(row) } } : {}),
        })),
      });
    },

    async listLicenseUploads(query) {
      const uploads = await listLicenseUploads(db, { limit: Number(query.limit ?? 100), ...(query.state ? { state: query.state } : {}) });
      return result.listLicenseUploads({
        resultCode: '000000',
        resultMsg: 'success',
        counts: await countLicenseUploads(db),
        uploads: uploads.map((upload) => ({
          eventId: upload.eventId,
          instanceId: upload.instanceId,
          state: upload.state,
          attempts: upload.attempts,
          ...optional('nextAttemptAt', iso(upload.nextAttemptAt).at),
          ...optional('lastCode', upload.code),
          ...optional('lastError', upload.error),
          requestedAt: new Date(upload.requestedAt).toISOString(),
          ...optional('uploadedAt', iso(upload.uploadedAt).at),
        })),
      });
    },
  };
}
