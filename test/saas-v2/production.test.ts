import { createDecipheriv } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtures } from '../crypto/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { shortId } from '../../src/provisioning/builtin-provisioner.js';

// Every answer below goes through server.call, which checks it against the activity's response schema in the YAML.
describe.each(DIALECTS)('SaaS V2.0 production interface on %s', (dialect) => {
  let store: TestStore;
  let server: TestServer;
  let n = 0;
  const order = () => {
    n += 1;
    const orderId = `CS2611210800T${String(n).padStart(4, '0')}`;
    return { orderId, orderLineId: `${orderId}-000001` };
  };
  beforeAll(async () => {
    store = await openTestStore(dialect);
    server = startTestServer(store);
  });
  afterAll(async () => store.dispose());

  const newInstance = async (businessId: string, o = order(), extra: object = {}) =>
    (await server.call({ activity: 'newInstance', ...o, businessId, ...extra })).json;

  it('newInstance → instanceId = the first businessId; a resend with a new businessId gets the same instanceId', async () => {
    const o = order();
    expect(await newInstance('87b94795-0603-4e24-8ae5-69420d60e3c8', o)).toEqual({
      resultCode: '000000',
      resultMsg: 'success',
      instanceId: '87b94795-0603-4e24-8ae5-69420d60e3c8',
    });
    expect(await newInstance('a8c4f0de-0000-4000-8000-000000000002', o)).toMatchObject({
      resultCode: '000000',
      instanceId: '87b94795-0603-4e24-8ae5-69420d60e3c8',
    });
  });

  it('16 concurrent newInstance for one order line → one row, one instanceId in every answer', async () => {
    const o = order();
    const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => newInstance(`concurrent-${i}`, o)));
    const ids = new Set(answers.map((a) => a.instanceId));
    expect(ids.size).toBe(1);
    expect(answers.every((a) => a.resultCode === '000000' || a.resultCode === '000004')).toBe(true);
    const rows = await store.db.selectFrom('instances').select('instance_id').where('order_id', '=', o.orderId).execute();
    expect(rows).toEqual([{ instance_id: [...ids][0] }]);
  });

  it('queryInstance → info with appInfo for each ready instance, up to 100 IDs', async () => {
    const created = [];
    for (let i = 0; i < 100; i++) created.push(`q-${i}`);
    for (const id of created) await newInstance(id);
    const { json } = await server.call({ activity: 'queryInstance', instanceId: created.join(',') });
    expect(json.resultCode).toBe('000000');
    const info = json.info as { instanceId: string; appInfo: Record<string, string> }[];
    expect(info).toHaveLength(100);
    expect(info.find((i) => i.instanceId === 'q-7')?.appInfo).toMatchObject({
      frontEndUrl: 'https://app.example.com/t/q-7',
      adminUrl: 'https://admin.example.com/t/q-7',
      userName: `admin_${shortId('q-7')}`,
      password: expect.stringMatching(/^[A-Za-z0-9]{16}$/),
    });
  });

  it('queryInstance of unknown IDs → 000003', async () => {
    expect((await server.call({ activity: 'queryInstance', instanceId: 'nope-1,nope-2' })).json).toMatchObject({ resultCode: '000003' });
  });

  it('refreshInstance → new expiry, once per (instance, order, scene); unknown instance → 000003', async () => {
    await newInstance('r-1');
    const body = {
      activity: 'refreshInstance',
      instanceId: 'r-1',
      orderId: 'CSRENEW0001',
      orderLineId: 'CSRENEW0001-000001',
      scene: 'RENEWAL',
      expireTime: '20271124023618256',
      productId: 'OFFI461867333479178240',
      testFlag: '0',
    };
    expect((await server.call(body)).json).toEqual({ resultCode: '000000', resultMsg: 'success' });
    expect((await server.call(body)).json).toEqual({ resultCode: '000000', resultMsg: 'success' });
    const row = await store.db.selectFrom('instances').select(['expires_at', 'product_id']).where('instance_id', '=', 'r-1').executeTakeFirstOrThrow();
    expect(row).toEqual({ expires_at: Date.UTC(2027, 10, 24, 2, 36, 18, 256), product_id: 'OFFI461867333479178240' });
    expect(await store.db.selectFrom('instance_orders').select('scene').where('instance_id', '=', 'r-1').execute()).toEqual([{ scene: 'RENEWAL' }]);
    expect((await server.call({ ...body, instanceId: 'nope' })).json).toMatchObject({ resultCode: '000003' });
  });

  it('updateInstanceStatus → FREEZE / UNFREEZE, idempotent', async () => {
    await newInstance('s-1');
    for (const status of ['FREEZE', 'FREEZE', 'UNFREEZE', 'UNFREEZE']) {
      expect((await server.call({ activity: 'updateInstanceStatus', instanceId: 's-1', status, testFlag: '1' })).json).toMatchObject({ resultCode: '000000' });
    }
    expect((await server.call({ activity: 'updateInstanceStatus', instanceId: 'nope', status: 'FREEZE' })).json).toMatchObject({ resultCode: '000003' });
  });

  it('releaseInstance → repeatable; the instance then no longer answers queries', async () => {
    await newInstance('rel-1');
    const body = { activity: 'releaseInstance', instanceId: 'rel-1', orderId: 'CSUNSUB0001', orderLineId: 'CSUNSUB0001-000001' };
    expect((await server.call(body)).json).toMatchObject({ resultCode: '000000' });
    expect((await server.call(body)).json).toMatchObject({ resultCode: '000000' });
    expect((await server.call({ activity: 'queryInstance', instanceId: 'rel-1' })).json).toMatchObject({ resultCode: '000003' });
  });

  it('upgradeInstance → once per order; unknown instance → 000003', async () => {
    await newInstance('u-1');
    const body = { activity: 'upgradeInstance', instanceId: 'u-1', orderId: 'CSUPGRADE01', orderLineId: 'CSUPGRADE01-000001', testFlag: '0' };
    expect((await server.call(body)).json).toMatchObject({ resultCode: '000000' });
    expect((await server.call(body)).json).toMatchObject({ resultCode: '000000' });
    expect(await store.db.selectFrom('instance_orders').select('kind').where('instance_id', '=', 'u-1').execute()).toEqual([{ kind: 'upgrade' }]);
    expect((await server.call({ ...body, instanceId: 'nope' })).json).toMatchObject({ resultCode: '000003' });
  });

  it('changeInstanceCheck → allowed by the default policy, with an open productInfo', async () => {
    await newInstance('c-1');
    const body = {
      activity: 'changeInstanceCheck',
      instanceId: 'c-1',
      productInfo: { skuCode: 'b3c4d5e6', productId: 'OFFI461867333479178241', linearValue: '10', futureField: 'kept' },
    };
    expect((await server.call(body)).json).toMatchObject({ resultCode: '000000' });
  });

  it('keeps an audit trail of every call with its outcome', async () => {
    const o = order();
    await newInstance('audit-1', o, { testFlag: '1' });
    await server.call({ activity: 'queryInstance', instanceId: 'audit-1' });
    const events = await store.db.selectFrom('events').selectAll().where('instance_id', '=', 'audit-1').orderBy('id').execute();
    expect(events.map((e) => [e.activity, e.result_code, e.order_id, e.test_flag])).toEqual([
      ['newInstance', '000000', o.orderId, 1],
      ['queryInstance', '000000', null, 0],
    ]);
    expect(JSON.parse(events[0]!.request)).toMatchObject({ businessId: 'audit-1' });
    // The answer's credentials are not kept in the log.
    expect(events.every((e) => !e.request.includes('password'))).toBe(true);
  });

  it('escapes non-ASCII in answers as \\uXXXX (memo rule of https://support.huaweicloud.com/intl/en-us/accessg-marketplace/topic_0070649093.html)', async () => {
    const memoServer = startTestServer(store, {});
    const o = order();
    await store.db
      .insertInto('instances')
      .values({
        instance_id: 'memo-1',
        order_id: o.orderId,
        order_line_id: o.orderLineId,
        business_id: 'memo-1',
        status: 'ACTIVE',
        frozen: 0,
        test_flag: 0,
        app_info: JSON.stringify({ frontEndUrl: 'https://app.example.com', memo: '首次登录请修改密码' }),
        product_id: null,
        expires_at: null,
        provision_lease_until: null,
        provision_attempts: 1,
        last_error: null,
        created_at: 1,
        updated_at: 1,
      })
      .execute();
    const { response, json } = await memoServer.call({ activity: 'queryInstance', instanceId: 'memo-1' });
    expect(await response.clone().text()).toContain('\\u9996\\u6b21');
    expect((json.info as { appInfo: { memo: string } }[])[0]!.appInfo.memo).toBe('首次登录请修改密码');
  });

  it('encrypts userName/password when configured, decryptable with the key Java derives (encryptType 1 and 2)', async () => {
    // An access key whose AES keys the JDK itself produced (test/fixtures/crypto): decryption here uses node:crypto
    // with those keys, not the project's code.
    const javaKeys = fixtures.aesKeys.find((k) => k.accessKey === 'kgkit-test-access-key')!;
    for (const [encryptType, keyHex, cipher] of [
      ['1', javaKeys.key256, 'aes-256-cbc'],
      ['2', javaKeys.key128, 'aes-128-cbc'],
    ] as const) {
      const encrypting = startTestServer(store, { config: { accessKey: javaKeys.accessKey, credentialEncryption: encryptType } });
      const o = order();
      const id = `enc-${encryptType}`;
      await encrypting.call({ activity: 'newInstance', ...o, businessId: id });
      const { json } = await encrypting.call({ activity: 'queryInstance', instanceId: id });
      expect(json.encryptType).toBe(encryptType);
      const appInfo = (json.info as { appInfo: { userName: string; password: string } }[])[0]!.appInfo;
      const decrypt = (value: string) => {
        const decipher = createDecipheriv(cipher, Buffer.from(keyHex, 'hex'), Buffer.from(value.slice(0, 16), 'utf8'));
        return Buffer.concat([decipher.update(Buffer.from(value.slice(16), 'base64')), decipher.final()]).toString('utf8');
      };
      expect(decrypt(appInfo.userName)).toBe(`admin_${shortId(id)}`);
      expect(decrypt(appInfo.password)).toMatch(/^[A-Za-z0-9]{16}$/);
      expect(appInfo.password.length).toBeLessThanOrEqual(128);
    }
  });
});
