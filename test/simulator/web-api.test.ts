import { describe, expect, it } from 'vitest';
import { signUsagePush } from '../../src/crypto/usage-signature.js';
import { virtualClock } from '../../src/simulator/clock.js';
import type { SimInstance } from '../../src/simulator/model.js';
import type { SellerProduct } from '../../src/simulator/product.js';
import { SIMULATOR_AK_SK } from '../../src/simulator/server.js';
import { createSimulator } from '../../src/simulator/simulator.js';
import type { Snapshot } from '../../src/simulator/snapshot.js';

// The page's routes and JSON, through app.request (no port): the buttons' actions answer clear errors on bad input.
const simulator = createSimulator({
  seller: { saasUrl: 'http://seller.invalid/saas', key: 'seller-basic-key-0123', kitKey: 'seller-kit-key-0123' },
  akSk: SIMULATOR_AK_SK,
  clock: virtualClock(),
  link: {
    send: async () => ({ request: { method: 'POST', url: '', headers: {}, body: '' }, status: 0, headers: {}, text: '', durationMs: 0, error: 'offline' }),
    check: () => [],
  },
});
const post = (path: string, body?: unknown) =>
  simulator.app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? 'not json' : JSON.stringify(body),
  });

describe('the simulator page and its JSON', () => {
  it.each([
    ['/', /^text\/html/, 'kgkit simulate'],
    ['/page.js', /^text\/javascript/, '/simulator/state'],
    ['/page.css', /^text\/css/, '.badge'],
  ])('serves %s', async (path, type, text) => {
    const response = await simulator.app.request(path);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(type);
    expect(await response.text()).toContain(text);
  });

  it('shows the state without the keys, with which scenarios the configured URLs allow', async () => {
    const state = (await (await simulator.app.request('/simulator/state')).json()) as {
      seller: Record<string, string>;
      scenarios: { name: string; available: boolean }[];
      products: unknown[];
    };
    expect(state.seller).toEqual({ 'saas-v2': 'http://seller.invalid/saas', 'kit-v2': 'http://seller.invalid/saas', 'kit-v1': 'http://seller.invalid/saas' });
    expect(state.scenarios.find((s) => s.name === 'yearly')?.available).toBe(true);
    expect(state.scenarios.find((s) => s.name === 'license-code')?.available).toBe(false);
    expect(state.products).toHaveLength(6);
    expect(JSON.stringify(state)).not.toMatch(/seller-basic-key|seller-kit-key|secret/i);
    expect(state).toMatchObject({ product: null, deliveries: [], usage: [] });
  });

  it.each([
    [undefined, 400, 'send {"scenario": "<name>"}'],
    [{ scenario: 'nope' }, 400, 'unknown scenario "nope"'],
    [{ scenario: 'license-code' }, 400, "needs the seller's license-code URL"],
  ])('refuses to start %j', async (body, status, error) => {
    const response = await post('/simulator/runs', body);
    expect(response.status).toBe(status);
    expect(((await response.json()) as { error: string }).error).toContain(error);
  });

  it('starts a scenario, whose failed call can be resent', async () => {
    const response = await post('/simulator/runs', { scenario: 'one-time' });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ id: expect.stringMatching(/^run-\d+$/), scenario: 'one-time', state: 'running' });
    await simulator.settle();
    const failed = simulator.model.calls.find((c) => c.state === 'failed')!;
    expect(failed.failure).toBe('offline');
    expect((await post(`/simulator/calls/${failed.id}/resend`, {})).status).toBe(202);
    expect((await post('/simulator/calls/999/resend', {})).status).toBe(404);
  });

  it('delists a product (usage of its instances becomes SDR 006), with clear refusals', async () => {
    const [product] = simulator.model.products.values();
    const response = await post(`/simulator/products/${product!.productId}/delisted`, { delisted: true });
    expect(await response.json()).toMatchObject({ productId: product!.productId, delisted: true });
    expect((await post(`/simulator/products/${product!.productId}/delisted`, { delisted: 'yes' })).status).toBe(400);
    expect((await post('/simulator/products/OFFI-NONE/delisted', { delisted: true })).status).toBe(404);
  });
});

// The page's data for metering: each instance's usage records (with their SDR state) and the usage pushes that carried
// them, refused pushes included; and the seal-now button's route.
describe('the simulator page: usage records and deliveries per instance', () => {
  const KEY = 'seller-basic-key-0123';
  const sealed: string[] = [];
  const product: SellerProduct = {
    url: 'http://seller.invalid/kgkit/v1/',
    recordUsage: async () => ({ ok: false, error: 'not used' }),
    sealNow: async (instanceId) =>
      instanceId === 'ppu-down'
        ? { ok: false, error: "kgkit's API answered HTTP 401" }
        : (sealed.push(instanceId), { ok: true, body: { resultCode: '000000', resultMsg: '1 record sealed, 1 sent' } }),
    usageRecords: async () => ({ ok: false, error: 'not used' }),
  };
  const withProduct = createSimulator({
    seller: { saasUrl: 'http://seller.invalid/saas', key: KEY },
    akSk: SIMULATOR_AK_SK,
    clock: virtualClock(),
    sdrDelayMs: 0,
    product,
  });
  const withoutProduct = createSimulator({ seller: { saasUrl: 'http://seller.invalid/saas', key: KEY }, akSk: SIMULATOR_AK_SK, clock: virtualClock() });
  const createdAt = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
  const instance = (instanceId: string): SimInstance => ({
    instanceId,
    family: 'saas-v2',
    orderId: `CS-${instanceId}`,
    productId: 'OFFI900000000000000001',
    chargingMode: 'ON_DEMAND',
    state: 'running',
    createdAt,
    seller: 'self',
  });
  for (const id of ['ppu-1', 'ppu-2', 'ppu-down']) withProduct.model.instances.set(id, instance(id));
  withoutProduct.model.instances.set('ppu-1', instance('ppu-1'));

  const wire = (at: number) =>
    new Date(at)
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}Z$/, 'Z');
  const record = (instanceId: string, sn: string, value: string, beginAt = createdAt) => ({
    instance_id: instanceId,
    metering_sn: sn,
    usage_value: value,
    begin_time: wire(beginAt),
    end_time: wire(beginAt + 600_000),
    record_time: wire(beginAt + 600_000),
  });
  const push = async (records: object[], key = KEY) => {
    const { body, headers } = signUsagePush(key, { usage_records: records }, Date.now());
    return withProduct.app.request('/api/mkp-openapi-public/global/v1/isv/usage-data', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
  };

  it('keeps every push as a delivery, and shows each instance its records and the pushes that carried them', async () => {
    expect((await push([record('ppu-1', 'sn-1', '12.5'), record('ppu-2', 'sn-2', '3')])).status).toBe(200);
    expect((await push([record('ppu-1', 'sn-3', '1')], 'another-key-0123456789')).status).toBe(400);
    expect((await push([record('ppu-1', 'sn-4', '2', Date.now() - 22 * 86_400_000)])).status).toBe(500);
    expect((await push([record('ppu-1', 'sn-1', '12.5'), record('ppu-1', 'sn-5', '0.25', createdAt + 600_000)])).status).toBe(200);
    await new Promise((resolve) => setImmediate(resolve));

    const state = (await (await withProduct.app.request('/simulator/state')).json()) as Snapshot;
    expect(state.product).toEqual({ url: 'http://seller.invalid/kgkit/v1/' });
    expect(state.deliveries.map((d) => [d.id, d.outcome, d.status, d.code, d.records, d.resent, d.instanceIds])).toEqual([
      [4, 'accepted', 200, 'MKT.0000', 2, 1, ['ppu-1']],
      [3, 'refused', 500, 'MKT.9004', 1, 0, ['ppu-1']],
      [2, 'refused', 400, 'MKT.0102', 1, 0, ['ppu-1']],
      [1, 'accepted', 200, 'MKT.0000', 2, 0, ['ppu-1', 'ppu-2']],
    ]);
    const ppu1 = state.instances.find((i) => i.instanceId === 'ppu-1')!;
    expect(ppu1.usage.records.map((r) => [r.metering_sn, r.usage_value, r.state, r.deliveries]).sort()).toEqual([
      ['sn-1', '12.5', 'valid', [1, 4]],
      ['sn-5', '0.25', 'valid', [4]],
    ]);
    expect(ppu1.usage.validTotal).toBe('12.75');
    expect(ppu1.usage.deliveries.map((d) => [d.id, d.outcome, d.meteringSns])).toEqual([
      [4, 'accepted', ['sn-1', 'sn-5']],
      [3, 'refused', ['sn-4']],
      [2, 'refused', ['sn-3']],
      [1, 'accepted', ['sn-1']],
    ]);
    const ppu2 = state.instances.find((i) => i.instanceId === 'ppu-2')!;
    expect(ppu2.usage).toMatchObject({ validTotal: '3', records: [{ metering_sn: 'sn-2' }], deliveries: [{ id: 1, records: 2, meteringSns: ['sn-2'] }] });
    expect(state.instances.find((i) => i.instanceId === 'ppu-down')!.usage).toEqual({ records: [], deliveries: [], validTotal: '0' });
  });

  it('seals an instance now through the seller’s product API, with clear refusals', async () => {
    const seal = (app: typeof withProduct.app, id: string) => app.request(`/simulator/instances/${id}/seal`, { method: 'POST' });
    const ok = await seal(withProduct.app, 'ppu-1');
    expect([ok.status, await ok.json()]).toEqual([200, { sealed: 'ppu-1', message: '1 record sealed, 1 sent' }]);
    expect(sealed).toEqual(['ppu-1']);
    const down = await seal(withProduct.app, 'ppu-down');
    expect([down.status, await down.json()]).toEqual([502, { error: "kgkit's API answered HTTP 401" }]);
    const unknown = await seal(withProduct.app, 'nope');
    expect([unknown.status, await unknown.json()]).toEqual([404, { error: 'no instance nope' }]);
    const none = await seal(withoutProduct.app, 'ppu-1');
    expect([none.status, await none.json()]).toEqual([
      409,
      { error: "the simulator does not know the seller's kgkit API: start it with --api-token <KGKIT_API_TOKEN>" },
    ]);
  });
});
