/**
 * What kgkit keeps of an order looked up with Query Order (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649350.html, openapi/marketplace): the line the
 * marketplace call was about, its product, period and charging mode, the buyer and the extend parameters.
 */
export interface OrderDetails {
  orderId: string;
  orderLineId: string;
  orderType?: string;
  chargingMode?: string;
  productId?: string;
  skuCode?: string;
  periodType?: string;
  periodNumber?: number;
  expireTime?: string;
  customerId?: string;
  buyer?: Record<string, unknown>;
  extendParams?: unknown[];
  /** The whole orderInfo as the marketplace answered it (fields kgkit does not model included). */
  orderInfo: Record<string, unknown>;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;

/** The details of one order line out of a Query Order answer's orderInfo; undefined when the line is not in it. */
export function orderDetailsOf(orderInfo: Json, orderLineId: string): OrderDetails | undefined {
  const lines = Array.isArray(orderInfo.orderLine) ? orderInfo.orderLine.filter(isObject) : [];
  const line = lines.find((candidate) => candidate.orderLineId === orderLineId) ?? (lines.length === 1 && orderLineId === '' ? lines[0] : undefined);
  if (!line) return undefined;
  const product = (Array.isArray(line.productInfo) ? line.productInfo.find(isObject) : isObject(line.productInfo) ? line.productInfo : undefined) as
    | Json
    | undefined;
  const buyer = isObject(orderInfo.buyerInfo) ? orderInfo.buyerInfo : undefined;
  const periodNumber = Number(line.periodNumber);
  const details: OrderDetails = { orderId: String(orderInfo.orderId ?? ''), orderLineId: String(line.orderLineId), orderInfo };
  const set = <K extends keyof OrderDetails>(key: K, value: OrderDetails[K] | undefined) => {
    if (value !== undefined) details[key] = value;
  };
  set('orderType', text(orderInfo.orderType));
  set('chargingMode', text(line.chargingMode));
  set('productId', text(product?.productId ?? line.productId));
  set('skuCode', text(product?.skuCode ?? line.skuCode));
  set('periodType', text(line.periodType));
  set('periodNumber', line.periodNumber !== undefined && Number.isInteger(periodNumber) ? periodNumber : undefined);
  set('expireTime', text(line.expireTime));
  set('customerId', text(buyer?.customerId));
  set('buyer', buyer);
  set('extendParams', Array.isArray(orderInfo.extendParams) ? orderInfo.extendParams : Array.isArray(line.extendParams) ? line.extendParams : undefined);
  return details;
}

/** The charging modes the usage push accepts records for (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649410.html: pay-per-use and its packages). */
export const PAY_PER_USE_MODES: ReadonlySet<string> = new Set(['ON_DEMAND', 'ON_DEMAND_PKG']);
