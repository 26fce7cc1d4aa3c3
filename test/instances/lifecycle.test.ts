import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InstanceLifecycle } from '../../src/instances/lifecycle.js';
import { ProvisioningRefusal } from '../../src/instances/provisioner.js';
import { SqlInstanceRepository } from '../../src/store/instances.js';
import { after, fakeProvisioner } from '../support/fake-provisioner.js';
import { openTestStore, type TestStore } from '../support/stores.js';
import { TEST_DATA_KEYS } from '../support/server.js';

const ORDER = { orderId: 'CS2211181819B4LVS', orderLineId: 'CS2211181819B4LVS-000001', test: false };

describe('instance lifecycle', () => {
  let store: TestStore;
  let fake: ReturnType<typeof fakeProvisioner>;
  let lifecycle: InstanceLifecycle;
  let repo: SqlInstanceRepository;
  let clock: number;

  beforeEach(async () => {
    store = await openTestStore('sqlite');
    fake = fakeProvisioner();
    repo = new SqlInstanceRepository(store.db, TEST_DATA_KEYS);
    clock = Date.UTC(2026, 10, 21, 8, 0, 0);
    lifecycle = new InstanceLifecycle({
      repository: repo,
      provisioner: fake.provisioner,
      now: () => clock,
      budgetMs: 150,
      pendingRetryMs: 1_000,
      provisionTimeoutMs: 5_000,
    });
  });
  afterEach(async () => {
    await lifecycle.settle();
    await store.dispose();
  });

  const create = (businessId: string, order = ORDER) => lifecycle.create({ ...order, businessId });

  describe('newInstance', () => {
    it('provisions synchronously and takes the first businessId as the instance id', async () => {
      expect(await create('biz-1')).toEqual({ code: '000000', instanceId: 'biz-1' });
      expect((await repo.findById('biz-1'))?.status).toBe('ACTIVE');
    });

    // docs/decisions.md#18: Huawei's businessId is any String 64; kgkit's instance IDs are a narrower set.
    it.each([
      ['a comma, which queryInstance uses as a separator', 'biz,1'],
      ['a space', 'biz 1'],
      ['a control character', 'biz\u00011'],
      ['a leading dot', '.biz'],
      ['non-ASCII', '业务-1'],
    ])('gives a businessId with %s a fresh UUID as its instance id, and keeps the order on it', async (_, businessId) => {
      const outcome = await create(businessId);
      expect(outcome).toEqual({ code: '000000', instanceId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/) });
      expect(await create('biz-2')).toEqual(outcome);
    });

    it('answers a resend with a new businessId with the same instance, without provisioning again', async () => {
      await create('biz-1');
      expect(await create('biz-2')).toEqual({ code: '000000', instanceId: 'biz-1' });
      expect(fake.count('create')).toBe(1);
      expect(await repo.findById('biz-2')).toBeUndefined();
    });

    it('answers 000004 when provisioning outlives the budget, and finishes in the background', async () => {
      fake.thenCreate(after(400, () => ({ state: 'ready' as const, appInfo: fake.appInfo('biz-1') })));
      expect(await create('biz-1')).toEqual({ code: '000004', instanceId: 'biz-1' });
      expect(await lifecycle.query(['biz-1'])).toMatchObject({ code: '000004', instances: [] });
      expect(await create('biz-2')).toEqual({ code: '000004', instanceId: 'biz-1' });
      await lifecycle.settle();
      expect(await lifecycle.query(['biz-1'])).toMatchObject({ code: '000000', instances: [{ instanceId: 'biz-1', status: 'ACTIVE' }] });
      expect(fake.count('create')).toBe(1);
    });

    it('keeps polling a provisioner that answered pending, once its retry time has come', async () => {
      fake.thenCreate(async () => ({ state: 'pending' }));
      expect(await create('biz-1')).toEqual({ code: '000004', instanceId: 'biz-1' });
      expect(await lifecycle.query(['biz-1'])).toMatchObject({ code: '000004' });
      expect(fake.count('create')).toBe(1);
      clock += 1_001;
      expect(await lifecycle.query(['biz-1'])).toMatchObject({ code: '000000', instances: [{ instanceId: 'biz-1' }] });
      expect(fake.count('create')).toBe(2);
    });

    it('passes a provisioner refusal on, and provisions again when the marketplace retries', async () => {
      fake.thenCreate(async () => {
        throw new ProvisioningRefusal('000106', 'sold out');
      });
      expect(await create('biz-1')).toEqual({ code: '000106', message: 'sold out' });
      expect((await repo.findById('biz-1'))?.status).toBe('FAILED');
      expect(await create('biz-2')).toEqual({ code: '000000', instanceId: 'biz-1' });
    });

    it('answers 000005 for an unexpected provisioner error, without leaking it', async () => {
      fake.thenCreate(async () => {
        throw new Error('connection refused to 10.0.0.7');
      });
      const outcome = await create('biz-1');
      expect(outcome).toEqual({ code: '000005', message: 'the product could not provision the instance' });
      expect((await repo.findById('biz-1'))?.lastError).toContain('connection refused');
    });

    it('takes over an attempt abandoned by a crashed replica once its lease has run out', async () => {
      await repo.insertProvisioning({ instanceId: 'biz-1', ...ORDER, businessId: 'biz-1', leaseUntil: clock + 5_000, now: clock });
      expect(await create('biz-2')).toEqual({ code: '000004', instanceId: 'biz-1' });
      expect(fake.count('create')).toBe(0);
      clock += 5_001;
      expect(await create('biz-3')).toEqual({ code: '000000', instanceId: 'biz-1' });
      expect(fake.count('create')).toBe(1);
    });

    it('gives the order a fresh id when its businessId already names another instance', async () => {
      lifecycle = new InstanceLifecycle({ repository: repo, provisioner: fake.provisioner, now: () => clock, newInstanceId: () => 'fresh-id' });
      await create('biz-1');
      expect(await create('biz-1', { ...ORDER, orderLineId: 'CS2211181819B4LVS-000002' })).toEqual({ code: '000000', instanceId: 'fresh-id' });
    });

    it('answers a resend for a released order with the same instance and does not revive it', async () => {
      await create('biz-1');
      await lifecycle.release({ instanceId: 'biz-1', test: false });
      expect(await create('biz-2')).toEqual({ code: '000000', instanceId: 'biz-1' });
      expect((await repo.findById('biz-1'))?.status).toBe('RELEASED');
    });
  });

  describe('queryInstance', () => {
    it('returns the ready instances among the ids, ignoring duplicates and unknown ids', async () => {
      await create('a');
      await create('b', { ...ORDER, orderLineId: 'L-2' });
      const outcome = await lifecycle.query(['a', 'b', 'a', 'nope']);
      expect(outcome.code).toBe('000000');
      expect('instances' in outcome && outcome.instances.map((i) => i.instanceId).sort()).toEqual(['a', 'b']);
    });

    it('answers 000003 when none of the ids exists, or all were released', async () => {
      expect(await lifecycle.query(['nope'])).toEqual({ code: '000003' });
      await create('a');
      await lifecycle.release({ instanceId: 'a', test: false });
      expect(await lifecycle.query(['a'])).toEqual({ code: '000003' });
    });

    it('answers 100 ids in one call', async () => {
      for (let i = 0; i < 100; i++) await create(`id-${i}`, { ...ORDER, orderLineId: `L-${i}` });
      const outcome = await lifecycle.query(Array.from({ length: 100 }, (_, i) => `id-${i}`));
      expect('instances' in outcome && outcome.instances).toHaveLength(100);
    });
  });

  describe('refreshInstance', () => {
    const refresh = (over: Partial<Parameters<InstanceLifecycle['refresh']>[0]> = {}) =>
      lifecycle.refresh({
        instanceId: 'biz-1',
        orderId: 'RENEW-1',
        orderLineId: 'RENEW-1-000001',
        scene: 'RENEWAL',
        expireTime: '20271124023618256',
        test: false,
        ...over,
      });

    it('sets the new expiry once per (instance, order, scene)', async () => {
      await create('biz-1');
      expect(await refresh()).toEqual({ code: '000000' });
      expect(await refresh()).toEqual({ code: '000000' });
      expect(fake.count('refresh')).toBe(1);
      expect((await repo.findById('biz-1'))?.expiresAt).toBe(Date.UTC(2027, 10, 24, 2, 36, 18, 256));
      // Cancelling that renewal is another scene of the same order: applied, and the expiry goes back.
      expect(await refresh({ scene: 'UNSUBSCRIBE_RENEWAL_PERIOD', expireTime: '20261124023618' })).toEqual({ code: '000000' });
      expect((await repo.findById('biz-1'))?.expiresAt).toBe(Date.UTC(2026, 10, 24, 2, 36, 18));
    });

    it.each(['20271324023618', '20270230000000', '20271124246000', '2027112402361'])('refuses expireTime %s with 000002', async (expireTime) => {
      await create('biz-1');
      expect(await refresh({ expireTime })).toMatchObject({ code: '000002' });
      expect(fake.count('refresh')).toBe(0);
    });

    it('answers 000003 for an unknown instance and 000004 while it is provisioning', async () => {
      expect(await refresh()).toEqual({ code: '000003' });
      fake.thenCreate(after(400, () => ({ state: 'ready' as const, appInfo: fake.appInfo('biz-1') })));
      await create('biz-1');
      expect(await refresh()).toEqual({ code: '000004' });
    });

    it('answers 000005 and records nothing when the product fails, so the retry applies it', async () => {
      await create('biz-1');
      fake.failHooksWith(new Error('product down'));
      expect(await refresh()).toMatchObject({ code: '000005' });
      fake.failHooksWith(undefined);
      expect(await refresh()).toEqual({ code: '000000' });
      expect(fake.count('refresh')).toBe(2);
    });

    it('answers 000004 when the product is slow, and records the order when it finishes', async () => {
      await create('biz-1');
      fake.delayHooks(400);
      expect(await refresh()).toEqual({ code: '000004' });
      await lifecycle.settle();
      expect(await repo.hasOrder('biz-1', 'RENEW-1', 'refresh', 'RENEWAL')).toBe(true);
    });
  });

  describe('updateInstanceStatus', () => {
    it('freezes and unfreezes; repeating the current state calls nothing', async () => {
      await create('biz-1');
      expect(await lifecycle.setFrozen({ instanceId: 'biz-1', frozen: true, test: false })).toEqual({ code: '000000' });
      expect(await lifecycle.setFrozen({ instanceId: 'biz-1', frozen: true, test: false })).toEqual({ code: '000000' });
      expect((await repo.findById('biz-1'))?.frozen).toBe(true);
      expect(await lifecycle.setFrozen({ instanceId: 'biz-1', frozen: false, test: false })).toEqual({ code: '000000' });
      expect(fake.calls.map((c) => c.hook)).toEqual(['create', 'freeze', 'unfreeze']);
    });

    it('answers 000003 for an unknown or released instance', async () => {
      expect(await lifecycle.setFrozen({ instanceId: 'nope', frozen: true, test: false })).toEqual({ code: '000003' });
      await create('biz-1');
      await lifecycle.release({ instanceId: 'biz-1', test: false });
      expect(await lifecycle.setFrozen({ instanceId: 'biz-1', frozen: true, test: false })).toEqual({ code: '000003' });
    });
  });

  describe('releaseInstance', () => {
    it('releases once and answers success to every repeat', async () => {
      await create('biz-1');
      expect(await lifecycle.release({ instanceId: 'biz-1', test: false })).toEqual({ code: '000000' });
      expect(await lifecycle.release({ instanceId: 'biz-1', test: false })).toEqual({ code: '000000' });
      expect(fake.count('release')).toBe(1);
      expect(await lifecycle.release({ instanceId: 'nope', test: false })).toEqual({ code: '000003' });
    });
  });

  describe('upgradeInstance', () => {
    const upgrade = (orderId = 'UP-1') => lifecycle.upgrade({ instanceId: 'biz-1', orderId, orderLineId: `${orderId}-000001`, test: false });

    it('upgrades once per order', async () => {
      await create('biz-1');
      expect(await upgrade()).toEqual({ code: '000000' });
      expect(await upgrade()).toEqual({ code: '000000' });
      expect(await upgrade('UP-2')).toEqual({ code: '000000' });
      expect(fake.count('upgrade')).toBe(2);
    });

    it('passes on "no resources" (000100) and leaves the order to be retried', async () => {
      await create('biz-1');
      fake.failHooksWith(new ProvisioningRefusal('000100', 'no capacity'));
      expect(await upgrade()).toEqual({ code: '000100', message: 'no capacity' });
      fake.failHooksWith(undefined);
      expect(await upgrade()).toEqual({ code: '000000' });
    });
  });

  describe('changeInstanceCheck', () => {
    it('allows by default and asks a configured policy otherwise', async () => {
      await create('biz-1');
      expect(await lifecycle.checkChange({ instanceId: 'biz-1', productInfo: { skuCode: 'small' }, test: false })).toEqual({ code: '000000' });
      const strict = new InstanceLifecycle({
        repository: repo,
        provisioner: fake.provisioner,
        changePolicy: async ({ productInfo }) =>
          productInfo.skuCode === 'small' ? { allowed: false, reason: 'usage exceeds the smaller quota' } : { allowed: true },
      });
      expect(await strict.checkChange({ instanceId: 'biz-1', productInfo: { skuCode: 'small' }, test: false })).toEqual({
        code: '000100',
        message: 'usage exceeds the smaller quota',
      });
      expect(await strict.checkChange({ instanceId: 'nope', productInfo: {}, test: false })).toEqual({ code: '000003' });
    });

    it('answers 000005 when the policy fails or cannot decide within the budget (the check has no 000004)', async () => {
      await create('biz-1');
      const failing = new InstanceLifecycle({
        repository: repo,
        provisioner: fake.provisioner,
        budgetMs: 100,
        changePolicy: async () => Promise.reject(new Error('down')),
      });
      expect(await failing.checkChange({ instanceId: 'biz-1', productInfo: {}, test: false })).toMatchObject({ code: '000005' });
      const slow = new InstanceLifecycle({
        repository: repo,
        provisioner: fake.provisioner,
        budgetMs: 100,
        changePolicy: after(300, () => ({ allowed: true as const })),
      });
      expect(await slow.checkChange({ instanceId: 'biz-1', productInfo: {}, test: false })).toEqual({
        code: '000005',
        message: 'the product did not answer the change check in time',
      });
    });
  });

  describe('debug calls (testFlag "1") replayed by probing', () => {
    const TEST_ORDER = { ...ORDER, test: true };
    it('keep answering after a release, in any order, and a replayed create revives the same instance', async () => {
      await create('probe-1', TEST_ORDER);
      expect(await lifecycle.release({ instanceId: 'probe-1', test: true })).toEqual({ code: '000000' });
      expect(await lifecycle.query(['probe-1'])).toMatchObject({ code: '000000', instances: [{ instanceId: 'probe-1' }] });
      expect(await lifecycle.setFrozen({ instanceId: 'probe-1', frozen: true, test: true })).toEqual({ code: '000000' });
      expect(await create('probe-2', TEST_ORDER)).toEqual({ code: '000000', instanceId: 'probe-1' });
      expect((await repo.findById('probe-1'))?.status).toBe('ACTIVE');
    });
  });
});
