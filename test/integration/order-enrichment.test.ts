import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { MarketplaceApi } from '../../src/marketplace/client.js';
import { orderLookupStatus } from '../../src/orders/lookup-status.js';
import { OrderLookups } from '../../src/orders/order-lookups.js';
import { UsageMeter } from '../../src/usage/meter.js';
import { MARKETPLACE_KEYS, startMarketplace } from '../support/marketplace-server.js';
import { KEYS, TEST_CONFIG, type TestServer, signedQuery, startTestServer } from '../support/server.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';

// The whole path of issue 4's enrichment: the marketplace calls newInstance / orderNotify with IDs only; kgkit answers
// at once, looks the order up with the generated client (APIG-signed) against the marketplace double, and keeps it.
describe.each(DIALECTS)('order enrichment end to end on %s', (dialect) => {
  let store: TestStore;
  let marketplace: Awaited<ReturnType<typeof startMarketplace>>;
  let lookups: OrderLookups;
  let meter: UsageMeter;
  let server: TestServer;

  beforeAll(async () => {
    store = await openTestStore(dialect);
    marketplace = await startMarketplace();
    const api = new MarketplaceApi({ hosts: [marketplace.url], ...MARKETPLACE_KEYS, backoffMs: 1 });
    lookups = new OrderLookups({
      db: store.db,
      queryOrder: (orderId, orderLineId, signal) => api.queryOrder(orderId, orderLineId, signal),
      logger: silentLogger,
    });
    meter = new UsageMeter({ db: store.db, chargingModeOf: async (id) => (await lookups.forInstance(id))?.chargingMode });
    server = startTestServer(store, { lifecycle: { orders: lookups }, orders: lookups, usage: meter });
  });
  afterAll(async () => {
    await server.lifecycle.settle();
    await lookups.settle();
    await marketplace.close();
    await store.dispose();
  });

  it('a newInstance for the mock order MOCKPERIODYEARNEW ends with the order details stored on the instance', async () => {
    const { json } = await server.call({
      activity: 'newInstance',
      orderId: 'MOCKPERIODYEARNEW',
      orderLineId: 'MOCKPERIODYEARNEW-000001',
      businessId: 'biz-yearly-1',
      testFlag: '1',
    });
    expect(json).toMatchObject({ resultCode: '000000', instanceId: 'biz-yearly-1' });
    await lookups.settle();
    const order = await lookups.forInstance('biz-yearly-1');
    expect(order).toMatchObject({
      orderId: 'MOCKPERIODYEARNEW',
      orderLineId: 'MOCKPERIODYEARNEW-000001',
      orderType: 'NEW',
      chargingMode: 'PERIOD',
      periodType: 'year',
      periodNumber: 1,
    });
    expect(order?.productId).toMatch(/^OFFI/);
    expect(order?.skuCode).toBeTruthy();
    expect(order?.buyer).toMatchObject({ customerId: expect.any(String) });
    expect(order?.extendParams?.length).toBeGreaterThan(0);
    expect(marketplace.state.violations).toEqual([]);
  });

  it('an upgradeInstance looks the change order up and it becomes the instance order', async () => {
    const { json } = await server.call({
      activity: 'upgradeInstance',
      instanceId: 'biz-yearly-1',
      orderId: 'MOCKMONTYCHANGE',
      orderLineId: 'MOCKMONTYCHANGE-000001',
      testFlag: '1',
    });
    expect(json.resultCode).toBe('000000');
    await lookups.settle();
    expect((await lookups.forInstance('biz-yearly-1'))?.orderId).toBe('MOCKMONTYCHANGE');
  });

  it('an orderNotify is answered at once and its order is looked up', async () => {
    const body = JSON.stringify({ activity: 'orderNotify', orderId: 'MOCKONETIMENEW', orderLineId: 'MOCKONETIMENEW-000001', testFlag: '1' });
    const response = await server.app.request(`${TEST_CONFIG.orderNotify.path}?${signedQuery(body, { key: KEYS.orderNotify })}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    expect(await response.json()).toEqual({ resultCode: '000000', resultMsg: 'success' });
    await lookups.settle();
    const [lookup] = (await orderLookupStatus(store.db, { orderId: 'MOCKONETIMENEW' })).items;
    expect(lookup).toMatchObject({ reason: 'orderNotify', state: 'found', order: { chargingMode: 'ONE_TIME' }, instanceId: null });
  });

  it('a pay-per-use instance answers queryInstance with its usage, and refuses usage of a non-pay-per-use one', async () => {
    await server.call({ activity: 'newInstance', orderId: 'MOCKONDEMAND', orderLineId: 'MOCKONDEMAND-000001', businessId: 'biz-ppu-1', testFlag: '1' });
    await lookups.settle();
    const now = Date.now();
    const results = await meter.record([
      { eventId: 'ppu-e1', instanceId: 'biz-ppu-1', quantity: '10.25', occurredAt: now },
      { eventId: 'ppu-e2', instanceId: 'biz-ppu-1', quantity: 5, occurredAt: now },
      { eventId: 'yearly-e1', instanceId: 'biz-yearly-1', quantity: 1, occurredAt: now },
    ]);
    expect(results.map((r) => `${r.status}/${r.code}`)).toEqual(['recorded/000000', 'recorded/000000', 'refused/000002']);
    const { json } = await server.call({ activity: 'queryInstance', instanceId: 'biz-ppu-1,biz-yearly-1', testFlag: '1' });
    const info = json.info as { instanceId: string; usageInfo?: { usageValue: number; statisticalTime: string }[] }[];
    expect(info.find((i) => i.instanceId === 'biz-ppu-1')?.usageInfo).toEqual([{ usageValue: 15.25, statisticalTime: expect.stringMatching(/^\d{17}$/) }]);
    expect(info.find((i) => i.instanceId === 'biz-yearly-1')?.usageInfo).toBeUndefined();
  });
});
