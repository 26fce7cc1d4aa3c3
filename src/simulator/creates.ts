import type { SellerFamily } from '../conformance/driver.js';
import type { SimCall, SimInstance, SimOrder, SimulatorModel } from './model.js';

/** Huawei: the same orderId + orderLineId gets the same instanceId and no new instance (docs/decisions.md#14). */
export const SAME_ORDER_LINE_RULE =
  'Huawei: the same orderId + orderLineId gets the same instanceId and no new instance (https://support.huaweicloud.com/intl/en-us/accessg-marketplace/topic_0070649092.html)';

/** The create handlers, whose answer names the instance of an order line. */
export const CREATE_HANDLERS: Partial<Record<SellerFamily, string>> = { 'saas-v2': 'newInstance', 'online-license': 'newInstance', 'saas-v1': 'newInstance' };

export const isCreate = (call: Pick<SimCall, 'family' | 'handler'>) => CREATE_HANDLERS[call.family] === call.handler;

/** The order line a create names: SaaS V2.0 and online License send orderId and orderLineId, SaaS V1.0 only orderId. */
export function orderOfCreate(model: SimulatorModel, call: Pick<SimCall, 'body'>): SimOrder | undefined {
  const order = model.orders.get(String(call.body.orderId));
  if (!order) return undefined;
  const line = call.body.orderLineId;
  return line === undefined || line === order.orderLineId ? order : undefined;
}

const answerOf = (call: SimCall): Record<string, unknown> => {
  try {
    return JSON.parse(call.attempts.at(-1)?.text ?? '{}') as Record<string, unknown>;
  } catch {
    return {};
  }
};

export type CreateOutcome =
  /** The order line had no instance: this is it. */
  | { kind: 'new'; instance: SimInstance }
  /** The seller answered the instance the order line has: a resend made nothing new. */
  | { kind: 'same'; instance: SimInstance }
  /** The seller answered another instance: it is not taken (the order line keeps its instance), the call says why. */
  | { kind: 'other'; instance: SimInstance; answered: string; problem: string };

/**
 * Takes the instance a succeeded create answered into the simulator's state, reconciled to its order line: the first
 * answer makes the line's instance, a resend (the marketplace's retry, or one by hand) that names the same instance
 * changes nothing, and one that names another is a broken rule, kept on the call, never a second instance of the line.
 */
export function trackCreate(model: SimulatorModel, order: SimOrder, call: SimCall): CreateOutcome {
  const answered = String(answerOf(call).instanceId);
  const known = order.instanceId !== undefined ? model.instances.get(order.instanceId) : undefined;
  if (known && known.instanceId === answered) return { kind: 'same', instance: known };
  if (known) {
    const problem = `answered instance ${answered} for order line ${order.orderLineId}, which is instance ${known.instanceId} — ${SAME_ORDER_LINE_RULE}`;
    call.attempts.at(-1)?.problems.push(problem);
    return { kind: 'other', instance: known, answered, problem };
  }
  const line = (order.orderInfo.orderLine as { expireTime?: string }[] | undefined)?.[0];
  const instance: SimInstance = {
    instanceId: answered,
    family: call.family,
    orderId: order.orderId,
    productId: order.productId,
    chargingMode: order.chargingMode,
    state: call.attempts.at(-1)?.resultCode === '000004' ? 'provisioning' : 'running',
    createdAt: Math.floor(call.attempts[0]!.wallAt / 1000) * 1000,
    seller: 'self',
    ...(line?.expireTime ? { expireTime: line.expireTime } : {}),
  };
  model.instances.set(answered, instance);
  order.instanceId = answered;
  return { kind: 'new', instance };
}
