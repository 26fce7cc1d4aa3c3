import type { Kysely } from 'kysely';
import { type OrderNotifyHandlers, orderNotifyResult as result } from '../../generated/order-notify/server.js';
import type { Database } from '../store/schema.js';
import { recordOrderNotification } from '../store/order-notifications.js';

/** Records each notification (idempotent on orderId, orderLineId) for the order's details to be fetched (license-kit-openapi.md §E). */
export function orderNotifyHandlers({ db, now }: { db: Kysely<Database>; now: () => number }): OrderNotifyHandlers {
  return {
    async orderNotify(request) {
      await recordOrderNotification(db, { orderId: request.orderId, orderLineId: request.orderLineId, test: request.testFlag === '1', now: now() });
      return result.orderNotify({ resultCode: '000000', resultMsg: 'success' });
    },
  };
}
