import type { Kysely } from 'kysely';
import { type KgkitHandlers, kgkitResult as result } from '../../generated/kgkit/server.js';
import { licenseUploadStatus } from '../license-uploads/license-uploads.js';
import { orderLookupStatus } from '../orders/lookup-status.js';
import type { Database } from '../store/schema.js';

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? {} : { at: new Date(ms).toISOString() });
const optional = <K extends string>(key: K, value: string | null | undefined): Partial<Record<K, string>> =>
  value === null || value === undefined ? {} : ({ [key]: value } as Record<K, string>);

/** What kgkit looks up and uploads to the marketplace, and its state (GET /kgkit/v1/order-lookups, …/license-uploads). */
export function statusHandlers(db: Kysely<Database>): Pick<KgkitHandlers, 'listOrderLookups' | 'listLicenseUploads'> {
  return {
    async listOrderLookups(query) {
      const { counts, items } = await orderLookupStatus(db, {
        limit: Number(query.limit ?? 100),
        ...(query.state ? { state: query.state } : {}),
        ...(query.orderId ? { orderId: query.orderId } : {}),
        ...(query.instanceId ? { instanceId: query.instanceId } : {}),
      });
      return result.listOrderLookups({
        resultCode: '000000',
        resultMsg: 'success',
        counts,
        lookups: items.map((lookup) => ({
          orderId: lookup.orderId,
          orderLineId: lookup.orderLineId,
          ...optional('instanceId', lookup.instanceId),
          reason: lookup.reason,
          state: lookup.state,
          attempts: lookup.attempts,
          ...optional('nextAttemptAt', iso(lookup.nextAttemptAt).at),
          ...optional('lastCode', lookup.lastCode),
          ...optional('lastError', lookup.lastError),
          ...optional('foundAt', iso(lookup.foundAt).at),
          ...(lookup.order ? { order: { ...lookup.order } } : {}),
        })),
      });
    },

    async listLicenseUploads(query) {
      const { counts, items } = await licenseUploadStatus(db, {
        limit: Number(query.limit ?? 100),
        ...(query.state ? { state: query.state } : {}),
        ...(query.instanceId ? { instanceId: query.instanceId } : {}),
      });
      return result.listLicenseUploads({
        resultCode: '000000',
        resultMsg: 'success',
        counts,
        uploads: items.map((upload) => ({
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
