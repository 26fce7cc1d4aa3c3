import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProvisioningRefusal } from '../../src/instances/provisioner.js';
import { type FamilyServer, startFamilyServer } from '../support/license-families.js';
import { startTestServer } from '../support/server.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';

// The four instance activities run the SaaS V2.0 lifecycle on the same instances; every answer is checked against
// this family's YAML by server.call.
describe.each(DIALECTS)('online-open License instance activities on %s', (dialect) => {
  let store: TestStore;
  let server: FamilyServer;
  let n = 0;
  const order = () => {
    n += 1;
    const orderId = `CS2611210800L${String(n).padStart(4, '0')}`;
    return { orderId, orderLineId: `${orderId}-000001` };
  };
  const newInstance = async (businessId: string, o = order(), extra: object = {}) =>
    (await server.call({ activity: 'newInstance', ...o, businessId, ...extra })).json;

  beforeAll(async () => {
    store = await openTestStore(dialect);
    server = startFamilyServer(store, 'online-license');
  });
  afterAll(async () => store.dispose());

  it('newInstance → instanceId = the first businessId; a resend with a new businessId gets the same instanceId', async () => {
    const o = order();
    expect(await newInstance('87b94795-0603-4e24-8ae5-69420d60e3c8', o, { testFlag: '0' })).toEqual({
      resultCode: '000000',
      resultMsg: 'success',
      instanceId: '87b94795-0603-4e24-8ae5-69420d60e3c8',
    });
    expect(await newInstance('a8c4f0de-0000-4000-8000-000000000002', o)).toMatchObject({
      resultCode: '000000',
      instanceId: '87b94795-0603-4e24-8ae5-69420d60e3c8',
    });
  });

  it('16 concurrent newInstance for one order line → one instance, one instanceId in every answer', async () => {
    const o = order();
    const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => newInstance(`lic-concurrent-${i}`, o)));
    expect(new Set(answers.map((a) => a.instanceId)).size).toBe(1);
    expect(answers.every((a) => a.resultCode === '000000' || a.resultCode === '000004')).toBe(true);
    expect(await store.db.selectFrom('instances').select('instance_id').where('order_id', '=', o.orderId).execute()).toHaveLength(1);
  });

  it('shares the instances of SaaS V2.0: the same order line on either interface is one instance', async () => {
    const o = order();
    const saas = startTestServer(store);
    const { json } = await saas.call({ activity: 'newInstance', ...o, businessId: 'shared-saas-1' });
    expect(await newInstance('shared-lic-1', o)).toMatchObject({ resultCode: '000000', instanceId: json.instanceId });
  });

  it('newInstance refused by the product with 000100 → 000100 with its reason', async () => {
    const refusing = startFamilyServer(store, 'online-license', {
      lifecycle: { provisioner: stubProvisioner(new ProvisioningRefusal('000100', 'no seat left in this region')) },
    });
    expect((await refusing.call({ activity: 'newInstance', ...order(), businessId: 'refused-100' })).json).toEqual({
      resultCode: '000100',
      resultMsg: 'no seat left in this region',
    });
  });

  it('a SaaS-only refusal (000106 sold out) is not a code of this guide → 000005 with the reason (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649288.html)', async () => {
    const refusing = startFamilyServer(store, 'online-license', {
      lifecycle: { provisioner: stubProvisioner(new ProvisioningRefusal('000106', 'sold out')) },
    });
    expect((await refusing.call({ activity: 'newInstance', ...order(), businessId: 'refused-106' })).json).toEqual({
      resultCode: '000005',
      resultMsg: 'the product refused the order: sold out',
    });
  });

  it('newInstance while the product is slow → 000004 with the instanceId', async () => {
    const slow = startFamilyServer(store, 'online-license', {
      lifecycle: {
        budgetMs: 50,
        provisioner: {
          ...stubProvisioner(),
          create: () => new Promise((resolve) => setTimeout(() => resolve({ state: 'ready', appInfo: { frontEndUrl: 'https://x.example.com' } }), 300)),
        },
      },
    });
    expect((await slow.call({ activity: 'newInstance', ...order(), businessId: 'slow-1' })).json).toEqual({
      resultCode: '000004',
      resultMsg: 'request is being processed',
      instanceId: 'slow-1',
    });
    await slow.lifecycle.settle();
  });

  it('refreshInstance → new expiry once per (instance, order, scene); TRIAL_TO_FORMAL too; unknown instance → 000003', async () => {
    await newInstance('lic-r-1');
    const body = {
      activity: 'refreshInstance',
      instanceId: 'lic-r-1',
      orderId: 'CSLICRENEW01',
      orderLineId: 'CSLICRENEW01-000001',
      scene: 'RENEWAL',
      expireTime: '20271124023618256',
      testFlag: '0',
    };
    expect((await server.call(body)).json).toEqual({ resultCode: '000000', resultMsg: 'success' });
    expect((await server.call(body)).json).toEqual({ resultCode: '000000', resultMsg: 'success' });
    expect((await server.call({ ...body, orderId: 'CSLICTRIAL01', scene: 'TRIAL_TO_FORMAL', expireTime: '20281124023618' })).json).toMatchObject({
      resultCode: '000000',
    });
    const row = await store.db.selectFrom('instances').select('expires_at').where('instance_id', '=', 'lic-r-1').executeTakeFirstOrThrow();
    expect(row.expires_at).toBe(Date.UTC(2028, 10, 24, 2, 36, 18));
    expect(await store.db.selectFrom('instance_orders').select('scene').where('instance_id', '=', 'lic-r-1').orderBy('applied_at').execute()).toHaveLength(2);
    expect((await server.call({ ...body, instanceId: 'lic-nope' })).json).toEqual({ resultCode: '000003', resultMsg: 'instance does not exist' });
  });

  it('updateInstanceStatus → FREEZE / UNFREEZE, idempotent; unknown instance → 000003', async () => {
    await newInstance('lic-s-1');
    for (const status of ['FREEZE', 'FREEZE', 'UNFREEZE', 'UNFREEZE']) {
      expect((await server.call({ activity: 'updateInstanceStatus', instanceId: 'lic-s-1', status, testFlag: '1' })).json).toMatchObject({
        resultCode: '000000',
      });
    }
    expect((await server.call({ activity: 'updateInstanceStatus', instanceId: 'lic-nope', status: 'FREEZE' })).json).toMatchObject({ resultCode: '000003' });
  });

  it('releaseInstance → repeatable, concurrent repeats included; the instance is then gone for refreshInstance', async () => {
    await newInstance('lic-rel-1');
    const body = { activity: 'releaseInstance', instanceId: 'lic-rel-1', orderId: 'CSLICUNSUB1', orderLineId: 'CSLICUNSUB1-000001', testFlag: '0' };
    const answers = await Promise.all(Array.from({ length: 8 }, () => server.call(body)));
    expect(answers.map((a) => a.json.resultCode)).toEqual(Array(8).fill('000000'));
    const refresh = {
      activity: 'refreshInstance',
      instanceId: 'lic-rel-1',
      orderId: 'CSLICRENEW02',
      orderLineId: 'CSLICRENEW02-000001',
      scene: 'RENEWAL',
      expireTime: '20271124023618',
    };
    expect((await server.call(refresh)).json).toMatchObject({ resultCode: '000003' });
  });

  it('keeps an audit trail of every call with its outcome (family online-license)', async () => {
    const o = order();
    await newInstance('lic-audit-1', o, { testFlag: '1' });
    const events = await store.db.selectFrom('events').selectAll().where('instance_id', '=', 'lic-audit-1').execute();
    expect(events.map((e) => [e.family, e.activity, e.result_code, e.order_id, e.test_flag])).toEqual([
      ['online-license', 'newInstance', '000000', o.orderId, 1],
    ]);
  });
});

/** A provisioner that creates at once, or refuses every create with `refusal`. */
function stubProvisioner(refusal?: Error) {
  return {
    create: async () => {
      if (refusal) throw refusal;
      return { state: 'ready' as const, appInfo: { frontEndUrl: 'https://x.example.com' } };
    },
    refresh: async () => {},
    setFrozen: async () => {},
    release: async () => {},
    upgrade: async () => {},
  };
}
