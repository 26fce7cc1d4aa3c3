import { randomUUID } from 'node:crypto';
import type { SellerFamily } from '../conformance/driver.js';
import { type DispatchContext, dispatch, wallTime } from './dispatch.js';
import { trackCreate } from './creates.js';
import type { MarketplaceState } from './marketplace-api.js';
import type { ScenarioRun, SimCall, SimInstance, SimOrder, SimProduct } from './model.js';
import { type OrderRequest, compactTimeMs, makeOrder } from './orders.js';
import type { SellerProduct } from './product.js';
import { PROVISIONING_POLL, type RetryPlan, retryPlanOf } from './retry-schedule.js';

/** What a scenario works with: the dispatch context, its run, and the marketplace side it shares with the seller. */
export interface ScenarioContext extends DispatchContext {
  run: ScenarioRun;
  marketplace: { addOrder(orderInfo: Record<string, unknown>): void; state: MarketplaceState };
  /** Simulated time between two steps of a scenario. */
  stepGapMs: number;
  /** How long a scenario waits for the seller's usage push or License upload. */
  waitMs: number;
  /** The seller's public key for the Kit applicationSync clientSecret (RSA-OAEP); without it that sync is skipped. */
  kitPublicKeyPem?: string;
  /** The seller's product API (kgkit's), when the simulator may play the product: pay-per-use records usage and seals it. */
  product?: SellerProduct;
}

/** A step that failed for good: the scenario stops there (the marketplace would not go on either). */
export class StepFailed extends Error {}

const POLL_MS = 60_000;

export function log(ctx: ScenarioContext, text: string): void {
  ctx.run.log.push({ at: ctx.clock.now(), text });
}

export async function pause(ctx: ScenarioContext, ms = ctx.stepGapMs): Promise<void> {
  await ctx.clock.sleep(ms, ctx.signal);
  if (ctx.signal.aborted) throw new StepFailed('the simulator stopped');
}

export function product(ctx: ScenarioContext, index: number): SimProduct {
  return [...ctx.model.products.values()][index]!;
}

/** A paid order the seller's Query Order finds from now on. */
export function placeOrder(ctx: ScenarioContext, request: Omit<OrderRequest, 'run' | 'at'>): SimOrder {
  const order = makeOrder({ ...request, run: ctx.run.id, at: wallTime(ctx) });
  ctx.model.orders.set(order.orderId, order);
  ctx.marketplace.addOrder(order.orderInfo);
  log(ctx, `order ${order.orderId}: ${order.orderType} ${order.chargingMode}, ${request.product.name}`);
  return order;
}

/** Sends a call on its retry schedule and logs the outcome; the caller decides what a failure means. */
export async function send(
  ctx: ScenarioContext,
  family: SellerFamily,
  handler: string,
  body: Record<string, unknown> | ((attempt: number) => Record<string, unknown>),
  options: { success?: string[]; retry?: RetryPlan; resendOf?: number } = {},
): Promise<SimCall> {
  const call = await dispatch(ctx, { run: ctx.run.id, family, handler, body: typeof body === 'function' ? body : () => body, ...options });
  const tries = call.attempts.length;
  log(
    ctx,
    call.state === 'succeeded'
      ? `${handler}: ${call.attempts.at(-1)!.resultCode}${tries > 1 ? ` after ${tries} attempts` : ''}`
      : `${handler} failed after ${tries} attempt(s): ${call.failure}`,
  );
  return call;
}

/** A call that must succeed for the scenario to go on. */
export async function step(
  ctx: ScenarioContext,
  family: SellerFamily,
  handler: string,
  body: Record<string, unknown> | ((attempt: number) => Record<string, unknown>),
  options: { success?: string[]; retry?: RetryPlan } = {},
): Promise<SimCall> {
  const call = await send(ctx, family, handler, body, options);
  if (call.state !== 'succeeded') throw new StepFailed(`${handler} failed: ${call.failure}`);
  return call;
}

export const answerOf = (call: SimCall): Record<string, unknown> => {
  try {
    return JSON.parse(call.attempts.at(-1)?.text ?? '{}') as Record<string, unknown>;
  } catch {
    return {};
  }
};

const ceilSecond = (at: number) => Math.ceil(at / 1000) * 1000;

/** The order fails; a create or upgrade that failed for its whole schedule also gets the order unsubscribed. */
async function failOrder(ctx: ScenarioContext, order: SimOrder, call: SimCall, retry: RetryPlan): Promise<void> {
  if (retry.exhausted === 'order-failed' && retry.failOrderAfterMs !== undefined) {
    const first = call.attempts[0]?.at ?? ctx.clock.now();
    await ctx.clock.sleep(first + retry.failOrderAfterMs - ctx.clock.now(), ctx.signal);
  }
  order.state = 'failed';
  order.reason = `${call.handler}: ${call.failure ?? 'failed'}`;
  if (retry.exhausted === 'order-failed') {
    order.unsubscribedAt = ctx.clock.now();
    log(ctx, `order ${order.orderId} failed and was unsubscribed automatically (${retry.summary})`);
  }
}

/**
 * A purchase: the order is created (Query Order finds it), then newInstance on its schedule; `000004` means the
 * instance is being provisioned, and queryInstance is asked until it is ready.
 */
export async function purchase(ctx: ScenarioContext, family: 'saas-v2' | 'online-license', request: Omit<OrderRequest, 'run' | 'at'>): Promise<SimInstance> {
  const order = placeOrder(ctx, request);
  order.state = 'provisioning';
  const create = await send(
    ctx,
    family,
    'newInstance',
    () => ({ activity: 'newInstance', orderId: order.orderId, orderLineId: order.orderLineId, businessId: randomUUID() }),
    { success: ['000000', '000004'] },
  );
  if (create.state !== 'succeeded') {
    await failOrder(ctx, order, create, retryPlanOf(family, 'newInstance'));
    throw new StepFailed(`newInstance failed: ${create.failure}`);
  }
  const tracked = trackCreate(ctx.model, order, create);
  if (tracked.kind === 'other') throw new StepFailed(`newInstance ${tracked.problem}`);
  return awaitReady(ctx, order, tracked.instance);
}

/** After a create answered `000004`, queryInstance is asked until the instance is ready; then the order is completed. */
export async function awaitReady(ctx: ScenarioContext, order: SimOrder, instance: SimInstance): Promise<SimInstance> {
  const { instanceId } = instance;
  if (instance.state === 'provisioning' && instance.family === 'saas-v2') {
    const ready = await send(ctx, 'saas-v2', 'queryInstance', { activity: 'queryInstance', instanceId }, { retry: PROVISIONING_POLL });
    if (ready.state !== 'succeeded') {
      instance.state = 'failed';
      await failOrder(ctx, order, ready, PROVISIONING_POLL);
      throw new StepFailed(`instance ${instanceId} never became ready: ${ready.failure}`);
    }
    instance.info = (answerOf(ready).info as unknown[] | undefined)?.[0];
  }
  instance.state = 'running';
  order.state = 'completed';
  log(ctx, `instance ${instanceId} is running`);
  return instance;
}

/** queryInstance, as when the buyer looks at the resource (no retry); keeps what it answered. */
export async function query(ctx: ScenarioContext, instance: SimInstance): Promise<Record<string, unknown> | undefined> {
  const call = await step(ctx, 'saas-v2', 'queryInstance', { activity: 'queryInstance', instanceId: instance.instanceId });
  const info = (answerOf(call).info as Record<string, unknown>[] | undefined)?.find((entry) => entry.instanceId === instance.instanceId);
  instance.info = info;
  return info;
}

/** A follow-up order (renewal, change, unsubscription…) for an instance, called with `handler`. */
export async function orderCall(
  ctx: ScenarioContext,
  instance: SimInstance,
  request: Omit<OrderRequest, 'run' | 'at'>,
  handler: string,
  body: (order: SimOrder) => Record<string, unknown>,
): Promise<SimOrder> {
  const order = placeOrder(ctx, request);
  order.instanceId = instance.instanceId;
  const call = await send(ctx, instance.family, handler, body(order));
  if (call.state !== 'succeeded') {
    await failOrder(ctx, order, call, retryPlanOf(instance.family, handler));
    throw new StepFailed(`${handler} failed: ${call.failure}`);
  }
  order.state = 'completed';
  return order;
}

const YEAR_MS = 365 * 24 * 3_600_000;

/** A renewal by one year of a yearly instance (a RENEW order and its refreshInstance, scene RENEWAL): it then expires in two. */
export function renewForAYear(ctx: ScenarioContext, instance: SimInstance, renewed: SimProduct, amount: number): Promise<SimOrder> {
  return orderCall(
    ctx,
    instance,
    { orderType: 'RENEW', chargingMode: 'PERIOD', product: renewed, periodType: 'year', periodNumber: 1, amount },
    'refreshInstance',
    (order) => {
      instance.expireTime = expiryIn(ctx, 2 * YEAR_MS);
      return {
        activity: 'refreshInstance',
        scene: 'RENEWAL',
        instanceId: instance.instanceId,
        orderId: order.orderId,
        orderLineId: order.orderLineId,
        productId: renewed.productId,
        expireTime: instance.expireTime,
      };
    },
  );
}

export async function setStatus(ctx: ScenarioContext, instance: SimInstance, status: 'FREEZE' | 'UNFREEZE'): Promise<void> {
  const call = await step(ctx, instance.family, 'updateInstanceStatus', { activity: 'updateInstanceStatus', instanceId: instance.instanceId, status });
  instance.state = status === 'FREEZE' ? 'frozen' : 'running';
  if (status === 'FREEZE') instance.frozenAt = call.attempts.at(-1)!.wallAt;
  else delete instance.frozenAt;
}

/** releaseInstance: after an unsubscription (with its order) or at the end of the retention period (without). */
export async function release(ctx: ScenarioContext, instance: SimInstance, unsubscription?: SimOrder): Promise<void> {
  const body = {
    activity: 'releaseInstance',
    instanceId: instance.instanceId,
    ...(unsubscription ? { orderId: unsubscription.orderId, orderLineId: unsubscription.orderLineId } : {}),
  };
  const call = await step(ctx, instance.family, 'releaseInstance', body);
  const last = call.attempts.at(-1)!;
  instance.state = 'released';
  instance.releasedAt = ceilSecond(last.wallAt + last.durationMs);
}

/** An unsubscription: its order, then releaseInstance naming it. */
export async function unsubscribe(ctx: ScenarioContext, instance: SimInstance, request: Omit<OrderRequest, 'run' | 'at' | 'orderType'>): Promise<void> {
  const order = placeOrder(ctx, { ...request, orderType: 'UNSUBSCRIBE' });
  order.instanceId = instance.instanceId;
  try {
    await release(ctx, instance, order);
    order.state = 'completed';
  } catch (error) {
    order.state = 'failed';
    order.reason = (error as Error).message;
    throw error;
  }
}

/** Waits for the seller to upload the License of a getLicenseAsync event. */
export async function awaitUpload(ctx: ScenarioContext, eventId: string): Promise<boolean> {
  const deadline = ctx.clock.now() + ctx.waitMs;
  for (;;) {
    if (ctx.marketplace.state.uploads.some((upload) => upload.eventId === eventId)) return true;
    if (ctx.clock.now() >= deadline) return false;
    await pause(ctx, POLL_MS);
  }
}

/** `yyyyMMddHHmmssSSS` of a time `ms` after the seller's now: a new expiry. */
export const expiryIn = (ctx: ScenarioContext, ms: number) => compactTimeMs(wallTime(ctx) + ms);
