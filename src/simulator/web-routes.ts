import { readFileSync } from 'node:fs';
import type { Hono } from 'hono';
import type { SimClock } from './clock.js';
import type { MarketplaceState } from './marketplace-api.js';
import type { ScenarioRun, SimCall, SimulatorModel } from './model.js';
import type { SellerProduct } from './product.js';
import type { SellerEndpoints } from './seller.js';
import { snapshot } from './snapshot.js';

const asset = (name: string) => readFileSync(new URL(`./web/${name}`, import.meta.url), 'utf8');
const PAGE = { html: asset('index.html'), js: asset('page.js'), css: asset('page.css') };

export interface SimulatorRoutesDeps {
  model: SimulatorModel;
  marketplace: { state: MarketplaceState };
  clock: SimClock;
  /** The seller's clock (usage times, Open API requests). */
  wallNow: () => number;
  endpoints: SellerEndpoints;
  runScenario(name: string): ScenarioRun;
  resend(callId: number): Promise<SimCall | undefined>;
  sealNow(instanceId: string): Promise<{ ok: boolean; message: string }>;
  /** The seller's product API the simulator plays, when it has one. */
  product?: SellerProduct;
}

/**
 * The page (`/`) and its JSON (`/simulator/…`): the state, and the buttons' actions (start a scenario, resend a call,
 * seal an instance's usage now, delist a product). Everything else on the port is the marketplace's Open APIs.
 */
export function simulatorRoutes(app: Hono, deps: SimulatorRoutesDeps): void {
  const noStore = { 'cache-control': 'no-store' };
  app.get('/', (c) => c.html(PAGE.html, 200, noStore));
  app.get('/page.js', (c) => c.body(PAGE.js, 200, { 'content-type': 'text/javascript; charset=utf-8', ...noStore }));
  app.get('/page.css', (c) => c.body(PAGE.css, 200, { 'content-type': 'text/css; charset=utf-8', ...noStore }));
  app.get('/simulator/state', (c) => c.json(snapshot(deps), 200, noStore));

  app.post('/simulator/runs', async (c) => {
    const body = (await c.req.json().catch(() => undefined)) as { scenario?: unknown } | undefined;
    if (typeof body?.scenario !== 'string') return c.json({ error: 'send {"scenario": "<name>"}' }, 400);
    try {
      return c.json(deps.runScenario(body.scenario), 201);
    } catch (error) {
      return c.json({ error: (error as Error).message }, 400);
    }
  });

  app.post('/simulator/calls/:id/resend', async (c) => {
    const id = Number(c.req.param('id'));
    if (!deps.model.calls.some((call) => call.id === id)) return c.json({ error: `no call ${c.req.param('id')}` }, 404);
    void deps.resend(id);
    return c.json({ resending: id }, 202);
  });

  app.post('/simulator/instances/:instanceId/seal', async (c) => {
    const instance = deps.model.instances.get(c.req.param('instanceId'));
    if (!instance) return c.json({ error: `no instance ${c.req.param('instanceId')}` }, 404);
    if (!deps.product) return c.json({ error: (await deps.sealNow(instance.instanceId)).message }, 409);
    const sealed = await deps.sealNow(instance.instanceId);
    return sealed.ok ? c.json({ sealed: instance.instanceId, message: sealed.message }) : c.json({ error: sealed.message }, 502);
  });

  app.post('/simulator/products/:productId/delisted', async (c) => {
    const product = deps.model.products.get(c.req.param('productId'));
    if (!product) return c.json({ error: `no product ${c.req.param('productId')}` }, 404);
    const body = (await c.req.json().catch(() => undefined)) as { delisted?: unknown } | undefined;
    if (typeof body?.delisted !== 'boolean') return c.json({ error: 'send {"delisted": true|false}' }, 400);
    product.delisted = body.delisted;
    return c.json(product);
  });
}
