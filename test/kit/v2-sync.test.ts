import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tenantDirectoryReader } from '../../src/tenants/directory-reader.js';
import type { TenantDirectoryReader } from '../../src/tenants/directory.js';
import { KIT_TABLES, type KitServer, kitDirectoryState, kitFixtures, lastEvent, startKitServer, xSignHeaders } from '../support/kit.js';
import {
  APP,
  INSTANCE,
  SECRET_SHA1,
  SECRET_SHA256,
  SECRET_SHA256_MGF256,
  TENANT,
  allOrgs,
  application,
  auth,
  singleOrg,
  tenant,
  unit,
  user,
  users,
} from '../support/kit-bodies.js';
import { TEST_CONFIG, TEST_DATA_KEYS } from '../support/server.js';
import { DIALECTS, type TestStore, openTestStore } from '../support/stores.js';

describe.each(DIALECTS)('Kit V2 syncs on %s', (dialect) => {
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

  describe('tenantSync', () => {
    it('stores the documented example and answers 000000', async () => {
      const { json } = await server.v2('tenantSync', tenant());
      expect(json).toEqual({ resultCode: '000000', resultMsg: 'success' });
      expect(await directory.findTenant(TENANT)).toEqual({
        instanceId: INSTANCE,
        tenantId: TENANT,
        tenantCode: 'huawei',
        name: 'huaiweitest',
        domainName: 'https://example.tenantaccount.com',
      });
    });

    it('creates nothing new on a repeated add, and leaves the values of the last one', async () => {
      await server.v2('tenantSync', tenant());
      await server.v2('tenantSync', tenant());
      expect((await server.v2('tenantSync', tenant({ name: 'renamed' }))).json).toMatchObject({ resultCode: '000000' });
      expect(await count('kit_tenants')).toBe(1);
      expect((await directory.findTenant(TENANT))?.name).toBe('renamed');
    });

    it('modifies name and domain (flag 2), and adds a tenant it did not know', async () => {
      await server.v2('tenantSync', tenant({ flag: 2, tenantId: 'unknown-tenant' }));
      expect((await directory.findTenant('unknown-tenant'))?.name).toBe('huaiweitest');
      await server.v2('tenantSync', tenant());
      await server.v2('tenantSync', tenant({ flag: 2, name: '新名字', domainName: 'https://new.tenantaccount.com' }));
      expect(await directory.findTenant(TENANT)).toMatchObject({ name: '新名字', domainName: 'https://new.tenantaccount.com' });
    });

    it('deletes twice with 000000, and a tenant it never knew too', async () => {
      expect((await server.v2('tenantSync', tenant({ flag: 0, tenantId: 'never-seen' }))).json).toMatchObject({ resultCode: '000000' });
      await server.v2('tenantSync', tenant());
      expect((await server.v2('tenantSync', tenant({ flag: 0 }))).json).toMatchObject({ resultCode: '000000' });
      expect((await server.v2('tenantSync', tenant({ flag: 0 }))).json).toMatchObject({ resultCode: '000000' });
      expect(await directory.findTenant(TENANT)).toBeUndefined();
    });

    it('never checks the instance: an empty instanceId (credential application) is a tenant like any other', async () => {
      await server.v2('tenantSync', tenant({ instanceId: '', orderId: '' }));
      expect(await directory.findTenant(TENANT)).toMatchObject({ instanceId: '' });
    });

    it("removes the tenant's applications, users and departments of that instance with it, and no other instance's", async () => {
      await server.v2('tenantSync', tenant());
      await server.v2('applicationSync', application());
      await server.v2('authSync', auth(users(3)));
      await server.v2('allOrgSync', allOrgs([unit('10000', '总部')]));
      await server.v2('tenantSync', tenant({ instanceId: 'other-instance' }));
      await server.v2('authSync', auth(users(2), { instanceId: 'other-instance' }));
      await server.v2('tenantSync', tenant({ flag: 0 }));
      const left = await kitDirectoryState(store);
      expect(left.kit_applications).toEqual([]);
      expect(left.kit_org_units).toEqual([]);
      expect(left.kit_users).toHaveLength(2);
      expect(left.kit_tenants).toHaveLength(1);
      expect(await directory.findTenant(TENANT)).toMatchObject({ instanceId: 'other-instance' });
    });
  });

  describe('applicationSync', () => {
    it.each([
      ['Java OAEPWithSHA-256AndMGF1Padding, default parameters (MGF1 SHA-1)', SECRET_SHA256],
      ['Java OAEPWithSHA-256AndMGF1Padding, MGF1 SHA-256', SECRET_SHA256_MGF256],
      ['Java OAEPWithSHA-1AndMGF1Padding', SECRET_SHA1],
    ])('decrypts a clientSecret made by %s; the reader returns the plaintext', async (_name, secret) => {
      const { json } = await server.v2('applicationSync', application({ clientSecret: secret.ciphertext }));
      expect(json).toEqual({ resultCode: '000000', resultMsg: 'success' });
      expect(await directory.findApplication(TENANT)).toEqual({
        instanceId: INSTANCE,
        tenantId: TENANT,
        appId: APP,
        clientId: 'client-0001',
        clientSecret: secret.plaintext,
      });
    });

    it('keeps only the sealed secret in the store, and no ciphertext in the audit trail', async () => {
      await server.v2('applicationSync', application());
      const [row] = await store.db.selectFrom('kit_applications').selectAll().execute();
      expect(row?.client_secret).toMatch(/^v1\.[A-Za-z0-9+/]+=*$/);
      expect(JSON.stringify(await kitDirectoryState(store))).not.toContain(SECRET_SHA256.plaintext);
      const event = await lastEvent(store);
      expect(event).toMatchObject({ family: 'kit-v2', activity: 'applicationSync', instance_id: INSTANCE, result_code: '000000' });
      expect(event.request).not.toContain(SECRET_SHA256.ciphertext.slice(0, 40));
    });

    it.each(
      kitFixtures.oaep
        .filter((c) => !c.accepted)
        .map((c) => [c.name, c.ciphertext] as const)
        .concat([
          ['not Base64', 'not base64 at all!'],
          ['Base64 of the wrong length', Buffer.from('short').toString('base64')],
          ['a plaintext secret', 'kit-client-secret-0001'],
        ]),
    )('answers 000101 and stores nothing for a secret it cannot decrypt: %s', async (_name, clientSecret) => {
      const { json } = await server.v2('applicationSync', application({ clientSecret }));
      expect(json).toEqual({ resultCode: '000101', resultMsg: 'something wrong with appSecret' });
      expect(await count('kit_applications')).toBe(0);
      expect(await lastEvent(store)).toMatchObject({ result_code: '000101' });
    });

    it('answers 000005 when no RSA private key is configured, and stores nothing', async () => {
      const keyless = startKitServer(store, { config: { kit: { accessKey: TEST_CONFIG.kit.accessKey } } });
      const { json } = await keyless.v2('applicationSync', application());
      expect(json).toMatchObject({ resultCode: '000005', resultMsg: expect.stringMatching(/KIT_RSA_PRIVATE_KEY_FILE/) });
      expect(await count('kit_applications')).toBe(0);
    });

    it('repeats an add without a duplicate, modifies (flag 2) to new credentials, deletes twice with 000000', async () => {
      await server.v2('applicationSync', application());
      await server.v2('applicationSync', application());
      expect(await count('kit_applications')).toBe(1);
      await server.v2('applicationSync', application({ flag: 2, clientId: 'client-0002', clientSecret: SECRET_SHA1.ciphertext }));
      expect(await directory.findApplication(TENANT)).toMatchObject({ clientId: 'client-0002', clientSecret: SECRET_SHA1.plaintext });
      await server.v2('authSync', auth(users(2)));
      for (let i = 0; i < 2; i++)
        expect((await server.v2('applicationSync', application({ flag: 0, clientSecret: 'ignored on delete' }))).json).toMatchObject({ resultCode: '000000' });
      expect(await directory.findApplication(TENANT)).toBeUndefined();
      expect(await count('kit_users')).toBe(0);
    });

    it('answers a delete of an application it never knew with 000000', async () => {
      expect((await server.v2('applicationSync', application({ flag: 0, appId: 'never-seen' }))).json).toMatchObject({ resultCode: '000000' });
    });
  });

  describe('authSync', () => {
    it('authorises the listed users; the reader finds them with their role', async () => {
      await server.v2('authSync', auth([user(0), user(1, { enable: 'false' })]));
      expect(await directory.findUser(TENANT, 'user0000')).toEqual({
        tenantId: TENANT,
        userName: 'user0000',
        name: '用户0',
        orgCode: '10001',
        role: 'admin',
        enabled: true,
      });
      expect(await directory.findUser(TENANT, 'user0001')).toMatchObject({ role: 'user', enabled: false });
      expect(await directory.findUser(TENANT, 'nobody')).toBeUndefined();
    });

    it('keeps every documented attribute, and extension as sent', async () => {
      const full = user(7, {
        position: '系统管理员',
        employeeCode: 'E7',
        employeeType: 4,
        mobile: '13800000000',
        email: 'u7@example.com',
        workPlace: '南京',
        entryDate: '2022-11-9',
        extension: { ledger: ['A', 'B'] },
        futureField: 'ignored',
      });
      await server.v2('authSync', auth([full]));
      const row = await store.db.selectFrom('kit_users').selectAll().executeTakeFirstOrThrow();
      expect(row).toMatchObject({
        position: '系统管理员',
        employee_code: 'E7',
        employee_type: 4,
        mobile: '13800000000',
        email: 'u7@example.com',
        work_place: '南京',
        entry_date: '2022-11-9',
        extension: '{"ledger":["A","B"]}',
        authorized: 1,
        sync_time: '20221109101010123',
      });
    });

    it('holds exactly 500 users after the same 500-user call twice, and after three at once', async () => {
      const body = auth(users(500));
      expect((await server.v2('authSync', body)).json).toMatchObject({ resultCode: '000000' });
      expect((await server.v2('authSync', body)).json).toMatchObject({ resultCode: '000000' });
      expect(await count('kit_users')).toBe(500);
      const answers = await Promise.all([1, 2, 3].map(() => server.v2('authSync', auth(users(500), { instanceId: 'concurrent' }))));
      expect(answers.map((a) => a.json.resultCode)).toEqual(['000000', '000000', '000000']);
      expect(await store.db.selectFrom('kit_users').selectAll().where('instance_id', '=', 'concurrent').execute()).toHaveLength(500);
    });

    it('counts a userName listed twice once, the last entry winning', async () => {
      await server.v2('authSync', auth([user(1, { name: 'first' }), user(1, { name: 'second' })]));
      expect(await count('kit_users')).toBe(1);
      expect((await directory.findUser(TENANT, 'user0001'))?.name).toBe('second');
    });

    it('modifies attributes (flag 2) without re-authorising, adds an unknown user', async () => {
      await server.v2('authSync', auth([user(1)]));
      await server.v2('authSync', auth([user(1)], { flag: 3 }));
      await server.v2('authSync', auth([user(1, { role: 'admin' }), user(2)], { flag: 2 }));
      expect(await directory.findUser(TENANT, 'user0001')).toBeUndefined();
      expect((await store.db.selectFrom('kit_users').selectAll().where('user_name', '=', 'user0001').executeTakeFirstOrThrow()).role).toBe('admin');
      expect(await directory.findUser(TENANT, 'user0002')).toMatchObject({ role: 'user' });
    });

    it('cancels authorisation (flag 3): the user is kept but no longer found; an add authorises again', async () => {
      await server.v2('authSync', auth(users(2)));
      expect((await server.v2('authSync', auth([user(1)], { flag: 3 }))).json).toMatchObject({ resultCode: '000000' });
      expect(await directory.findUser(TENANT, 'user0001')).toBeUndefined();
      expect(await count('kit_users')).toBe(2);
      await server.v2('authSync', auth([user(1)]));
      expect(await directory.findUser(TENANT, 'user0001')).toBeDefined();
    });

    it('deletes twice with 000000; deleting and cancelling unknown users is 000000 and stores nothing', async () => {
      await server.v2('authSync', auth(users(3)));
      for (let i = 0; i < 2; i++) expect((await server.v2('authSync', auth([user(0), user(1)], { flag: 0 }))).json).toMatchObject({ resultCode: '000000' });
      expect(await count('kit_users')).toBe(1);
      expect((await server.v2('authSync', auth([user(9)], { flag: 0 }))).json).toMatchObject({ resultCode: '000000' });
      expect((await server.v2('authSync', auth([user(9)], { flag: 3 }))).json).toMatchObject({ resultCode: '000000' });
      expect(await count('kit_users')).toBe(1);
    });

    it('accepts an empty userList as a change of nothing', async () => {
      expect((await server.v2('authSync', auth([]))).json).toMatchObject({ resultCode: '000000' });
      expect(await count('kit_users')).toBe(0);
    });
  });

  describe('allOrgSync and singleOrgSync', () => {
    const tree = [unit('10000', '总部'), unit('10001', '研发部', '10000'), unit('10002', 'Sales', '10000')];

    it('stores the whole list; a repeat leaves exactly the same departments', async () => {
      await server.v2('allOrgSync', allOrgs(tree));
      await server.v2('allOrgSync', allOrgs(tree));
      expect(await orgTree()).toEqual(['10000:总部<', '10001:研发部<10000', '10002:Sales<10000']);
    });

    it('replaces the tree: departments missing from the new list are gone', async () => {
      await server.v2('allOrgSync', allOrgs(tree));
      await server.v2('allOrgSync', allOrgs([unit('10000', 'HQ'), unit('20000', 'Ops', '10000')]));
      expect(await orgTree()).toEqual(['10000:HQ<', '20000:Ops<10000']);
      await server.v2('allOrgSync', allOrgs([]));
      expect(await orgTree()).toEqual([]);
    });

    it('ends with exactly one of two trees sent at once, never a mixture', async () => {
      const a = [unit('A1', 'a1'), unit('A2', 'a2', 'A1')];
      const b = [unit('B1', 'b1'), unit('B2', 'b2', 'B1'), unit('B3', 'b3', 'B1')];
      const answers = await Promise.all([a, b, a, b].map((list) => server.v2('allOrgSync', allOrgs(list))));
      expect(answers.every((x) => x.json.resultCode === '000000')).toBe(true);
      expect([
        ['A1:a1<', 'A2:a2<A1'],
        ['B1:b1<', 'B2:b2<B1', 'B3:b3<B1'],
      ]).toContainEqual(await orgTree());
    });

    it('counts an orgCode listed twice once, the last entry winning', async () => {
      await server.v2('allOrgSync', allOrgs([unit('10000', 'first'), unit('10000', 'second')]));
      expect(await orgTree()).toEqual(['10000:second<']);
    });

    it('adds, renames, moves and deletes one department; unknown deletes are 000000', async () => {
      await server.v2('allOrgSync', allOrgs(tree));
      await server.v2('singleOrgSync', singleOrg('10003', 'Support', '10000', 1));
      await server.v2('singleOrgSync', singleOrg('10003', 'Support', '10000', 1));
      await server.v2('singleOrgSync', singleOrg('10002', 'Sales EMEA', '10001', 2));
      expect(await orgTree()).toEqual(['10000:总部<', '10001:研发部<10000', '10002:Sales EMEA<10001', '10003:Support<10000']);
      for (let i = 0; i < 2; i++)
        expect((await server.v2('singleOrgSync', singleOrg('10001', '研发部', '10000', 0))).json).toMatchObject({ resultCode: '000000' });
      expect((await server.v2('singleOrgSync', singleOrg('99999', 'never', '', 0))).json).toMatchObject({ resultCode: '000000' });
      // The deleted department's child stays: the marketplace sends its own change.
      expect(await orgTree()).toEqual(['10000:总部<', '10002:Sales EMEA<10001', '10003:Support<10000']);
    });

    it('adds an unknown department on modify (flag 2)', async () => {
      await server.v2('singleOrgSync', singleOrg('30000', 'New', '', 2));
      expect(await orgTree()).toEqual(['30000:New<']);
    });
  });

  describe('debug calls (testFlag 1)', () => {
    it('stores them marked as tests, and answers a repeat the same', async () => {
      const calls = [
        () => server.v2('tenantSync', tenant({ testFlag: 1, instanceId: '' })),
        () => server.v2('applicationSync', application({ testFlag: 1, instanceId: '' })),
        () => server.v2('authSync', auth(users(2), { testFlag: 1, instanceId: '' })),
        () => server.v2('allOrgSync', allOrgs([unit('1', 'x')], { testFlag: 1, instanceId: '' })),
        () => server.v2('singleOrgSync', singleOrg('2', 'y', '1', 1, { testFlag: 1, instanceId: '' })),
      ];
      for (const call of calls) expect((await call()).json).toMatchObject({ resultCode: '000000' });
      const first = await kitDirectoryState(store);
      for (const call of calls) expect((await call()).json).toMatchObject({ resultCode: '000000' });
      for (const table of ['kit_tenants', 'kit_applications', 'kit_users', 'kit_org_units'] as const) {
        const rows = await store.db.selectFrom(table).select(['test_flag']).execute();
        expect(rows.length).toBe(first[table]!.length);
        expect(rows.every((r) => r.test_flag === 1)).toBe(true);
      }
      expect(await store.db.selectFrom('events').select(['test_flag']).where('family', '=', 'kit-v2').execute()).toEqual(Array(10).fill({ test_flag: 1 }));
    });
  });

  it.each([
    ['/saasproduce', '/saasproduce/produceAPI/v2/tenantSync'],
    ['/', '/produceAPI/v2/tenantSync'],
  ])('serves the fixed sub-paths below SAAS_PATH=%s (%s)', async (saasPath, path) => {
    const moved = startKitServer(store, { config: { saasPath } });
    const text = JSON.stringify(tenant());
    const response = await moved.app.request(path, {
      method: 'POST',
      body: text,
      headers: { 'content-type': 'application/json', ...xSignHeaders(text, { timestamp: moved.clock.now }) },
    });
    expect(await response.json()).toEqual({ resultCode: '000000', resultMsg: 'success' });
    expect((await moved.app.request('/saas/produceAPI/v2/tenantSync', { method: 'POST', body: text })).status).toBe(404);
  });

  it('records every signed call in the audit trail under family kit-v2, by operation', async () => {
    await server.v2('tenantSync', tenant());
    await server.v2('singleOrgSync', singleOrg('1', 'x', '', 1));
    const events = await store.db.selectFrom('events').select(['family', 'activity', 'order_id', 'instance_id', 'result_code']).orderBy('id').execute();
    expect(events).toEqual([
      { family: 'kit-v2', activity: 'tenantSync', order_id: 'CS1906666666ABCDE', instance_id: INSTANCE, result_code: '000000' },
      { family: 'kit-v2', activity: 'singleOrgSync', order_id: null, instance_id: INSTANCE, result_code: '000000' },
    ]);
  });
});
