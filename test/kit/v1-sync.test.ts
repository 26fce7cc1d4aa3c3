import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tenantDirectoryReader } from '../../src/tenants/directory-reader.js';
import type { TenantDirectoryReader } from '../../src/tenants/directory.js';
import { KIT_TABLES, type KitServer, authTokenHeader, kitTimeStamp, startKitServer } from '../support/kit.js';
import { INSTANCE, SECRET_SHA1, TENANT, allOrgsV1, application, authV1, singleOrg, tenant, unit, user, users } from '../support/kit-bodies.js';
import { KEYS, TEST_DATA_KEYS } from '../support/server.js';
import { DIALECTS, type TestStore, openTestStore } from '../support/stores.js';

// The documented V1 userList value (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649111.html), a JSON-encoded string.
const DOCUMENTED_USER_LIST =
  '[{"userName":"zhangsan01","name":"张三","position":"系统管理员","orgCode":"123456789","role":"admin","enable":"true","employeeCode":"","mobile":"","email":"","extension":{"entryDate":"2022-11-9","employeeType":"4","workPlace":"南京"}}]';

describe.each(DIALECTS)('Kit V1 syncs on %s', (dialect) => {
  let store: TestStore;
  let server: KitServer;
  let directory: TenantDirectoryReader;
  beforeAll(async () => {
    store = await openTestStore(dialect);
    directory = tenantDirectoryReader(store.db, TEST_DATA_KEYS);
  });
  afterAll(async () => store.dispose());
  beforeEach(async () => {
    for (const table of [...KIT_TABLES, 'events'] as const) await store.db.deleteFrom(table).execute();
    server = startKitServer(store);
  });

  const count = async (table: (typeof KIT_TABLES)[number]) => (await store.db.selectFrom(table).selectAll().execute()).length;
  const orgTree = async () =>
    (await store.db.selectFrom('kit_org_units').select(['org_code', 'org_name', 'parent_code']).orderBy('org_code').execute()).map(
      (r) => `${r.org_code}:${r.org_name}<${r.parent_code}`,
    );

  it('tenantSync: adds (a repeat creates nothing new), deletes twice, deletes an unknown tenant, all 000000', async () => {
    expect((await server.v1('tenantSync', tenant({ name: '华为测试' }))).json).toEqual({ resultCode: '000000', resultMsg: 'success' });
    await server.v1('tenantSync', tenant({ name: '华为测试' }));
    expect(await count('kit_tenants')).toBe(1);
    expect(await directory.findTenant(TENANT)).toMatchObject({ name: '华为测试', domainName: 'https://example.tenantaccount.com' });
    for (const body of [tenant({ flag: 0 }), tenant({ flag: 0 }), tenant({ flag: 0, tenantId: 'never-seen' })]) {
      expect((await server.v1('tenantSync', body)).json).toMatchObject({ resultCode: '000000' });
    }
    expect(await directory.findTenant(TENANT)).toBeUndefined();
  });

  it('applicationSync: decrypts a Java OAEP SHA-1 secret; an undecryptable one is 000101 with nothing stored', async () => {
    expect((await server.v1('applicationSync', application({ clientSecret: SECRET_SHA1.ciphertext }))).json).toMatchObject({ resultCode: '000000' });
    expect(await directory.findApplication(TENANT)).toMatchObject({ clientId: 'client-0001', clientSecret: SECRET_SHA1.plaintext });
    expect((await server.v1('applicationSync', application({ appId: 'app-0002', clientSecret: 'AAAA' }))).json).toEqual({
      resultCode: '000101',
      resultMsg: 'something wrong with appSecret',
    });
    expect(await count('kit_applications')).toBe(1);
    expect((await server.v1('applicationSync', application({ flag: 0 }))).json).toMatchObject({ resultCode: '000000' });
    expect(await count('kit_applications')).toBe(0);
  });

  it('authSync: reads the documented JSON-encoded userList, extension attributes included', async () => {
    expect((await server.v1('authSync', authV1([], { userList: DOCUMENTED_USER_LIST }))).json).toMatchObject({ resultCode: '000000' });
    expect(await directory.findUser(TENANT, 'zhangsan01')).toEqual({
      tenantId: TENANT,
      userName: 'zhangsan01',
      name: '张三',
      orgCode: '123456789',
      role: 'admin',
      enabled: true,
    });
    const row = await store.db.selectFrom('kit_users').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      position: '系统管理员',
      employee_code: null,
      mobile: null,
      email: null,
      employee_type: 4,
      work_place: '南京',
      entry_date: '2022-11-9',
    });
    expect(JSON.parse(row.extension!)).toEqual({ entryDate: '2022-11-9', employeeType: '4', workPlace: '南京' });
  });

  it('authSync: exactly 500 users after the same 500-user call twice; modify (flag 2, see the CONFLICT) and delete', async () => {
    const body = authV1(users(500));
    for (let i = 0; i < 2; i++) expect((await server.v1('authSync', body)).json).toMatchObject({ resultCode: '000000' });
    expect(await count('kit_users')).toBe(500);
    expect((await server.v1('authSync', authV1([user(3, { name: 'renamed' })], { flag: 2 }))).json).toMatchObject({ resultCode: '000000' });
    expect((await directory.findUser(TENANT, 'user0003'))?.name).toBe('renamed');
    for (let i = 0; i < 2; i++) expect((await server.v1('authSync', authV1(users(100), { flag: 0 }))).json).toMatchObject({ resultCode: '000000' });
    expect(await count('kit_users')).toBe(400);
  });

  it('allOrgSync: reads the JSON-encoded orgInfo (`name`, not `orgName`) and replaces the tree', async () => {
    await server.v1('allOrgSync', allOrgsV1([unit('10000', '总部'), unit('10001', '研发部', '10000')]));
    await server.v1('allOrgSync', allOrgsV1([unit('10000', '总部'), unit('10002', 'Sales', '10000')]));
    expect(await orgTree()).toEqual(['10000:总部<', '10002:Sales<10000']);
  });

  it('singleOrgSync: adds, moves and deletes one department', async () => {
    await server.v1('singleOrgSync', singleOrg('10000', 'HQ', '', 1));
    await server.v1('singleOrgSync', singleOrg('10001', 'R&D', '', 1));
    await server.v1('singleOrgSync', singleOrg('10001', 'R&D', '10000', 2));
    expect(await orgTree()).toEqual(['10000:HQ<', '10001:R&D<10000']);
    for (let i = 0; i < 2; i++) expect((await server.v1('singleOrgSync', singleOrg('10000', 'HQ', '', 0))).json).toMatchObject({ resultCode: '000000' });
    expect(await orgTree()).toEqual(['10001:R&D<10000']);
  });

  it('writes the same directory as V2: a V1 tenant, a V2 delete', async () => {
    await server.v1('tenantSync', tenant());
    await server.v2('tenantSync', tenant({ flag: 0 }));
    expect(await count('kit_tenants')).toBe(0);
  });

  it('records its calls in the audit trail under family kit-v1, without the clientSecret', async () => {
    await server.v1('applicationSync', application({ clientSecret: SECRET_SHA1.ciphertext }));
    const event = await store.db.selectFrom('events').selectAll().executeTakeFirstOrThrow();
    expect(event).toMatchObject({ family: 'kit-v1', activity: 'applicationSync', instance_id: INSTANCE, result_code: '000000' });
    expect(event.request).not.toContain(SECRET_SHA1.ciphertext.slice(0, 40));
  });

  describe('Body-Sign on every answer (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649157.html)', () => {
    const bodySignOf = (bytes: Buffer, key: string) => `sign_type="HMAC-SHA256", signature="${createHmac('sha256', key).update(bytes).digest('base64')}"`;
    const signed = () => ({ ...tenant(), timeStamp: kitTimeStamp(server.clock.now) });
    const cases: [string, () => { body: string; headers: Record<string, string> }][] = [
      ['a success', () => ({ body: JSON.stringify(signed()), headers: authTokenHeader(signed()) })],
      ['a contract violation (000002)', () => ({ body: JSON.stringify({ ...signed(), flag: 2 }), headers: authTokenHeader({ ...signed(), flag: 2 }) })],
      ['a forged call (000001)', () => ({ body: JSON.stringify(signed()), headers: { authToken: `${'x'.repeat(43)}=` } })],
      ['a stale call (000002)', () => ({ body: JSON.stringify({ ...signed(), timeStamp: '20200101000000000' }), headers: {} })],
      ['a body that is not JSON (000002)', () => ({ body: '{', headers: {} })],
    ];

    it.each(cases)('signs %s with the Kit key over the exact bytes, whatever BODY_SIGN says', async (_name, make) => {
      for (const bodySign of [true, false]) {
        const { body, headers } = make();
        const kit = startKitServer(store, { config: { bodySign } });
        const response = await kit.post('v1', 'tenantSync', body, headers);
        const bytes = Buffer.from(await response.arrayBuffer());
        expect(response.headers.get('body-sign')).toBe(bodySignOf(bytes, KEYS.kit));
        expect(response.status).toBe(200);
      }
    });
  });
});
