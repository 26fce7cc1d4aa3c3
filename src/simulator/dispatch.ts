import type { SellerFamily } from '../conformance/driver.js';
import type { SimClock } from './clock.js';
import type { SimAttempt, SimCall, SimulatorModel } from './model.js';
import { type RetryPlan, retryPlanOf } from './retry-schedule.js';
import type { SellerEndpoints, SellerLink } from './seller.js';

export interface DispatchContext {
  model: SimulatorModel;
  clock: SimClock;
  /** The seller's clock, which requests are signed with; undefined: the real one (the driver reads it). */
  wallNow?: () => number;
  link: SellerLink;
  endpoints: SellerEndpoints;
  /** Aborts waits when the simulator stops. */
  signal: AbortSignal;
  timeoutMs?: number;
}

export interface Dispatch {
  run: string;
  family: SellerFamily;
  handler: string;
  /** The body of each attempt (1-based): some fields change on every attempt (newInstance businessId). */
  body: (attempt: number) => Record<string, unknown>;
  /** Result codes that count as success; default 000000. */
  success?: readonly string[];
  /** Default: the documented schedule of the family and handler. */
  retry?: RetryPlan;
  resendOf?: number;
}

export const wallTime = (ctx: Pick<DispatchContext, 'wallNow'>) => (ctx.wallNow ?? Date.now)();

/** The marketplace's result code of an answer, if it has one. */
function resultCodeOf(json: unknown): string | undefined {
  const code = (json as { resultCode?: unknown } | undefined)?.resultCode;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Sends one marketplace → seller call, and again on the retry schedule while it fails (no answer in time, not HTTP
 * 200, a result code other than success, an answer outside the contract). Resolves with the call once it succeeded
 * or its retries ran out; every attempt is kept on the call with its request and answer.
 */
export async function dispatch(ctx: DispatchContext, order: Dispatch): Promise<SimCall> {
  const retry = order.retry ?? retryPlanOf(order.family, order.handler);
  const success = order.success ?? ['000000'];
  const call = ctx.model.newCall({
    run: order.run,
    family: order.family,
    handler: order.handler,
    body: order.body(1),
    retry: retry.summary,
    ...(order.resendOf !== undefined ? { resendOf: order.resendOf } : {}),
  });
  const endpoint = ctx.endpoints[order.family];
  if (!endpoint) {
    call.state = 'failed';
    call.failure = `no ${order.family} URL is configured`;
    return call;
  }
  const first = ctx.clock.now();
  for (let n = 1; ; n++) {
    call.state = 'sending';
    delete call.nextAttemptAt;
    const body = order.body(n);
    const wallAt = wallTime(ctx);
    const sellerCall = {
      family: order.family,
      handler: order.handler,
      body,
      ...(ctx.wallNow ? { now: wallAt } : {}),
      ...(ctx.timeoutMs !== undefined ? { timeoutMs: ctx.timeoutMs } : {}),
    };
    const at = ctx.clock.now();
    const answer = await ctx.clock.busy(ctx.link.send(endpoint, sellerCall));
    const problems = answer.status === 0 ? [] : ctx.link.check(endpoint, sellerCall, answer);
    const resultCode = resultCodeOf(answer.json);
    const ok = answer.status === 200 && resultCode !== undefined && success.includes(resultCode) && problems.length === 0;
    const attempt: SimAttempt = {
      n,
      at,
      wallAt,
      request: answer.request,
      status: answer.status,
      text: answer.text,
      ...(resultCode !== undefined ? { resultCode } : {}),
      durationMs: Math.round(answer.durationMs),
      ...(answer.error !== undefined ? { error: answer.error } : {}),
      problems,
      ok,
    };
    call.attempts.push(attempt);
    call.body = body;
    if (ok) {
      call.state = 'succeeded';
      delete call.failure;
      return call;
    }
    call.failure = failureOf(attempt);
    if (n > retry.retries || ctx.signal.aborted) {
      call.state = 'failed';
      return call;
    }
    call.state = 'waiting-retry';
    call.nextAttemptAt = first + n * retry.everyMs;
    await ctx.clock.sleep(call.nextAttemptAt - ctx.clock.now(), ctx.signal);
    if (ctx.signal.aborted) {
      call.state = 'failed';
      call.failure = `${call.failure}; the simulator stopped before the next attempt`;
      delete call.nextAttemptAt;
      return call;
    }
  }
}

function failureOf(attempt: SimAttempt): string {
  if (attempt.status === 0) return attempt.error ?? 'no answer';
  if (attempt.status !== 200) return `HTTP ${attempt.status}`;
  if (attempt.problems.length > 0) return attempt.problems[0]!;
  return attempt.resultCode === undefined ? 'no resultCode in the answer' : `resultCode ${attempt.resultCode}`;
}
