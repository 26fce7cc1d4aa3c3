import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptCredential, encryptCredential } from '../../src/crypto/aes-credentials.js';
import { buildApp } from '../../src/server/app.js';
import { jsonLogger } from '../../src/log.js';
import { ProvisioningRefusal } from '../../src/instances/provisioner.js';
import { after, fakeProvisioner } from '../support/fake-provisioner.js';
import { v1Call } from '../support/saas-v1.js';
import { ACCESS_KEY, TEST_CONFIG, startTestServer, type TestServer } from '../support/server.js';
import { sqlNonceRegistry } from '../../src/security/nonce-registry.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { shortId } from '../../src/provisioning/builtin-provisioner.js';

// Every answer below goes through v1Call, which checks it against the activity's response schema in openapi/saas-v1
// and recomputes its Body-Sign over the exact bytes with node:crypto.
describe.each(DIALECTS)('SaaS V1.0 production interface on %s', (dialect) => {
  let store: TestStore;
  let server: TestServer;
  let n = 0;
  const orderId = () => {
    n += 1;
    return `CS2611211000V1${String(n).padStart(4, '0')}`;
  };
  beforeAll(async () => {
    store = await openTestStore(dialect);
    server = startTestServer(store);
  });
  afterAll(async () => store.dispose());

  const newInstance = async (businessId: string, order = orderId(), extra: Record<string, string> = {}, on = server) =>
    (await v1Call(on, { activity: 'newInstance', businessId, customerId: 'cust-0001', orderId: order, ...extra })).json;
  const open = (value: unknown) => decryptCredential(ACCESS_KEY, '1', value as string);
  const details = (instanceId: string) => store.db.selectFrom('saas_v1_orders').selectAll().where('instance_id', '=', instanceId).executeTakeFirst();

  it('newInstance → instanceId = the first businessId, access information with AES-256 credentials, order details kept', async () => {
    const order = orderId();
    const json = await newInstance('v1-new-1', order, {
      customerName: '华为用户',
      mobilePhone: encryptCredential(ACCESS_KEY, '1', '13800138000'),
      email: encryptCredential(ACCESS_KEY, '1', 'buyer@example.com'),
      skuCode: 'sku-1',
      productId: 'OFFI0001',
      trialFlag: '1',
      expireTime: '20271121100000',
      chargingMode: '1',
      saasExtendParams: Buffer.from(
        JSON.stringify([
          { name: 'seats', value: '10' },
          { name: 'note', value: null },
        ]),
      ).toString('base64'),
      amount: '10',
      periodType: 'month',
      periodNumber: '3',
      orderAmount: '0.001',
    });
    expect(json).toMatchObject({ resultCode: '000000', resultMsg: 'success', instanceId: 'v1-new-1', encryptType: '1' });
    const appInfo = json.appInfo as Record<string, string>;
    expect(appInfo.frontEndUrl).toBe('https://app.example.com/t/v1-new-1');
    expect(open(appInfo.userName)).toBe(`admin_${shortId('v1-new-1')}`);
    expect(open(appInfo.password)).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(await details('v1-new-1')).toMatchObject({
      order_id: order,
      customer_id: 'cust-0001',
      customer_name: '华为用户',
      mobile_phone: '13800138000',
      email: 'buyer@example.com',
      sku_code: 'sku-1',
      product_id: 'OFFI0001',
      trial: 1,
      charging_mode: '1',
      expires_at: Date.UTC(2027, 10, 21, 10),
      period_type: 'month',
      period_number: 3,
      order_amount: '0.001',
      amount: 10,
      disk_size: null,
      extend_params: '[{"name":"seats","value":"10"},{"name":"note","value":null}]',
      test_flag: 0,
    });
    // The instance is the shared one, on the order line V1.0 implies.
    const row = await store.db
      .selectFrom('instances')
      .select(['order_id', 'order_line_id', 'status'])
      .where('instance_id', '=', 'v1-new-1')
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ order_id: order, order_line_id: `${order}-000001`, status: 'ACTIVE' });
  });

  it('a resend with a new businessId and timeStamp → the same instanceId; the first call’s details are kept', async () => {
    const order = orderId();
    const first = await newInstance('v1-resend-1', order, { skuCode: 'sku-first' });
    const again = await newInstance('v1-resend-2', order, { skuCode: 'sku-second' });
    expect(again).toMatchObject({ resultCode: '000000', instanceId: 'v1-resend-1', encryptType: '1' });
    expect(open((again.appInfo as Record<string, string>).password)).toBe(open((first.appInfo as Record<string, string>).password));
    expect(await store.db.selectFrom('instances').select('instance_id').where('order_id', '=', order).execute()).toEqual([{ instance_id: 'v1-resend-1' }]);
    expect(await details('v1-resend-1')).toMatchObject({ sku_code: 'sku-first' });
  });

  it('16 concurrent newInstance for one order → one instance, one row of details, one instanceId in every answer', async () => {
    const order = orderId();
    const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => newInstance(`v1-concurrent-${i}`, order)));
    const ids = new Set(answers.map((a) => a.instanceId));
    expect(ids.size).toBe(1);
    expect(answers.every((a) => a.resultCode === '000000' || a.resultCode === '000004')).toBe(true);
    expect(await store.db.selectFrom('instances').select('instance_id').where('order_id', '=', order).execute()).toHaveLength(1);
    expect(await store.db.selectFrom('saas_v1_orders').select('instance_id').where('order_id', '=', order).execute()).toEqual([{ instance_id: [...ids][0] }]);
  });

  it('queryInstance → every ready instance with encrypted credentials and encryptType 1; unknown IDs → 000003', async () => {
    await newInstance('v1-q-1');
    await newInstance('v1-q-2');
    const { json } = await v1Call(server, { activity: 'queryInstance', instanceId: 'v1-q-1,v1-q-2' });
    expect(json).toMatchObject({ resultCode: '000000', encryptType: '1' });
    const info = json.info as { instanceId: string; appInfo: Record<string, string> }[];
    expect(info.map((i) => i.instanceId).sort()).toEqual(['v1-q-1', 'v1-q-2']);
    expect(open(info.find((i) => i.instanceId === 'v1-q-2')!.appInfo.userName)).toBe(`admin_${shortId('v1-q-2')}`);
    expect((await v1Call(server, { activity: 'queryInstance', instanceId: 'nope-1,nope-2' })).json).toEqual({
      resultCode: '000003',
      resultMsg: 'instance does not exist',
    });
  });

  it('refreshInstance → RENEWAL, TRIAL_TO_FORMAL, or UNSUBSCRIBE_RENEWAL_PERIOD for a negative orderAmount; once per (instance, order, scene)', async () => {
    await newInstance('v1-r-1');
    const renew = {
      activity: 'refreshInstance',
      instanceId: 'v1-r-1',
      orderId: 'CSV1RENEW01',
      expireTime: '20281121100000',
      periodType: 'year',
      periodNumber: '1',
      orderAmount: '99.9',
    };
    expect((await v1Call(server, renew)).json).toEqual({ resultCode: '000000', resultMsg: 'success' });
    expect((await v1Call(server, renew)).json).toEqual({ resultCode: '000000', resultMsg: 'success' });
    expect((await v1Call(server, { ...renew, orderId: 'CSV1TRIAL01', trialToFormal: '1', productId: 'OFFI0002' })).json).toMatchObject({
      resultCode: '000000',
    });
    expect((await v1Call(server, { ...renew, orderId: 'CSV1UNSUB01', orderAmount: '-99.9', expireTime: '20271121100000' })).json).toMatchObject({
      resultCode: '000000',
    });
    const applied = await store.db
      .selectFrom('instance_orders')
      .select(['order_id', 'order_line_id', 'scene'])
      .where('instance_id', '=', 'v1-r-1')
      .orderBy('applied_at')
      .orderBy('order_id')
      .execute();
    expect(applied.map((o) => [o.order_id, o.scene])).toEqual(
      expect.arrayContaining([
        ['CSV1RENEW01', 'RENEWAL'],
        ['CSV1TRIAL01', 'TRIAL_TO_FORMAL'],
        ['CSV1UNSUB01', 'UNSUBSCRIBE_RENEWAL_PERIOD'],
      ]),
    );
    expect(applied).toHaveLength(3);
    expect(applied.every((o) => o.order_line_id === `${o.order_id}-000001`)).toBe(true);
    const instance = await store.db.selectFrom('instances').select(['expires_at', 'product_id']).where('instance_id', '=', 'v1-r-1').executeTakeFirstOrThrow();
    expect(instance).toEqual({ expires_at: Date.UTC(2027, 10, 21, 10), product_id: 'OFFI0002' });
    expect((await v1Call(server, { ...renew, instanceId: 'nope' })).json).toMatchObject({ resultCode: '000003' });
  });

  it('expireInstance → frozen, repeatable; unknown instance → 000003', async () => {
    const order = orderId();
    await newInstance('v1-e-1', order);
    const expire = { activity: 'expireInstance', instanceId: 'v1-e-1', orderId: order };
    expect((await v1Call(server, expire)).json).toEqual({ resultCode: '000000', resultMsg: 'success' });
    expect((await v1Call(server, expire)).json).toEqual({ resultCode: '000000', resultMsg: 'success' });
    expect(await store.db.selectFrom('instances').select('frozen').where('instance_id', '=', 'v1-e-1').executeTakeFirstOrThrow()).toEqual({ frozen: 1 });
    expect((await v1Call(server, { ...expire, instanceId: 'nope' })).json).toMatchObject({ resultCode: '000003' });
  });

  it('instanceStatus FREEZE / NORMAL → frozen / unfrozen, idempotent; unknown instance → 000003', async () => {
    await newInstance('v1-s-1');
    const frozen = async () => (await store.db.selectFrom('instances').select('frozen').where('instance_id', '=', 'v1-s-1').executeTakeFirstOrThrow()).frozen;
    for (const [status, expected] of [
      ['FREEZE', 1],
      ['FREEZE', 1],
      ['NORMAL', 0],
      ['NORMAL', 0],
    ] as const) {
      expect((await v1Call(server, { activity: 'instanceStatus', instanceId: 'v1-s-1', instanceStatus: status, testFlag: '1' })).json).toMatchObject({
        resultCode: '000000',
      });
      expect(await frozen()).toBe(expected);
    }
    expect((await v1Call(server, { activity: 'instanceStatus', instanceId: 'nope', instanceStatus: 'FREEZE' })).json).toMatchObject({ resultCode: '000003' });
  });

  it('releaseInstance → repeatable; the instance then no longer answers queries; unknown instance → 000003', async () => {
    await newInstance('v1-rel-1');
    const release = { activity: 'releaseInstance', instanceId: 'v1-rel-1', orderId: 'CSV1UNSUB02', orderAmount: '-10' };
    expect((await v1Call(server, release)).json).toEqual({ resultCode: '000000', resultMsg: 'success' });
    expect((await v1Call(server, release)).json).toEqual({ resultCode: '000000', resultMsg: 'success' });
    expect((await v1Call(server, { activity: 'queryInstance', instanceId: 'v1-rel-1' })).json).toMatchObject({ resultCode: '000003' });
    expect((await v1Call(server, { ...release, instanceId: 'nope' })).json).toMatchObject({ resultCode: '000003' });
  });

  it('upgrade → once per order, with the new specification in the query; unknown instance → 000003', async () => {
    await newInstance('v1-u-1');
    const upgrade = {
      activity: 'upgrade',
      instanceId: 'v1-u-1',
      orderId: 'CSV1UPG0001',
      skuCode: 'sku-big',
      productId: 'OFFI0003',
      amount: '20',
      diskSize: '200',
      bandWidth: '10',
    };
    expect((await v1Call(server, upgrade)).json).toEqual({ resultCode: '000000', resultMsg: 'success' });
    expect((await v1Call(server, upgrade)).json).toEqual({ resultCode: '000000', resultMsg: 'success' });
    expect(await store.db.selectFrom('instance_orders').select(['kind', 'order_line_id']).where('instance_id', '=', 'v1-u-1').execute()).toEqual([
      { kind: 'upgrade', order_line_id: 'CSV1UPG0001-000001' },
    ]);
    expect((await v1Call(server, { ...upgrade, instanceId: 'nope' })).json).toMatchObject({ resultCode: '000003' });
  });

  it('passes the V1.0 debug cases of a period product twice in a row (new, renewal, expiry, release; https://support.huaweicloud.com/intl/en-us/accessg-marketplace/en-us_topic_0070649058.html)', async () => {
    const order = orderId();
    for (let round = 0; round < 2; round++) {
      expect(await newInstance(`v1-debug-${round}`, order, { testFlag: '1' })).toMatchObject({ resultCode: '000000', instanceId: 'v1-debug-0' });
      const calls: Record<string, string>[] = [
        { activity: 'refreshInstance', instanceId: 'v1-debug-0', orderId: `${order}R`, expireTime: '20281121100000', testFlag: '1' },
        { activity: 'expireInstance', instanceId: 'v1-debug-0', orderId: order, testFlag: '1' },
        { activity: 'releaseInstance', instanceId: 'v1-debug-0', orderId: order, testFlag: '1' },
      ];
      for (const call of calls) expect((await v1Call(server, call)).json).toMatchObject({ resultCode: '000000' });
    }
  });

  describe('one instance lifecycle with SaaS V2.0', () => {
    it('a V1.0 instance answers V2.0 queryInstance, refreshInstance and newInstance for its order line', async () => {
      const order = orderId();
      await newInstance('v1-to-v2', order);
      const { json } = await server.call({ activity: 'queryInstance', instanceId: 'v1-to-v2' });
      expect(json).toMatchObject({ resultCode: '000000', info: [{ instanceId: 'v1-to-v2', appInfo: { userName: `admin_${shortId('v1-to-v2')}` } }] });
      const renew = {
        activity: 'refreshInstance',
        instanceId: 'v1-to-v2',
        orderId: 'CSV2RENEW01',
        orderLineId: 'CSV2RENEW01-000001',
        scene: 'RENEWAL',
        expireTime: '20291121100000',
      };
      expect((await server.call(renew)).json).toMatchObject({ resultCode: '000000' });
      expect((await server.call({ activity: 'newInstance', orderId: order, orderLineId: `${order}-000001`, businessId: 'v2-other' })).json).toMatchObject({
        resultCode: '000000',
        instanceId: 'v1-to-v2',
      });
    });

    it('a V2.0 instance answers V1.0 queryInstance (credentials encrypted), newInstance, upgrade and expireInstance', async () => {
      const order = orderId();
      await server.call({ activity: 'newInstance', orderId: order, orderLineId: `${order}-000001`, businessId: 'v2-to-v1' });
      const { json } = await v1Call(server, { activity: 'queryInstance', instanceId: 'v2-to-v1' });
      const info = json.info as { appInfo: Record<string, string> }[];
      expect(open(info[0]!.appInfo.userName)).toBe(`admin_${shortId('v2-to-v1')}`);
      expect(await newInstance('v1-again', order)).toMatchObject({ resultCode: '000000', instanceId: 'v2-to-v1' });
      expect(
        (await v1Call(server, { activity: 'upgrade', instanceId: 'v2-to-v1', orderId: 'CSV1UPG0002', skuCode: 'sku-2', productId: 'OFFI0004' })).json,
      ).toMatchObject({ resultCode: '000000' });
      // The same upgrade order through V2.0 is recognised as done: the idempotency keys are shared.
      expect(
        (await server.call({ activity: 'upgradeInstance', instanceId: 'v2-to-v1', orderId: 'CSV1UPG0002', orderLineId: 'CSV1UPG0002-000001' })).json,
      ).toMatchObject({ resultCode: '000000' });
      expect(await store.db.selectFrom('instance_orders').select('kind').where('instance_id', '=', 'v2-to-v1').execute()).toEqual([{ kind: 'upgrade' }]);
      expect((await v1Call(server, { activity: 'expireInstance', instanceId: 'v2-to-v1', orderId: order })).json).toMatchObject({ resultCode: '000000' });
    });
  });

  describe('provisioner outcomes', () => {
    it('provisioning slower than the budget → 000004 with the instanceId and no appInfo; a retry once ready → 000000 with it', async () => {
      const fake = fakeProvisioner();
      const slow = startTestServer(store, { lifecycle: { provisioner: fake.provisioner, budgetMs: 50 } });
      fake.thenCreate(after(300, () => ({ state: 'ready' as const, appInfo: fake.appInfo('v1-slow-1') })));
      const order = orderId();
      expect(await newInstance('v1-slow-1', order, {}, slow)).toEqual({
        resultCode: '000004',
        resultMsg: 'request is being processed',
        instanceId: 'v1-slow-1',
      });
      expect(await details('v1-slow-1')).toMatchObject({ order_id: order });
      await slow.lifecycle.settle();
      const ready = await newInstance('v1-slow-2', order, {}, slow);
      expect(ready).toMatchObject({ resultCode: '000000', instanceId: 'v1-slow-1', encryptType: '1' });
      expect(open((ready.appInfo as Record<string, string>).password)).toBe('Secret123abc');
    });

    it('a documented refusal of the product (000106) is passed on, and no order details are kept', async () => {
      const fake = fakeProvisioner();
      const refusing = startTestServer(store, { lifecycle: { provisioner: fake.provisioner } });
      fake.thenCreate(async () => {
        throw new ProvisioningRefusal('000106', 'sold out');
      });
      expect(await newInstance('v1-sold-out', orderId(), {}, refusing)).toEqual({ resultCode: '000106', resultMsg: 'sold out' });
      expect(await details('v1-sold-out')).toBeUndefined();
    });
  });

  it('keeps an audit trail of every call, with the personal parameters redacted', async () => {
    const order = orderId();
    await newInstance('v1-audit-1', order, { customerName: 'Zhang San', email: encryptCredential(ACCESS_KEY, '1', 'zhang@example.com'), testFlag: '1' });
    await v1Call(server, { activity: 'queryInstance', instanceId: 'v1-audit-1' });
    const events = await store.db.selectFrom('events').selectAll().where('instance_id', '=', 'v1-audit-1').orderBy('id').execute();
    expect(events.map((e) => [e.family, e.activity, e.result_code, e.order_id, e.test_flag])).toEqual([
      ['saas-v1', 'newInstance', '000000', order, 1],
      ['saas-v1', 'queryInstance', '000000', null, 0],
    ]);
    expect(JSON.parse(events[0]!.request)).toMatchObject({
      businessId: 'v1-audit-1',
      customerId: 'cust-0001',
      customerName: '[redacted]',
      email: '[redacted]',
    });
    expect(events.every((e) => !/Zhang|zhang@|password/.test(e.request))).toBe(true);
  });

  it('writes no personal data to the logs, whatever the outcome of the call', async () => {
    const lines: string[] = [];
    const base = startTestServer(store);
    const app = buildApp({
      config: TEST_CONFIG,
      db: store.db,
      lifecycle: base.lifecycle,
      nonces: sqlNonceRegistry(store.db),
      logger: jsonLogger('debug', (line) => lines.push(line)),
      now: () => base.clock.now,
    });
    const logged = { ...base, app };
    const personal = {
      customerName: 'Zhang San',
      userName: 'iam_zhang',
      mobilePhone: encryptCredential(ACCESS_KEY, '1', '13912345678'),
      email: encryptCredential(ACCESS_KEY, '1', 'zhang@example.com'),
    };
    const created = await newInstance(
      'v1-log-1',
      orderId(),
      { ...personal, saasExtendParams: Buffer.from('[{"name":"idCard","value":"110101199003071234"}]').toString('base64') },
      logged,
    );
    await newInstance('v1-log-2', orderId(), { ...personal, email: encryptCredential('another-key-123456', '1', 'zhang@example.com') }, logged);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    const secrets = [
      'Zhang',
      'zhang',
      '13912345678',
      '110101199003071234',
      personal.mobilePhone,
      personal.email,
      (created.appInfo as Record<string, string>).password,
    ];
    for (const line of lines) for (const secret of secrets) expect(line).not.toContain(secret);
  });
});
