import { randomBytes } from 'node:crypto';
import { wallTime } from '../dispatch.js';
import { newOrderId } from '../orders.js';
import { type ScenarioContext, awaitUpload, expiryIn, log, pause, placeOrder, product, purchase, release, renewForAYear, setStatus, step } from '../steps.js';

const DAY = 86_400_000;
const YEAR = 365 * DAY;

/** `2023-10-27 10:30:15 z`: the only documented form of the getLicenseAsync times (openapi/online-license LicenseTime). */
const licenseTime = (at: number) => `${new Date(at).toISOString().slice(0, 19).replace('T', ' ')} z`;

/**
 * A License authorization code's life: the marketplace never announces a new code (the buyer's software activates it),
 * so the first call about it is a renewal; then a freeze, an unfreeze, and the release after an unsubscription.
 */
export async function licenseCode(ctx: ScenarioContext): Promise<void> {
  const codeProduct = product(ctx, 5);
  const license = newOrderId(wallTime(ctx), 'PL');
  log(ctx, `license code ${license}`);
  const renewal = placeOrder(ctx, { orderType: 'RENEW', chargingMode: 'PERIOD', product: codeProduct, periodType: 'year', periodNumber: 1, amount: 300 });
  await step(ctx, 'license-code', 'refreshLicenseCode', {
    activity: 'refreshLicenseCode',
    scene: 'RENEWAL',
    license,
    orderId: renewal.orderId,
    orderLineId: renewal.orderLineId,
    productId: codeProduct.productId,
    expireTime: expiryIn(ctx, YEAR).slice(0, 14),
  });
  renewal.state = 'completed';
  await pause(ctx);
  await step(ctx, 'license-code', 'updateLicenseCodeStatus', { activity: 'updateLicenseCodeStatus', license, status: 'FREEZE' });
  await pause(ctx);
  await step(ctx, 'license-code', 'updateLicenseCodeStatus', { activity: 'updateLicenseCodeStatus', license, status: 'UNFREEZE' });
  await pause(ctx);
  const unsubscription = placeOrder(ctx, { orderType: 'UNSUBSCRIBE', chargingMode: 'PERIOD', product: codeProduct, periodType: 'year', periodNumber: 1 });
  await step(ctx, 'license-code', 'releaseLicenseCode', {
    activity: 'releaseLicenseCode',
    license,
    orderId: unsubscription.orderId,
    orderLineId: unsubscription.orderLineId,
  });
  unsubscription.state = 'completed';
}

/** Online-open License: buy, a device asks for its License (the seller uploads it), renew, freeze, release. */
export async function onlineLicense(ctx: ScenarioContext): Promise<void> {
  const licenseProduct = product(ctx, 5);
  const instance = await purchase(ctx, 'online-license', {
    orderType: 'NEW',
    chargingMode: 'PERIOD',
    product: licenseProduct,
    periodType: 'year',
    periodNumber: 1,
    amount: 300,
  });
  await pause(ctx);
  const eventId = randomBytes(16).toString('hex');
  const now = wallTime(ctx);
  await step(ctx, 'online-license', 'getLicenseAsync', {
    activity: 'getLicenseAsync',
    eventId,
    instanceId: instance.instanceId,
    effectiveTime: licenseTime(now),
    expireTime: licenseTime(now + YEAR),
    deviceFingerprint: `00-1A-2B-3C-4D-5E|SIM${randomBytes(5).toString('hex').toUpperCase()}`,
  });
  log(ctx, `waiting for the seller to upload the License of event ${eventId}`);
  log(ctx, (await awaitUpload(ctx, eventId)) ? `License of event ${eventId} uploaded` : `no License was uploaded for event ${eventId}`);
  await pause(ctx);
  await renewForAYear(ctx, instance, licenseProduct, 300);
  await pause(ctx);
  await setStatus(ctx, instance, 'FREEZE');
  await pause(ctx);
  await release(ctx, instance);
}

/** Order notification: a paid order announced with orderNotify (the seller looks it up). */
export async function orderNotify(ctx: ScenarioContext): Promise<void> {
  const order = placeOrder(ctx, { orderType: 'NEW', chargingMode: 'PERIOD', product: product(ctx, 2), periodType: 'month', periodNumber: 1, amount: 100 });
  // testFlag is mandatory in this interface (openapi/order-notify): "0" for a real order.
  await step(ctx, 'order-notify', 'orderNotify', { activity: 'orderNotify', orderId: order.orderId, orderLineId: order.orderLineId, testFlag: '0' });
  order.state = 'completed';
}
