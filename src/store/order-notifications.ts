import type { Kysely, Selectable } from 'kysely';
import type { Database } from './schema.js';
import type { OrderNotificationsTable } from './tables/orders.js';

export type OrderNotificationRow = Selectable<OrderNotificationsTable>;

/**
 * Records an orderNotify call: the first one inserts the order line, a resend only moves `last_seen_at` and counts
 * (docs/decisions.md#14: key (orderId, orderLineId)). One statement, so concurrent resends on any replica count exactly.
 */
export async function recordOrderNotification(
  db: Kysely<Database>,
  notification: { orderId: string; orderLineId: string; test: boolean; now: number },
): Promise<void> {
  await db
    .insertInto('order_notifications')
    .values({
      order_id: notification.orderId,
      order_line_id: notification.orderLineId,
      test_flag: notification.test ? 1 : 0,
      first_seen_at: notification.now,
      last_seen_at: notification.now,
      seen_count: 1,
    })
    .onConflict((oc) =>
      oc.columns(['order_id', 'order_line_id']).doUpdateSet({
        last_seen_at: (eb) => eb.ref('excluded.last_seen_at'),
        seen_count: (eb) => eb(eb.ref('order_notifications.seen_count'), '+', 1),
      }),
    )
    .execute();
}

export async function findOrderNotification(db: Kysely<Database>, orderId: string, orderLineId: string): Promise<OrderNotificationRow | undefined> {
  return db.selectFrom('order_notifications').selectAll().where('order_id', '=', orderId).where('order_line_id', '=', orderLineId).executeTakeFirst();
}
