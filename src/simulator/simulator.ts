import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { Hono } from 'hono';
import type { AkSk } from '../crypto/apig-signature.js';
import { type SimClock, scaledClock } from './clock.js';
import { isCreate, orderOfCreate, trackCreate } from './creates.js';
import { type DispatchContext, dispatch } from './dispatch.js';
import { type MarketplaceApiOptions, marketplaceApi } from './marketplace-api.js';
import { type ScenarioRun, type SimInstance, SimulatorModel } from './model.js';
import { defaultProducts } from './orders.js';
import { type SellerProduct, kgkitProduct } from './product.js';
import { SCENARIOS } from './scenarios/index.js';
import { type SellerLink, type SellerSettings, driverLink, sellerEndpoints } from './seller.js';
import { type ScenarioContext, StepFailed } from './steps.js';
import { simulatorRoutes } from './web-routes.js';

const MINUTE = 60_000;

export interface SimulatorOptions {
  seller: SellerSettings;
  /** The AK/SK the seller's Open API calls must be signed with (its KOOGALLERY_AK / KOOGALLERY_SK). */
  akSk: AkSk;
  /** The marketplace's schedule; default real time sped up by `speed`. */
  clock?: SimClock;
  speed?: number;
  /** The seller's clock, which requests are signed and usage times checked with; default the real one. */
  wallNow?: () => number;
  /** How far the seller's clock may be from `wallNow` in its Open API calls; default the documented tolerances. */
  clockToleranceMs?: MarketplaceApiOptions['clockToleranceMs'];
  link?: SellerLink;
  /** Simulated time between two steps of a scenario (default 5 min). */
  stepGapMs?: number;
  /** How long a scenario waits for a usage push or a License upload (default 3 h). */
  waitMs?: number;
  /** How long after its push a usage record is checked (default 2 min). */
  sdrDelayMs?: number;
  timeoutMs?: number;
  kitPublicKeyPem?: string;
  /** The seller's product API; default kgkit's beside the SaaS URL when `seller.apiToken` is set, else none. */
  product?: SellerProduct;
}

export type Simulator = ReturnType<typeof createSimulator>;

/** The marketplace side (Open APIs), the seller side (scenarios driving the seller), and the page, on one Hono app. */
export function createSimulator(options: SimulatorOptions) {
  const clock = options.clock ?? scaledClock({ speed: options.speed ?? 1 });
  const wallNow = options.wallNow ?? Date.now;
  const model = new SimulatorModel();
  for (const product of defaultProducts()) model.products.set(product.productId, product);
  const stop = new AbortController();
  // Every wait (a retry, a step gap, a usage record's check) listens for the stop: there may be thousands.
  setMaxListeners(0, stop.signal);
  const running = new Set<Promise<void>>();
  const product = options.product ?? (options.seller.apiToken ? kgkitProduct({ saasUrl: options.seller.saasUrl, token: options.seller.apiToken }) : undefined);

  const marketplace = marketplaceApi({
    accessKey: options.seller.key,
    akSk: options.akSk,
    now: wallNow,
    ...(options.clockToleranceMs ? { clockToleranceMs: options.clockToleranceMs } : {}),
    usageChecks: {
      instanceOf: (id) => usageView(model.instances.get(id)),
      productDelisted: (id) => model.products.get(id)?.delisted === true,
      delayMs: options.sdrDelayMs ?? 2 * MINUTE,
      sleep: (ms) => clock.sleep(ms, stop.signal),
    },
  });
  const dispatchContext: DispatchContext = {
    model,
    clock,
    ...(options.wallNow ? { wallNow: options.wallNow } : {}),
    link: options.link ?? driverLink,
    endpoints: sellerEndpoints(options.seller),
    signal: stop.signal,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  };

  /** Starts a scenario in the background; answers its run at once (its log and state fill in as it goes). */
  function runScenario(name: string): ScenarioRun {
    const scenario = SCENARIOS[name];
    if (!scenario) throw new Error(`unknown scenario "${name}" (one of ${Object.keys(SCENARIOS).join(', ')})`);
    const missing = scenario.families.filter((family) => !dispatchContext.endpoints[family]);
    if (missing.length > 0) throw new Error(`scenario ${name} needs the seller's ${missing.join(' and ')} URL`);
    const run = model.newRun(name, clock.now());
    const ctx: ScenarioContext = {
      ...dispatchContext,
      run,
      marketplace,
      stepGapMs: options.stepGapMs ?? 5 * MINUTE,
      waitMs: options.waitMs ?? 3 * 60 * MINUTE,
      ...(options.kitPublicKeyPem ? { kitPublicKeyPem: options.kitPublicKeyPem } : {}),
      ...(product ? { product } : {}),
    };
    const work = scenario
      .run(ctx)
      .then(() => {
        run.state = 'done';
      })
      .catch((error: unknown) => {
        run.state = stop.signal.aborted ? 'stopped' : 'failed';
        run.error = error instanceof StepFailed ? error.message : `unexpected error: ${(error as Error).message ?? String(error)}`;
        run.log.push({ at: clock.now(), text: run.error });
      })
      .finally(() => {
        run.endedAt = clock.now();
        running.delete(work);
      });
    running.add(work);
    return run;
  }

  /**
   * Sends a finished call again, once (Seller Console's "Restart"; the buyer's resend of a Kit sync). A create goes
   * with a new businessId, as every call of the marketplace does (docs/decisions.md#14), and its answer is reconciled
   * to its order line: the line's first instance, the same one again, or a broken rule on the call, never a second one.
   */
  async function resend(callId: number) {
    const original = model.calls.find((call) => call.id === callId);
    if (!original) return undefined;
    const create = isCreate(original) && 'businessId' in original.body;
    const call = await dispatch(dispatchContext, {
      run: original.run,
      family: original.family,
      handler: original.handler,
      body: () => (create ? { ...original.body, businessId: randomUUID() } : original.body),
      ...(create ? { success: ['000000', '000004'] } : {}),
      retry: { everyMs: 0, retries: 0, exhausted: 'call-failed', summary: 'resent by hand' },
      resendOf: original.id,
    });
    const order = isCreate(call) && call.state === 'succeeded' ? orderOfCreate(model, call) : undefined;
    if (order) {
      const tracked = trackCreate(model, order, call);
      const text =
        tracked.kind === 'new'
          ? `order ${order.orderId}: the resent ${call.handler} (#${call.id}) made instance ${tracked.instance.instanceId}`
          : tracked.kind === 'same'
            ? `order ${order.orderId}: the resent ${call.handler} (#${call.id}) answered the same instance ${tracked.instance.instanceId}`
            : `order ${order.orderId}: the resent ${call.handler} (#${call.id}) ${tracked.problem}`;
      if (tracked.kind === 'new') {
        order.state = 'completed';
        delete order.unsubscribedAt;
        if (order.reason) order.reason = `${order.reason}; served by the resend #${call.id}`;
      }
      model.runs.get(original.run)?.log.push({ at: clock.now(), text });
    }
    return call;
  }

  /** Seal now (docs/decisions.md#25) of one instance, on the seller's product API. */
  async function sealNow(instanceId: string): Promise<{ ok: boolean; message: string }> {
    if (!product) return { ok: false, message: "the simulator does not know the seller's kgkit API: start it with --api-token <KGKIT_API_TOKEN>" };
    const answer = await product.sealNow(instanceId);
    return answer.ok ? { ok: true, message: answer.body.resultMsg } : { ok: false, message: answer.error };
  }

  const app = new Hono();
  simulatorRoutes(app, {
    model,
    marketplace,
    clock,
    wallNow,
    runScenario,
    resend,
    sealNow,
    endpoints: dispatchContext.endpoints,
    ...(product ? { product } : {}),
  });
  app.route('/', marketplace.app);

  return {
    app,
    model,
    marketplace,
    clock,
    runScenario,
    resend,
    sealNow,
    /** Resolves once every scenario started so far has ended. */
    async settle(): Promise<void> {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
    /** Stops the scenarios (their pending waits end at once) and waits for them. */
    async stop(): Promise<void> {
      stop.abort();
      await Promise.allSettled([...running]);
    },
  };
}

function usageView(instance: SimInstance | undefined) {
  if (!instance) return undefined;
  return {
    createdAt: instance.createdAt,
    ...(instance.releasedAt !== undefined ? { releasedAt: instance.releasedAt } : {}),
    ...(instance.frozenAt !== undefined ? { frozenAt: instance.frozenAt } : {}),
    chargingMode: instance.chargingMode,
    state: instance.state,
    seller: instance.seller,
    productId: instance.productId,
  };
}
