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

/** Order notifications (orderNotify). */
export interface OrderTables {
  order_notifications: OrderNotificationsTable;
}
