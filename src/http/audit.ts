import type { EventRecord } from '../store/events.js';

/** Turns what a mount observed into an event-log record: the IDs the marketplace sent, and the result code. */
export function auditRecord(family: string, call: { activity: string | undefined; request: unknown; result: { body: unknown }; durationMs: number }, receivedAt: number): EventRecord {
  const request = (typeof call.request === 'object' && call.request !== null ? call.request : {}) as Record<string, unknown>;
  const body = (call.result.body ?? {}) as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  return {
    received_at: receivedAt,
    family,
    activity: call.activity ?? 'unknown',
    order_id: text(request.orderId),
    order_line_id: text(request.orderLineId),
    // The instance a create made is in the answer; the others name it in the request.
    instance_id: text(request.instanceId) ?? text(body.instanceId),
    test_flag: request.testFlag === '1' ? 1 : 0,
    request: JSON.stringify(request),
    result_code: text(body.resultCode) ?? 'unknown',
    result_msg: text(body.resultMsg),
    duration_ms: Math.round(call.durationMs),
  };
}
