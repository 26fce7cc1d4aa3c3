import { type KgkitHandlers, kgkitResult as result } from '../../generated/kgkit/server.js';
import type { UsageMeter } from '../usage/meter.js';
import type { RecordAction } from '../usage/operator.js';
import type { UsageRecordStatus } from '../usage/status.js';
import { defined } from './answer-fields.js';

const recordOf = (r: UsageRecordStatus) => defined({ ...r, lastError: r.lastError?.slice(0, 1024) });

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** What a retry or a give-up did, one result per record asked. */
const actionAnswer = (results: RecordAction[]) => ({
  resultCode: '000000' as const,
  resultMsg: 'success',
  results: results.map((r) => ({
    meteringSn: r.meteringSn,
    status: r.status,
    ...(r.message ? { message: r.message.slice(0, 255) } : {}),
    ...(r.record ? { record: recordOf(r.record) } : {}),
  })),
});

/**
 * Usage metering for the seller's product (POST /kgkit/v1/usage-events, GET /kgkit/v1/usage-records), and an operator's
 * retry and give-up of records (POST /kgkit/v1/usage-records/retry, …/give-up); seal now (…/seal).
 */
export function usageHandlers(
  meter: UsageMeter,
): Pick<KgkitHandlers, 'recordUsage' | 'listUsageRecords' | 'sealUsage' | 'retryUsageRecords' | 'giveUpUsageRecords'> {
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
        records: status.records.map(recordOf),
      });
    },

    async retryUsageRecords({ meteringSns }) {
      return result.retryUsageRecords(actionAnswer(await meter.retry(meteringSns)));
    },

    async giveUpUsageRecords({ meteringSns, reason }) {
      return result.giveUpUsageRecords(actionAnswer(await meter.giveUp(meteringSns, reason)));
    },
  };
}
