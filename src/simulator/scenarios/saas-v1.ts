import { randomUUID } from 'node:crypto';
import { compactTime, periodEnd } from '../orders.js';
import { wallTime } from '../dispatch.js';
import { trackCreate } from '../creates.js';
import { StepFailed, type ScenarioContext, answerOf, log, pause, placeOrder, product, send, step } from '../steps.js';
import { retryPlanOf } from '../retry-schedule.js';

/**
 * SaaS V1.0 (deprecated, GET): the order's details travel in newInstance itself; a monthly purchase, renewal, expiry
 * and release. The driver adds `timeStamp` and `authToken`.
 */
export async function saasV1Monthly(ctx: ScenarioContext): Promise<void> {
  const monthly = product(ctx, 2);
  const order = placeOrder(ctx, { orderType: 'NEW', chargingMode: 'PERIOD', product: monthly, periodType: 'month', periodNumber: 1, amount: 100 });
  const buyer = order.orderInfo.buyerInfo as { customerId: string; customerName: string };
  order.state = 'provisioning';
  const create = await send(ctx, 'saas-v1', 'newInstance', () => ({
    activity: 'newInstance',
    customerId: buyer.customerId,
    customerName: buyer.customerName,
    businessId: randomUUID(),
    orderId: order.orderId,
    productId: monthly.productId,
    skuCode: monthly.skuCode,
    trialFlag: '0',
    chargingMode: '1',
    periodType: 'month',
    periodNumber: '1',
    orderAmount: '100',
    expireTime: compactTime(periodEnd(wallTime(ctx), 'month', 1)),
    saasExtendParams: Buffer.from(JSON.stringify(order.orderInfo.extendParams)).toString('base64'),
  }));
  if (create.state !== 'succeeded') {
    order.state = 'failed';
    order.reason = `newInstance: ${create.failure}`;
    order.unsubscribedAt = ctx.clock.now();
    log(ctx, `order ${order.orderId} failed and was unsubscribed automatically (${retryPlanOf('saas-v1', 'newInstance').summary})`);
    throw new StepFailed(`newInstance failed: ${create.failure}`);
  }
  const tracked = trackCreate(ctx.model, order, create);
  if (tracked.kind === 'other') throw new StepFailed(`newInstance ${tracked.problem}`);
  const { instance } = tracked;
  const { instanceId } = instance;
  order.state = 'completed';
  await pause(ctx);
  instance.info = (answerOf(await step(ctx, 'saas-v1', 'queryInstance', { activity: 'queryInstance', instanceId })).info as unknown[] | undefined)?.[0];
  await pause(ctx);
  const renewal = placeOrder(ctx, { orderType: 'RENEW', chargingMode: 'PERIOD', product: monthly, periodType: 'month', periodNumber: 1, amount: 100 });
  instance.expireTime = compactTime(periodEnd(wallTime(ctx), 'month', 2));
  await step(ctx, 'saas-v1', 'refreshInstance', {
    activity: 'refreshInstance',
    orderId: renewal.orderId,
    instanceId,
    productId: monthly.productId,
    expireTime: instance.expireTime,
    periodType: 'month',
    periodNumber: '1',
    orderAmount: '100',
  });
  renewal.state = 'completed';
  await pause(ctx);
  await step(ctx, 'saas-v1', 'expireInstance', { activity: 'expireInstance', instanceId, orderId: renewal.orderId });
  instance.state = 'frozen';
  await pause(ctx);
  await step(ctx, 'saas-v1', 'releaseInstance', { activity: 'releaseInstance', instanceId, orderId: renewal.orderId });
  instance.state = 'released';
  instance.releasedAt = Math.ceil(wallTime(ctx) / 1000) * 1000;
}
