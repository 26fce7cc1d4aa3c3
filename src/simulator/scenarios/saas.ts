import {
  type ScenarioContext,
  expiryIn,
  log,
  orderCall,
  pause,
  product,
  purchase,
  query,
  release,
  renewForAYear,
  setStatus,
  step,
  StepFailed,
  unsubscribe,
} from '../steps.js';
import { awaitUsage, checkUsage, recordUsage, sealUsage } from '../usage-steps.js';
import { formatUnits, usageUnits } from '../usage-values.js';

const DAY = 86_400_000;
const MONTH = 30 * DAY;

/**
 * Pay-per-use: buy, then the usage push and its check, queryInstance shows the usage, unsubscribe. When the simulator
 * may play the seller's product (kgkit's API), it records usage and has it sealed now (docs/decisions.md#25), and the
 * records must carry exactly that usage, valid and delivered; otherwise it waits for the seller's own push.
 */
export async function payPerUse(ctx: ScenarioContext): Promise<void> {
  const instance = await purchase(ctx, 'saas-v2', { orderType: 'NEW', chargingMode: 'ON_DEMAND', product: product(ctx, 0) });
  await pause(ctx);
  await query(ctx, instance);
  let expected: bigint | undefined;
  if (ctx.product) {
    expected = await recordUsage(ctx, instance, ['12.5']);
    await pause(ctx);
    expected += await recordUsage(ctx, instance, ['7', '0.25']);
    await pause(ctx);
    await sealUsage(ctx, instance);
  } else {
    log(ctx, `waiting for the seller to push usage of ${instance.instanceId} (with --api-token the simulator records usage on kgkit's API and seals it now)`);
  }
  const records = await awaitUsage(ctx, instance, expected);
  await checkUsage(ctx, instance, records, expected);
  const info = await query(ctx, instance);
  const usage = info?.usageInfo as { usageValue: number | string; statisticalTime: string }[] | undefined;
  log(
    ctx,
    usage?.length
      ? `queryInstance shows usage ${usage.map((u) => `${u.usageValue} at ${u.statisticalTime}`).join(', ')}`
      : 'queryInstance shows no usageInfo (pay-per-use must answer it)',
  );
  const shown = usage?.reduce((sum, u) => sum + (usageUnits(u.usageValue) ?? 0n), 0n);
  if (expected !== undefined && shown !== expected)
    throw new StepFailed(`queryInstance shows usage ${shown === undefined ? 'none' : formatUnits(shown)}, the product recorded ${formatUnits(expected)}`);
  await pause(ctx);
  await unsubscribe(ctx, instance, { chargingMode: 'ON_DEMAND', product: product(ctx, 0) });
}

/** A pay-per-use package: buy, query, expiry freezes it, the retention period ends, release. */
export async function payPerUsePackage(ctx: ScenarioContext): Promise<void> {
  const instance = await purchase(ctx, 'saas-v2', {
    orderType: 'NEW',
    chargingMode: 'ON_DEMAND_PKG',
    product: product(ctx, 1),
    periodType: 'month',
    periodNumber: 1,
    amount: 500,
  });
  await pause(ctx);
  await query(ctx, instance);
  await pause(ctx);
  await setStatus(ctx, instance, 'FREEZE');
  await pause(ctx);
  await release(ctx, instance);
}

/** Yearly: buy, renew, expire (freeze), renew while frozen (unfreeze), expire again, release after the retention period. */
export async function yearly(ctx: ScenarioContext): Promise<void> {
  const yearlyProduct = product(ctx, 2);
  const instance = await purchase(ctx, 'saas-v2', {
    orderType: 'NEW',
    chargingMode: 'PERIOD',
    product: yearlyProduct,
    periodType: 'year',
    periodNumber: 1,
    amount: 1200,
  });
  await pause(ctx);
  await query(ctx, instance);
  await pause(ctx);
  const renew = () => renewForAYear(ctx, instance, yearlyProduct, 1200);
  await renew();
  await pause(ctx);
  await setStatus(ctx, instance, 'FREEZE');
  await pause(ctx);
  await renew();
  await setStatus(ctx, instance, 'UNFREEZE');
  await pause(ctx);
  await setStatus(ctx, instance, 'FREEZE');
  await pause(ctx);
  await release(ctx, instance);
}

/** Monthly: buy, the renewal-change check, upgrade to the larger specification, unsubscribe. */
export async function monthly(ctx: ScenarioContext): Promise<void> {
  const [small, large] = [product(ctx, 2), product(ctx, 3)];
  const instance = await purchase(ctx, 'saas-v2', {
    orderType: 'NEW',
    chargingMode: 'PERIOD',
    product: small,
    periodType: 'month',
    periodNumber: 1,
    amount: 100,
  });
  await pause(ctx);
  await query(ctx, instance);
  await pause(ctx);
  await step(ctx, 'saas-v2', 'changeInstanceCheck', {
    activity: 'changeInstanceCheck',
    instanceId: instance.instanceId,
    productInfo: { skuCode: large.skuCode, productId: large.productId, linearValue: '20' },
  });
  await orderCall(
    ctx,
    instance,
    { orderType: 'CHANGE', chargingMode: 'PERIOD', product: large, periodType: 'month', periodNumber: 1, amount: 250 },
    'upgradeInstance',
    (order) => ({
      activity: 'upgradeInstance',
      instanceId: instance.instanceId,
      orderId: order.orderId,
      orderLineId: order.orderLineId,
    }),
  );
  instance.productId = large.productId;
  await pause(ctx);
  await query(ctx, instance);
  await pause(ctx);
  await unsubscribe(ctx, instance, { chargingMode: 'PERIOD', product: large, periodType: 'month', periodNumber: 1 });
}

/** One-time: buy, query, release. */
export async function oneTime(ctx: ScenarioContext): Promise<void> {
  const instance = await purchase(ctx, 'saas-v2', { orderType: 'NEW', chargingMode: 'ONE_TIME', product: product(ctx, 4), amount: 99 });
  await pause(ctx);
  await query(ctx, instance);
  await pause(ctx);
  await release(ctx, instance);
}

/** Trial: a 7-day trial, converted to a monthly subscription, then unsubscribed. */
export async function trial(ctx: ScenarioContext): Promise<void> {
  const trialProduct = product(ctx, 2);
  const instance = await purchase(ctx, 'saas-v2', {
    orderType: 'TRIAL',
    chargingMode: 'PERIOD',
    product: trialProduct,
    periodType: 'day',
    periodNumber: 7,
    amount: 0,
  });
  await pause(ctx);
  await query(ctx, instance);
  await pause(ctx);
  await orderCall(
    ctx,
    instance,
    { orderType: 'TRIAL_TO_FORMAL', chargingMode: 'PERIOD', product: trialProduct, periodType: 'month', periodNumber: 1, amount: 100 },
    'refreshInstance',
    (order) => {
      instance.expireTime = expiryIn(ctx, MONTH);
      return {
        activity: 'refreshInstance',
        scene: 'TRIAL_TO_FORMAL',
        instanceId: instance.instanceId,
        orderId: order.orderId,
        orderLineId: order.orderLineId,
        productId: trialProduct.productId,
        expireTime: instance.expireTime,
      };
    },
  );
  await pause(ctx);
  await unsubscribe(ctx, instance, { chargingMode: 'PERIOD', product: trialProduct, periodType: 'month', periodNumber: 1 });
}
