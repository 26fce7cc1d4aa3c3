import type { Kysely } from 'kysely';
import { type OrderNotifyHandlers, orderNotifyResult as result } from '../../generated/order-notify/server.js';
import type { OrderTracker } from '../mount/family.js';
import type { Logger } from '../log.js';
import type { Database } from '../store/schema.js';
import { recordOrderNotification } from '../store/order-notifications.js';

/**
 * Records each notification (idempotent on orderId, orderLineId) and asks for the order's details to be looked up in
 * the background (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0000002091799149.html): the answer does not wait for Query Order.
 */
export function orderNotifyHandlers({
  db,
  now,
  orders,
  logger,
}: {
  db: Kysely<Database>;
  now: () => number;
  orders?: OrderTracker;
  logger: Logger;
}): OrderNotifyHandlers {
  return {
    async orderNotify(request) {
      await recordOrderNotification(db, { orderId: request.orderId, orderLineId: request.orderLineId, test: request.testFlag === '1', now: now() });
      try {
        await orders?.track({ orderId: request.orderId, orderLineId: request.orderLineId, reason: 'orderNotify' });
      } catch (error) {
        // The notification is stored: the lookup starts again on the marketplace's next resend.
        logger.error('order lookup could not be stored', { orderId: request.orderId, error: (error as Error).message });
      }
      return result.orderNotify({ resultCode: '000000', resultMsg: 'success' });
    },
  };
}
