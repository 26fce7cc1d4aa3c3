import { randomUUID } from 'node:crypto';
import type { AcceptedUsage } from './marketplace-api.js';
import type { SimInstance } from './model.js';
import { SDR_CODES } from './sdr-checks.js';
import { type ScenarioContext, StepFailed, log, pause } from './steps.js';
import { wallTime } from './dispatch.js';
import { deliveriesOf, formatUnits, usageUnits } from './usage-values.js';

const POLL_MS = 60_000;
/** The records the marketplace holds for an instance (its own, or deducted from it as a package), resent ones included. */
export function usageOf(ctx: Pick<ScenarioContext, 'marketplace'>, instanceId: string): AcceptedUsage[] {
  const { usage, duplicates } = ctx.marketplace.state;
  return [...usage.values(), ...duplicates].filter((u) => u.record.instance_id === instanceId || u.record.relate_pkg_instance === instanceId);
}

const product = (ctx: ScenarioContext) => {
  if (!ctx.product) throw new StepFailed("the simulator does not know the seller's kgkit API (start it with --api-token)");
  return ctx.product;
};

/** The product records usage of the instance on kgkit's API, one event per quantity, now (the seller's clock). */
export async function recordUsage(ctx: ScenarioContext, instance: SimInstance, quantities: readonly string[]): Promise<bigint> {
  const at = new Date(wallTime(ctx)).toISOString();
  // Fresh ids: a simulator started again against the same seller must not reuse one (kgkit refuses a reused eventId).
  const events = quantities.map((quantity) => ({ eventId: `sim-${randomUUID()}`, instanceId: instance.instanceId, quantity, occurredAt: at }));
  const answer = await ctx.clock.busy(product(ctx).recordUsage(events));
  if (!answer.ok) throw new StepFailed(`recording usage failed: ${answer.error}`);
  const refused = (answer.body.results ?? []).filter((r) => r.status === 'refused');
  if (refused.length > 0)
    throw new StepFailed(`the seller refused usage: ${refused.map((r) => `${r.eventId} ${r.resultCode} ${r.resultMsg ?? ''}`).join('; ')}`);
  log(ctx, `the product recorded usage ${quantities.join(' + ')} of ${instance.instanceId}`);
  return quantities.reduce((sum, quantity) => sum + usageUnits(quantity)!, 0n);
}

/**
 * A record needs a whole second of the instance's life, the wire having whole seconds (src/usage/windows.ts
 * recordBounds): the seller's clock must be 3 s past the create (rounded down, plus up to a second to answer it). With
 * time sped up a scenario can be there sooner; the seller's clock is waited for, on the simulator's clock when the
 * seller shares it, in real time otherwise.
 */
async function awaitWholeSecond(ctx: ScenarioContext, instance: SimInstance): Promise<void> {
  const ready = instance.createdAt + 3_000;
  for (let left = ready - wallTime(ctx); left > 0; left = ready - wallTime(ctx)) {
    if (ctx.wallNow) await pause(ctx, left);
    else await ctx.clock.busy(new Promise((resolve) => setTimeout(resolve, left)));
  }
}

/** Seal now (docs/decisions.md#25): the seller seals the instance's open windows and pushes them at once. */
export async function sealUsage(ctx: ScenarioContext, instance: SimInstance): Promise<void> {
  await awaitWholeSecond(ctx, instance);
  const answer = await ctx.clock.busy(product(ctx).sealNow(instance.instanceId));
  if (!answer.ok) throw new StepFailed(`seal now failed: ${answer.error}`);
  log(ctx, `seal now: ${answer.body.resultMsg}`);
}

/**
 * Waits until the instance's usage records have arrived and been checked, and, when the product's usage is known,
 * until they carry all of it; or until the wait is over.
 */
export async function awaitUsage(ctx: ScenarioContext, instance: SimInstance, expected?: bigint): Promise<AcceptedUsage[]> {
  const deadline = ctx.clock.now() + ctx.waitMs;
  for (;;) {
    const records = usageOf(ctx, instance.instanceId);
    const checked = records.length > 0 && records.every((r) => r.sdr.state !== 'pending');
    const carried = records.reduce((sum, r) => sum + (usageUnits(r.record.usage_value) ?? 0n), 0n);
    if (checked && (expected === undefined || carried >= expected)) return records;
    if (ctx.clock.now() >= deadline) return records;
    await pause(ctx, POLL_MS);
  }
}

/**
 * Logs each record with its SDR state and the pushes that delivered it. When the product's usage is known, the
 * records must carry exactly it, each valid, each accepted by the marketplace and shown `sent` by the seller.
 */
export async function checkUsage(ctx: ScenarioContext, instance: SimInstance, records: AcceptedUsage[], expected?: bigint): Promise<void> {
  const deliveries = deliveriesOf(ctx.marketplace.state.deliveries, instance.instanceId);
  for (const delivery of deliveries.filter((d) => d.outcome === 'refused'))
    log(ctx, `usage push #${delivery.id} refused: HTTP ${delivery.status} ${delivery.code ?? ''} (${delivery.records.length} record(s))`);
  for (const { record, sdr } of records) {
    const pushes = deliveries.filter((d) => d.outcome === 'accepted' && d.records.some((r) => r.meteringSn === record.metering_sn)).map((d) => `#${d.id}`);
    log(
      ctx,
      `usage ${record.metering_sn} (${record.begin_time}–${record.end_time}, ${record.usage_value}): ${sdr.state}${sdr.state === 'invalid' ? ` ${sdr.code} ${SDR_CODES[sdr.code]}: ${sdr.reason}` : ''}, delivered in push ${pushes.join(', ') || '(none)'}`,
    );
  }
  if (expected === undefined) {
    if (records.length === 0) log(ctx, 'no usage record arrived');
    return;
  }
  if (records.length === 0) throw new StepFailed(`no usage record of ${instance.instanceId} arrived: is the seller's MARKETPLACE_URL this simulator?`);
  const invalid = records.filter((r) => r.sdr.state !== 'valid');
  if (invalid.length > 0)
    throw new StepFailed(`${invalid.length} usage record(s) of ${instance.instanceId} are not valid (${invalid.map((r) => r.record.metering_sn).join(', ')})`);
  const carried = records.reduce((sum, r) => sum + (usageUnits(r.record.usage_value) ?? 0n), 0n);
  if (carried !== expected)
    throw new StepFailed(`the usage records of ${instance.instanceId} carry ${formatUnits(carried)}, the product recorded ${formatUnits(expected)}`);
  const seller = await ctx.clock.busy(product(ctx).usageRecords(instance.instanceId));
  if (!seller.ok) throw new StepFailed(`reading the seller's usage records failed: ${seller.error}`);
  const unsent = (seller.body.records ?? []).filter((r) => r.state !== 'sent');
  if (unsent.length > 0)
    throw new StepFailed(
      `the seller shows ${unsent.map((r) => `${r.meteringSn} ${r.state}${r.lastCode ? ` (${r.lastCode})` : ''}`).join(', ')} of ${instance.instanceId}, not sent`,
    );
  log(ctx, `usage of ${instance.instanceId} delivered: ${records.length} valid record(s) carrying ${formatUnits(expected)}, each shown sent by the seller`);
}
