/** Where a usage record is in its delivery to the marketplace (the records table is the outbox). */
export type UsageRecordState = 'pending' | 'sent' | 'rejected' | 'expired';

/** One usage event the seller's product recorded; the primary key is the caller's idempotency id. */
export interface UsageEventsTable {
  event_id: string;
  instance_id: string;
  /** The package instance deducted (`relate_pkg_instance`); '' for none, so that it can be part of unique keys. */
  package_instance_id: string;
  /** Exact, in 1/10000 units: quantities have at most 4 decimals (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649410.html), so sums need no floats. */
  quantity: number;
  occurred_at: number;
  /** 1 when the caller gave occurredAt; a resend without it then still matches. */
  occurred_at_given: number;
  recorded_at: number;
  /** Start of the billing window the event counts in: its own, or a later one when its own was sealed before it came. */
  window_start: number;
  /** The usage record the event was sealed into; null while its window is open. */
  metering_sn: string | null;
  /** Why a late event fits no window any more (its instance was released since); it is then never billed. */
  unbillable: string | null;
}

/** One usage record (SDR): the sealed sum of one billing window of one instance (and package). */
export interface UsageRecordsTable {
  /** Random, generated once when the window is sealed: every resend carries it, and the marketplace dedupes by it. */
  metering_sn: string;
  instance_id: string;
  package_instance_id: string;
  window_start: number;
  window_end: number;
  /** `begin_time` and `end_time`: the window clamped to the instance's life, whole seconds. */
  begin_at: number;
  end_at: number;
  /** `record_time`: when the window was sealed, whole seconds. */
  record_at: number;
  /** The exact sum of the window's events, in 1/10000 units. */
  usage: number;
  state: UsageRecordState;
  attempts: number;
  next_attempt_at: number;
  /** The delivery run that holds the record while it is being sent, and until when. */
  lease_owner: string | null;
  lease_until: number | null;
  last_code: string | null;
  last_error: string | null;
  sent_at: number | null;
  updated_at: number;
}

/**
 * The billable usage of events the retention job pruned, per instance and package: queryInstance's usageInfo is
 * cumulative, so it counts these beside the events still kept (docs/decisions.md#20).
 */
export interface UsageTotalsTable {
  instance_id: string;
  package_instance_id: string;
  /** Exact, in 1/10000 units, like usage_events.quantity. */
  units: number;
  last_occurred_at: number;
}

/** Usage metering: the events the product records, the records (SDRs) they are sealed into, and pruned events' sums. */
export interface UsageTables {
  usage_events: UsageEventsTable;
  usage_records: UsageRecordsTable;
  usage_totals: UsageTotalsTable;
}
