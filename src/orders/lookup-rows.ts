import type { FoundOrderColumns, OrderLookupRow } from '../store/order-lookups.js';
import type { OrderDetails } from './order-details.js';

/** What a lookup found, as the provisioner and the kgkit API see it. */
export function detailsOfRow(row: OrderLookupRow): OrderDetails {
  const details: OrderDetails = {
    orderId: row.order_id,
    orderLineId: row.order_line_id,
    orderInfo: row.order_info ? (JSON.parse(row.order_info) as Record<string, unknown>) : {},
  };
  if (row.order_type !== null) details.orderType = row.order_type;
  if (row.charging_mode !== null) details.chargingMode = row.charging_mode;
  if (row.product_id !== null) details.productId = row.product_id;
  if (row.sku_code !== null) details.skuCode = row.sku_code;
  if (row.period_type !== null) details.periodType = row.period_type;
  if (row.period_number !== null) details.periodNumber = Number(row.period_number);
  if (row.expire_time !== null) details.expireTime = row.expire_time;
  if (row.customer_id !== null) details.customerId = row.customer_id;
  if (row.buyer !== null) details.buyer = JSON.parse(row.buyer) as Record<string, unknown>;
  if (row.extend_params !== null) details.extendParams = JSON.parse(row.extend_params) as unknown[];
  return details;
}

/** The columns a found lookup stores its details in. */
export function foundColumnsOf(details: OrderDetails): FoundOrderColumns {
  return {
    order_type: details.orderType ?? null,
    charging_mode: details.chargingMode ?? null,
    product_id: details.productId ?? null,
    sku_code: details.skuCode ?? null,
    period_type: details.periodType ?? null,
    period_number: details.periodNumber ?? null,
    expire_time: details.expireTime ?? null,
    customer_id: details.customerId ?? null,
    buyer: details.buyer ? JSON.stringify(details.buyer) : null,
    extend_params: details.extendParams ? JSON.stringify(details.extendParams) : null,
    order_info: JSON.stringify(details.orderInfo),
  };
}
