import { type KgkitHandlers, kgkitResult as result } from '../../generated/kgkit/server.js';
import type { UsageMeter } from '../usage/meter.js';

/** The object without its null and undefined members (the contract leaves absent what kgkit does not know). */
const defined = <T extends object>(value: T) =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)) as { [K in keyof T]: Exclude<T[K], null> };

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Usage metering for the seller's product (POST /kgkit/v1/usage-events, GET /kgkit/v1/usage-records, seal now). */
export function usageHandlers(meter: UsageMeter): Pick<KgkitHandlers, 'recordUsage' | 'listUsageRecords' | 'sealUsage'> {
  return {
    async recordUsage({ events }) {
      const results = await meter.record(
        events.map((event) => ({
          eventId: event.eventId,
          instanceId: event.instanceId,
          quantity: event.quantity,
          ...(event.occurredAt !== undefined ? { occurredAt: Date.parse(event.occurredAt) } : {}),
          ...(event.packageInstanceId !== undefined ? { packageInstanceId: event.packageInstanceId } : {}),
        })),
      );
      const refused = results.filter((r) => r.status === 'refused').length;
      return result.recordUsage({
        resultCode: '000000',
        resultMsg: refused === 0 ? 'success' : `${refused} of ${results.length} events refused; see results`,
        results: results.map((r) => ({
          eventId: r.eventId,
          status: r.status,
          resultCode: r.code,
          ...(r.message ? { resultMsg: r.message.slice(0, 255) } : {}),
        })),
      });
    },

    async sealUsage({ instanceId }) {
      const report = await meter.sealNow(instanceId !== undefined ? { instanceId } : {});
      const sent = report.delivery?.sent ?? 0;
      const pushed = report.delivery !== undefined;
      return result.sealUsage({
        resultCode: '000000',
        resultMsg: `${plural(report.sealed, 'record')} sealed, ${pushed ? `${sent} sent` : 'not pushed (USAGE_PUSH=false)'}${report.pending > 0 ? `, ${report.pending} pending` : ''}`,
        sealed: report.sealed,
        sent,
        pending: report.pending,
        pushed,
      });
    },

    async listUsageRecords(query) {
      const status = await meter.status({
        limit: Number(query.limit ?? 100),
        ...(query.state ? { state: query.state } : {}),
        ...(query.instanceId ? { instanceId: query.instanceId } : {}),
      });
      return result.listUsageRecords({
        resultCode: '000000',
        resultMsg: 'success',
        counts: status.counts,
        atRisk: status.atRisk,
        openEvents: status.openEvents,
        unbillableEvents: status.unbillableEvents,
        records: status.records.map((r) => defined({ ...r, lastError: r.lastError?.slice(0, 1024) })),
      });
    },
  };
}
