import { describe, expect, it } from 'vitest';
import { virtualClock } from '../../src/simulator/clock.js';
import { SIMULATOR_AK_SK } from '../../src/simulator/server.js';
import { createSimulator } from '../../src/simulator/simulator.js';

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
