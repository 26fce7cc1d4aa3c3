import { randomUUID } from 'node:crypto';
import { SAME_ORDER_LINE_RULE, trackCreate } from '../creates.js';
import { retryPlanOf } from '../retry-schedule.js';
import { type ScenarioContext, StepFailed, answerOf, awaitReady, log, pause, placeOrder, product, query, release, send } from '../steps.js';

/**
 * A create resent for the same order line: the first newInstance reaches the seller but its answer is lost (as after
 * the 5 s timeout), so the marketplace sends it again on its schedule, with a new businessId. The seller must answer
 * the instance the first call made; the simulator tracks the instance it got an answer for, so the order line has
 * exactly one instance, and a seller that made another one is told which is the orphan.
 */
export async function resentCreate(ctx: ScenarioContext): Promise<void> {
  const order = placeOrder(ctx, { orderType: 'NEW', chargingMode: 'PERIOD', product: product(ctx, 2), periodType: 'month', periodNumber: 1, amount: 100 });
  order.state = 'provisioning';
  const create = (businessId: string) => () => ({ activity: 'newInstance', orderId: order.orderId, orderLineId: order.orderLineId, businessId });
  const success = ['000000', '000004'];
  const schedule = retryPlanOf('saas-v2', 'newInstance');
  const lost = await send(ctx, 'saas-v2', 'newInstance', create(randomUUID()), {
    success,
    retry: { ...schedule, retries: 0, summary: 'its answer is lost: the marketplace sends it again (the next call)' },
  });
  if (lost.state !== 'succeeded') throw new StepFailed(`newInstance failed: ${lost.failure}`);
  const first = String(answerOf(lost).instanceId);
  log(ctx, `the answer to newInstance (instance ${first}) is lost on its way back: the marketplace sends it again on its schedule`);
  await pause(ctx, schedule.everyMs);

  const again = await send(ctx, 'saas-v2', 'newInstance', create(randomUUID()), { success, resendOf: lost.id });
  if (again.state !== 'succeeded') throw new StepFailed(`the resent newInstance failed: ${again.failure}`);
  const tracked = trackCreate(ctx.model, order, again);
  const { instance } = tracked;
  const lines = [...ctx.model.instances.values()].filter((i) => i.orderId === order.orderId);
  if (lines.length !== 1) throw new StepFailed(`order line ${order.orderLineId} has ${lines.length} instances in the simulator`);
  if (instance.instanceId !== first) {
    const problem = `the resent newInstance of order line ${order.orderLineId} answered instance ${instance.instanceId}, the first ${first}: ${first} is an orphan the marketplace never learns of — ${SAME_ORDER_LINE_RULE}`;
    again.attempts.at(-1)?.problems.push(problem);
    throw new StepFailed(problem);
  }
  log(ctx, `the resent newInstance answered the same instance ${first}: one instance for order line ${order.orderLineId}`);
  await awaitReady(ctx, order, instance);
  await pause(ctx);
  await query(ctx, instance);
  await pause(ctx);
  await release(ctx, instance);
}
