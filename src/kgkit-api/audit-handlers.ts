import type { Kysely } from 'kysely';
import { type KgkitHandlers, kgkitResult as result } from '../../generated/kgkit/server.js';
import { countRefusals, listAuditEvents, refusalGroups } from '../store/audit-listing.js';
import type { Database } from '../store/schema.js';
import { cut, defined, iso, page } from './answer-fields.js';

const DAY_MS = 86_400_000;
/** A request as the audit trail kept it may be as large as the body limit; its listing keeps the start. */
const REQUEST_CHARS = 16_000;

/** The audit trail of the marketplace's calls, and the refused ones by reason (GET /kgkit/v1/events, …/refusals). */
export function auditHandlers(db: Kysely<Database>, now: () => number): Pick<KgkitHandlers, 'listEvents' | 'listRefusals'> {
  return {
    async listEvents(query) {
      const { limit, offset } = page(query);
      const rows = await listAuditEvents(db, {
        limit: limit + 1,
        offset,
        ...(query.instanceId ? { instanceId: query.instanceId } : {}),
        ...(query.orderId ? { orderId: query.orderId } : {}),
        ...(query.family ? { family: query.family } : {}),
        ...(query.activity ? { activity: query.activity } : {}),
        ...(query.code ? { code: query.code } : {}),
        ...(query.outcome ? { refused: query.outcome === 'refused' } : {}),
        ...(query.reason ? { reason: query.reason } : {}),
      });
      return result.listEvents({
        resultCode: '000000',
        resultMsg: 'success',
        hasMore: rows.length > limit,
        events: rows.slice(0, limit).map((row) =>
          defined({
            id: Number(row.id),
            receivedAt: iso(Number(row.received_at)),
            family: cut(row.family, 32),
            activity: cut(row.activity, 64),
            orderId: row.order_id === null ? null : cut(row.order_id, 256),
            orderLineId: row.order_line_id === null ? null : cut(row.order_line_id, 256),
            instanceId: row.instance_id === null ? null : cut(row.instance_id, 256),
            test: row.test_flag === 1,
            code: cut(row.result_code, 256),
            reason: row.result_msg === null ? null : cut(row.result_msg, 1024),
            durationMs: Math.max(0, Number(row.duration_ms)),
            request: cut(row.request, REQUEST_CHARS),
          }),
        ),
      });
    },

    async listRefusals(query) {
      const since = now() - Number(query.days ?? 7) * DAY_MS;
      const limit = Number(query.limit ?? 100);
      const filter = { since, ...(query.family ? { family: query.family } : {}), ...(query.reason ? { reason: query.reason } : {}) };
      const [groups, refused] = await Promise.all([refusalGroups(db, { ...filter, limit: limit + 1 }), countRefusals(db, filter)]);
      return result.listRefusals({
        resultCode: '000000',
        resultMsg: 'success',
        since: iso(since),
        refused,
        hasMore: groups.length > limit,
        groups: groups.slice(0, limit).map((group) =>
          defined({
            family: cut(group.family, 32),
            activity: cut(group.activity, 64),
            code: cut(group.code, 256),
            reason: group.reason === null ? null : cut(group.reason, 1024),
            calls: group.calls,
            firstAt: iso(group.firstAt),
            lastAt: iso(group.lastAt),
          }),
        ),
      });
    },
  };
}
