import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InstanceLifecycle } from '../../src/instances/lifecycle.js';
import { silentLogger } from '../../src/log.js';
import type { MarketplaceAnswer } from '../../src/marketplace/answer.js';
import { orderLookupStatus } from '../../src/orders/lookup-status.js';
import { OrderLookups } from '../../src/orders/order-lookups.js';
import { SqlInstanceRepository } from '../../src/store/instances.js';
import { fakeProvisioner } from '../support/fake-provisioner.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { TEST_DATA_KEYS } from '../support/server.js';

const ORDER = { orderId: 'MOCKPERIODYEARNEW', orderLineId: 'MOCKPERIODYEARNEW-000001' };
const orderInfo = (orderId: string, orderLineId: string) => ({
  orderId,
  orderType: 'NEW',
  createTime: '20260102153555',
  buyerInfo: { customerId: '68cbc86abc2018ab880d92f36422fa0e', customerName: 'Example Co.' },
  extendParams: [{ name: 'emailDomainName', value: 'example.com' }],
  orderLine: [
    {
      orderLineId,
      chargingMode: 'PERIOD',
      periodType: 'year',
      periodNumber: 1,
      expireTime: '20270102153555',
      productInfo: [{ productId: 'OFFI740586375358963717', skuCode: '9ad8a7f0-6c45-4c31-8b6e-7b2f1c3d4e5f', linearValue: 10 }],
    },
  ],
});

type Answer = MarketplaceAnswer<{ orderInfo?: Record<string, unknown> }>;
const found = (orderId: string, orderLineId: string): Answer => ({
  ok: true,
  status: 200,
  code: 'MKT.0000',
  data: { orderInfo: orderInfo(orderId, orderLineId) },
});
const unreachable: Answer = { ok: false, status: 0, code: 'UNREACHABLE', message: 'the marketplace did not answer after 4 attempts' };

describe.each(DIALECTS)('order lookups on %s', (dialect) => {
  let store: TestStore;
  let clock: number;
  let answers: ((orderId: string, orderLineId: string) => Answer)[];
  let calls: string[];
  let lookups: OrderLookups;
  const queryOrder = async (orderId: string, orderLineId: string) => {
    calls.push(`${orderId}/${orderLineId}`);
    return (answers.shift() ?? found)(orderId, orderLineId);
  };
  const listed = async () => (await orderLookupStatus(store.db)).items;
  const make = () => new OrderLookups({ db: store.db, queryOrder, logger: silentLogger, now: () => clock, maxAttempts: 3, firstRetryMs: 10_000 });

  beforeEach(async () => {
    store = await openTestStore(dialect);
    clock = Date.UTC(2026, 10, 21, 9, 0, 0);
    answers = [];
    calls = [];
    lookups = make();
  });
  afterEach(async () => {
    await lookups.settle();
    await store.dispose();
  });

  it('looks an order line up in the background and keeps product, SKU, period, charging mode, buyer and extend parameters', async () => {
    await lookups.track({ ...ORDER, instanceId: 'inst-1', reason: 'newInstance' });
    await lookups.settle();
    expect(await lookups.forInstance('inst-1')).toEqual({
      ...ORDER,
      orderType: 'NEW',
      chargingMode: 'PERIOD',
      productId: 'OFFI740586375358963717',
      skuCode: '9ad8a7f0-6c45-4c31-8b6e-7b2f1c3d4e5f',
      periodType: 'year',
      periodNumber: 1,
      expireTime: '20270102153555',
      customerId: '68cbc86abc2018ab880d92f36422fa0e',
      buyer: { customerId: '68cbc86abc2018ab880d92f36422fa0e', customerName: 'Example Co.' },
      extendParams: [{ name: 'emailDomainName', value: 'example.com' }],
      orderInfo: orderInfo(ORDER.orderId, ORDER.orderLineId),
    });
    expect((await orderLookupStatus(store.db)).counts).toEqual({ pending: 0, found: 1, failed: 0 });
  });

  it('asks once per order line, however often the marketplace resends', async () => {
    for (let i = 0; i < 5; i++) await lookups.track({ ...ORDER, instanceId: 'inst-1', reason: 'newInstance' });
    await lookups.track({ ...ORDER, reason: 'orderNotify' });
    await lookups.settle();
    expect(calls).toEqual([`${ORDER.orderId}/${ORDER.orderLineId}`]);
    const [row] = await listed();
    expect(row).toMatchObject({ instanceId: 'inst-1', reason: 'newInstance', state: 'found', attempts: 1 });
  });

  it('keeps a failed lookup visible and retries it with backoff until it is found', async () => {
    answers = [() => unreachable, () => ({ ok: false, status: 401, code: 'APIG.0301', message: 'verify aksk signature fail' })];
    await lookups.track({ ...ORDER, instanceId: 'inst-1', reason: 'newInstance' });
    await lookups.settle();
    let [row] = await listed();
    expect(row).toMatchObject({ state: 'pending', attempts: 1, lastCode: 'UNREACHABLE', nextAttemptAt: clock + 10_000 });
    expect(await lookups.runDue()).toBe(0); // not due yet
    clock += 10_000;
    expect(await lookups.runDue()).toBe(1);
    [row] = await listed();
    expect(row).toMatchObject({ state: 'pending', attempts: 2, lastCode: 'APIG.0301', lastError: 'verify aksk signature fail', nextAttemptAt: clock + 20_000 });
    clock += 20_000;
    await lookups.runDue();
    [row] = await listed();
    expect(row).toMatchObject({ state: 'found', attempts: 3, lastCode: null, lastError: null });
    expect(calls).toHaveLength(3);
  });

  it('gives up after the last attempt, and starts over when the marketplace calls again', async () => {
    answers = [() => unreachable, () => unreachable, () => unreachable];
    await lookups.track({ ...ORDER, reason: 'orderNotify' });
    await lookups.settle();
    for (let i = 0; i < 3; i++) {
      clock += 60_000;
      await lookups.runDue();
    }
    expect((await listed())[0]).toMatchObject({ state: 'failed', attempts: 3 });
    expect(calls).toHaveLength(3);
    await lookups.track({ ...ORDER, reason: 'orderNotify' });
    await lookups.settle();
    expect((await listed())[0]).toMatchObject({ state: 'found' });
  });

  it('retries an answer that does not hold the order line', async () => {
    answers = [() => found(ORDER.orderId, 'OTHER-000001')];
    await lookups.track({ ...ORDER, reason: 'orderNotify' });
    await lookups.settle();
    expect((await listed())[0]).toMatchObject({ state: 'pending', lastCode: 'MKT.0000', lastError: `the answer has no order line ${ORDER.orderLineId}` });
  });

  it('lets one replica look a line up at a time', async () => {
    const other = make();
    answers = [() => unreachable];
    await lookups.track({ ...ORDER, reason: 'orderNotify' });
    await lookups.settle();
    clock += 60_000;
    await Promise.all([lookups.runDue(), other.runDue(), lookups.runDue(), other.runDue()]);
    expect(calls).toHaveLength(2);
  });

  describe('with the instance lifecycle', () => {
    const lifecycleWith = (orderRequired: boolean, fake = fakeProvisioner()) => ({
      fake,
      lifecycle: new InstanceLifecycle({
        repository: new SqlInstanceRepository(store.db, TEST_DATA_KEYS),
        provisioner: fake.provisioner,
        now: () => clock,
        budgetMs: 1_000,
        pendingRetryMs: 1_000,
        orders: lookups,
        orderRequired,
      }),
    });

    it('asks for the order of every newInstance and upgradeInstance without waiting for it', async () => {
      const { lifecycle } = lifecycleWith(false);
      expect(await lifecycle.create({ ...ORDER, businessId: 'inst-1', test: true })).toEqual({ code: '000000', instanceId: 'inst-1' });
      expect(await lifecycle.upgrade({ instanceId: 'inst-1', orderId: 'MOCKMONTYCHANGE', orderLineId: 'MOCKMONTYCHANGE-000001', test: true })).toEqual({
        code: '000000',
      });
      await lifecycle.settle();
      await lookups.settle();
      const rows = await listed();
      expect(rows.map((r) => [r.orderId, r.instanceId, r.reason, r.state]).sort()).toEqual([
        ['MOCKMONTYCHANGE', 'inst-1', 'upgradeInstance', 'found'],
        ['MOCKPERIODYEARNEW', 'inst-1', 'newInstance', 'found'],
      ]);
    });

    it('hands the order to the provisioner when it needs it, and answers 000004 until it is found', async () => {
      answers = [() => unreachable];
      const { lifecycle, fake } = lifecycleWith(true);
      expect(await lifecycle.create({ ...ORDER, businessId: 'inst-1', test: false })).toEqual({ code: '000004', instanceId: 'inst-1' });
      expect(fake.count('create')).toBe(0);
      await lifecycle.settle();
      clock += 60_000;
      expect(await lifecycle.create({ ...ORDER, businessId: 'inst-2', test: false })).toEqual({ code: '000000', instanceId: 'inst-1' });
      expect(fake.calls.find((c) => c.hook === 'create')?.detail).toMatchObject({ productId: 'OFFI740586375358963717', chargingMode: 'PERIOD' });
    });

    it('never fails the marketplace call when the lookup cannot even be stored', async () => {
      const broken = { track: async () => Promise.reject(new Error('disk full')), details: async () => undefined, require: async () => undefined };
      const lifecycle = new InstanceLifecycle({
        repository: new SqlInstanceRepository(store.db, TEST_DATA_KEYS),
        provisioner: fakeProvisioner().provisioner,
        now: () => clock,
        orders: broken,
      });
      expect(await lifecycle.create({ ...ORDER, businessId: 'inst-1', test: false })).toEqual({ code: '000000', instanceId: 'inst-1' });
    });
  });
});
