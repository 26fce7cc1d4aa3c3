import type { Kysely } from 'kysely';
import type { Logger } from '../log.js';
import { appendEvent, type EventRecord } from '../store/events.js';
import type { Database } from '../store/schema.js';

interface ObservedCall {
  activity: string | undefined;
  request: unknown;
  result: { body: unknown };
  rejected?: string;
  unknownFields?: string[];
  durationMs: number;
}

/** How many calls the audit trail could not keep since start-up (GET /healthz shows it). */
export interface AuditCounters {
  writeFailures: number;
}

/** Distinct (activity, field) pairs announced per family at most: a caller inventing names cannot flood the log. */
const MAX_ANNOUNCED = 1_000;

/**
 * Reports each call a generated mount observed: one JSON log line, and a row of the audit trail. Only calls that
 * passed the signature check get here, so the trail holds what the marketplace really asked, malformed requests
 * included, while forged ones never reach the store.
 */
export function auditObserver({
  family,
  db,
  logger,
  now,
  counters,
}: {
  family: string;
  db: Kysely<Database>;
  logger: Logger;
  now: () => number;
  counters: AuditCounters;
}) {
  const announced = new Set<string>();
  return async (call: ObservedCall): Promise<void> => {
    const record = auditRecord(family, call, now() - Math.round(call.durationMs));
    // A field the marketplace started sending is accepted (docs/decisions.md#16) and said once, not on every call.
    for (const field of call.unknownFields ?? []) {
      const key = `${record.activity}\u0000${field}`;
      if (announced.has(key) || announced.size >= MAX_ANNOUNCED) continue;
      announced.add(key);
      logger.warn('unknown request field accepted', { family, activity: record.activity, field });
    }
    logger.info('call', {
      family: record.family,
      activity: record.activity,
      orderId: record.order_id,
      orderLineId: record.order_line_id,
      instanceId: record.instance_id,
      testFlag: record.test_flag === 1,
      resultCode: record.result_code,
      durationMs: record.duration_ms,
      ...(call.rejected !== undefined ? { rejected: call.rejected } : {}),
    });
    try {
      await appendEvent(db, record);
    } catch (error) {
      // Once more with every text cut short: what the store refused may have been the size of a value.
      try {
        await appendEvent(db, salvaged(record));
        logger.warn('audit row kept shortened', { family, activity: record.activity, error: (error as Error).message });
      } catch {
        counters.writeFailures += 1;
        logger.error('audit write failed', { ...identity(record), error: (error as Error).message, auditWriteFailures: counters.writeFailures });
      }
    }
  };
}

const SALVAGED_TEXT = 200;
const SALVAGED_REQUEST = 16 * 1024;
const cut = (value: string | null, length: number) => (value === null || value.length <= length ? value : `${value.slice(0, length)}…`);

function salvaged(record: EventRecord): EventRecord {
  return {
    ...record,
    order_id: cut(record.order_id, SALVAGED_TEXT),
    order_line_id: cut(record.order_line_id, SALVAGED_TEXT),
    instance_id: cut(record.instance_id, SALVAGED_TEXT),
    request: cut(record.request, SALVAGED_REQUEST)!,
    result_code: cut(record.result_code, SALVAGED_TEXT)!,
    result_msg: cut(record.result_msg, SALVAGED_TEXT),
  };
}

/** Who made the call the trail lost, for the log line that stands in for its row. */
function identity(record: EventRecord) {
  return {
    family: record.family,
    activity: record.activity,
    receivedAt: new Date(record.received_at).toISOString(),
    orderId: cut(record.order_id, SALVAGED_TEXT),
    orderLineId: cut(record.order_line_id, SALVAGED_TEXT),
    instanceId: cut(record.instance_id, SALVAGED_TEXT),
    resultCode: cut(record.result_code, SALVAGED_TEXT),
  };
}

/** Turns what a mount observed into an event-log record: the IDs the marketplace sent, and the result code. */
function auditRecord(family: string, call: ObservedCall, receivedAt: number): EventRecord {
  const request = (typeof call.request === 'object' && call.request !== null ? call.request : {}) as Record<string, unknown>;
  const body = (call.result.body ?? {}) as Record<string, unknown>;
  // PostgreSQL text cannot hold U+0000, which a refused request may carry in any field (and its refusal names).
  const text = (value: unknown) => (typeof value === 'string' ? value.replaceAll('\u0000', '\ufffd') : null);
  return {
    received_at: receivedAt,
    family,
    activity: call.activity ?? 'unknown',
    order_id: text(request.orderId),
    order_line_id: text(request.orderLineId),
    // The instance a create made is in the answer; the others name it in the request.
    instance_id: text(request.instanceId) ?? text(body.instanceId),
    test_flag: request.testFlag === '1' || request.testFlag === 1 ? 1 : 0,
    request: JSON.stringify(request),
    result_code: text(body.resultCode) ?? 'unknown',
    result_msg: text(body.resultMsg),
    duration_ms: Math.round(call.durationMs),
  };
}
