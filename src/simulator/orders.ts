import { randomBytes, randomUUID } from 'node:crypto';
import type { SimOrder, SimProduct } from './model.js';

const LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';
const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** UTC `yyyyMMddHHmmss` (Query Order's createTime, expireTime). */
export function compactTime(at: number): string {
  const d = new Date(at);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
}

/** UTC `yyyyMMddHHmmssSSS` (refreshInstance expireTime, Kit timeStamp). */
export function compactTimeMs(at: number): string {
  return `${compactTime(at)}${pad(new Date(at).getUTCMilliseconds(), 3)}`;
}

/** An order ID shaped like the marketplace's (`CS2211181819B4LVS`): CS, yyMMddHHmm, five random characters. */
export function newOrderId(at: number, prefix = 'CS'): string {
  const suffix = [...randomBytes(5)].map((b) => LETTERS[b % LETTERS.length]).join('');
  return `${prefix}${compactTime(at).slice(2, 12)}${suffix}`;
}

/** The end of a period that starts at `from` (calendar months and years, UTC). */
export function periodEnd(from: number, periodType: string, periodNumber: number): number {
  const d = new Date(from);
  if (periodType === 'year') d.setUTCFullYear(d.getUTCFullYear() + periodNumber);
  else if (periodType === 'month') d.setUTCMonth(d.getUTCMonth() + periodNumber);
  else d.setUTCDate(d.getUTCDate() + periodNumber);
  return d.getTime();
}

/** The products the simulated seller sells, one per way of charging. */
export function defaultProducts(): SimProduct[] {
  const product = (n: number, name: string): SimProduct => ({ productId: `OFFI9${String(n).padStart(17, '0')}`, skuCode: randomUUID(), name, delisted: false });
  return [
    product(1, 'Pay-per-use (ON_DEMAND)'),
    product(2, 'Pay-per-use package (ON_DEMAND_PKG)'),
    product(3, 'Yearly/monthly (PERIOD)'),
    product(4, 'Yearly/monthly, larger specification (PERIOD)'),
    product(5, 'One-time (ONE_TIME)'),
    product(6, 'Online License (PERIOD)'),
  ];
}

export interface OrderRequest {
  orderType: SimOrder['orderType'];
  chargingMode: SimOrder['chargingMode'];
  product: SimProduct;
  periodType?: string;
  periodNumber?: number;
  /** Expiry of the line (periodic and package lines); computed from the period when absent. */
  expireAt?: number;
  amount?: number;
  run: string;
  /** The seller's clock: the order's createTime. */
  at: number;
}

/** A new order with one line and one product, and the orderInfo Query Order answers for it (openapi/marketplace OrderInfo). */
export function makeOrder(request: OrderRequest): SimOrder {
  const orderId = newOrderId(request.at);
  const orderLineId = `${orderId}-000001`;
  const periodic = request.periodType !== undefined && request.periodNumber !== undefined;
  const expireAt = request.expireAt ?? (periodic ? periodEnd(request.at, request.periodType!, request.periodNumber!) : undefined);
  const line: Record<string, unknown> = {
    orderLineId,
    chargingMode: request.chargingMode,
    ...(periodic ? { periodType: request.periodType, periodNumber: request.periodNumber } : {}),
    ...(expireAt !== undefined ? { expireTime: compactTime(expireAt) } : {}),
    currency: 'CNY',
    ...(request.amount !== undefined ? { orderAmount: request.amount } : {}),
    productInfo: [{ skuCode: request.product.skuCode, productId: request.product.productId, linearValue: 10 }],
  };
  const orderInfo = {
    orderId,
    orderType: request.orderType,
    createTime: compactTime(request.at),
    orderLine: [line],
    buyerInfo: {
      customerId: '5c0ffee5a1b2c3d4e5f60718293a4b5c',
      customerName: 'simulated-buyer',
      userId: '0a1b2c3d4e5f60718293a4b5c6d7e8f9',
      userName: 'buyer-admin',
      email: 'buyer@example.com',
    },
    extendParams: [{ name: 'companyName', value: 'Simulated Buyer Co., Ltd.' }],
  };
  return {
    orderId,
    orderLineId,
    orderType: request.orderType,
    chargingMode: request.chargingMode,
    productId: request.product.productId,
    skuCode: request.product.skuCode,
    ...(periodic ? { periodType: request.periodType!, periodNumber: request.periodNumber! } : {}),
    orderInfo,
    state: 'paid',
    run: request.run,
    createdAt: request.at,
  };
}
