/** One row per order line KooGallery notified (orderNotify), kept for fetching the order's details (Query Order). */
export interface OrderNotificationsTable {
  order_id: string;
  order_line_id: string;
  test_flag: number;
  first_seen_at: number;
  last_seen_at: number;
  /** How many times KooGallery sent it (it resends for 3 hours until it gets 000000). */
  seen_count: number;
}

export type OrderLookupState = 'pending' | 'found' | 'failed';

/**
 * Order enrichment: one row per order line kgkit looks up with Query Order (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649350.html), keyed like the order
 * (docs/decisions.md#14). `pending` rows are retried with backoff; `failed` ones gave up and wait for the next trigger.
 */
export interface OrderLookupsTable {
  order_id: string;
  order_line_id: string;
  /** The instance the order created or changed; null for an orderNotify of an order kgkit has no instance for. */
  instance_id: string | null;
  /** What asked for it first: newInstance, upgradeInstance or orderNotify. */
  reason: string;
  state: OrderLookupState;
  attempts: number;
  next_attempt_at: number;
  /** While a replica looks it up: the run that holds the row, and until when (epoch ms). */
  lease_owner: string | null;
  lease_until: number | null;
  /** The marketplace's code of the last failed attempt (or UNREACHABLE), and what it said. */
  last_code: string | null;
  last_error: string | null;
  order_type: string | null;
  charging_mode: string | null;
  product_id: string | null;
  sku_code: string | null;
  period_type: string | null;
  period_number: number | null;
  expire_time: string | null;
  customer_id: string | null;
  /** JSON of orderInfo.buyerInfo, orderInfo.extendParams and the whole orderInfo as the marketplace answered. */
  buyer: string | null;
  extend_params: string | null;
  order_info: string | null;
  created_at: number;
  updated_at: number;
  found_at: number | null;
}

/** Order notifications (orderNotify) and order lookups (Query Order). */
export interface OrderTables {
  order_notifications: OrderNotificationsTable;
  order_lookups: OrderLookupsTable;
}
