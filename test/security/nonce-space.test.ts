import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nonceScope } from '../../src/security/signed-request-check.js';
import { kitPath, xSignHeaders } from '../support/kit.js';
import { ACCESS_KEY, KEYS, TEST_CONFIG, freshNonce, signedQuery, startTestServer } from '../support/server.js';
import { DIALECTS, type TestStore, openTestStore } from '../support/stores.js';

// The families share the basic key and the signature covers neither the path nor the family: a nonce accepted on
// one path must be refused on every other path signed with the same key, on every replica.
describe.each(DIALECTS)('one nonce space per access key (%s)', (dialect) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore(dialect);
  });
  afterAll(() => store.dispose());

  const post = (server: ReturnType<typeof startTestServer>, path: string, body: string, query: string, headers: Record<string, string> = {}) =>
    server.app.request(`${path}?${query}`, { method: 'POST', body, headers: { 'content-type': 'application/json;charset=utf8', ...headers } });
  const json = async (response: Response) => (await response.json()) as Record<string, unknown>;

  it('refuses a SaaS V2.0 freeze replayed byte for byte on the online-License path, on another replica', async () => {
    const replicaA = startTestServer(store);
    const replicaB = startTestServer(store);
    const created = await replicaA.call({
      activity: 'newInstance',
      orderId: 'CS-REPLAY-1',
      orderLineId: 'CS-REPLAY-1-1',
      businessId: 'replay-1',
      customerId: 'c',
      productId: 'p',
      skuCode: 's',
      chargingMode: 1,
      expireTime: '20991231000000',
      testFlag: '0',
    });
    const instanceId = created.json.instanceId as string;
    const freeze = JSON.stringify({ activity: 'updateInstanceStatus', instanceId, status: 'FREEZE', testFlag: '0' });
    const query = signedQuery(freeze, { timestamp: replicaA.clock.now });
    expect(await json(await replicaA.raw(freeze, query))).toMatchObject({ resultCode: '000000' });

    const before = await store.db.selectFrom('instances').selectAll().where('instance_id', '=', instanceId).executeTakeFirstOrThrow();
    for (const path of [TEST_CONFIG.onlineLicense.path, TEST_CONFIG.saasPath]) {
      expect(await json(await post(replicaB, path, freeze, query))).toEqual({ resultCode: '000001', resultMsg: 'nonce was already used' });
    }
    expect(await store.db.selectFrom('instances').selectAll().where('instance_id', '=', instanceId).executeTakeFirstOrThrow()).toEqual(before);
  });

  it('shares the space between header-signed Kit V2 and query-signed SaaS calls when Seller Console binds one key to both', async () => {
    const server = startTestServer(store, { config: { kit: { accessKey: ACCESS_KEY } } });
    const nonce = freshNonce();
    const query = JSON.stringify({ activity: 'queryInstance', instanceId: 'never-created', testFlag: '0' });
    expect(await json(await server.raw(query, signedQuery(query, { timestamp: server.clock.now, nonce })))).toMatchObject({ resultCode: '000003' });
    const kitBody = JSON.stringify({
      instanceId: 'never-created',
      tenantId: 't-1',
      tenantName: 'T',
      domainName: 'https://t.example.com',
      flag: 0,
      testFlag: 0,
      timeStamp: '20260101000000000',
    });
    const kit = await post(server, kitPath('v2', 'tenantSync'), kitBody, '', xSignHeaders(kitBody, { key: ACCESS_KEY, timestamp: server.clock.now, nonce }));
    expect(await json(kit)).toEqual({ resultCode: '000001', resultMsg: 'nonce was already used' });
  });

  it('keeps the spaces of two keys apart, and never stores a key', async () => {
    const server = startTestServer(store);
    const nonce = freshNonce();
    const body = JSON.stringify({ activity: 'queryInstance', instanceId: 'never-created', testFlag: '0' });
    expect(await json(await server.raw(body, signedQuery(body, { timestamp: server.clock.now, nonce })))).toMatchObject({ resultCode: '000003' });
    const kitBody = JSON.stringify({
      instanceId: 'never-created',
      tenantId: 't-2',
      tenantName: 'T',
      domainName: 'https://t.example.com',
      flag: 0,
      testFlag: 0,
      timeStamp: '20260101000000000',
    });
    const kit = await post(server, kitPath('v2', 'tenantSync'), kitBody, '', xSignHeaders(kitBody, { key: KEYS.kit, timestamp: server.clock.now, nonce }));
    expect((await json(kit)).resultCode).not.toBe('000001');
    const scopes = (await store.db.selectFrom('nonces').select('scope').distinct().execute()).map((r) => r.scope);
    expect(scopes).toEqual(expect.arrayContaining([nonceScope(ACCESS_KEY), nonceScope(KEYS.kit)]));
    for (const scope of scopes) for (const key of Object.values(KEYS)) expect(scope).not.toContain(key);
  });

  it('remembers a nonce of any length (kept as its digest beyond 128 characters)', async () => {
    const server = startTestServer(store);
    const nonce = 'N'.repeat(6_000);
    const body = JSON.stringify({ activity: 'queryInstance', instanceId: 'never-created', testFlag: '0' });
    const query = signedQuery(body, { timestamp: server.clock.now, nonce });
    expect(await json(await server.raw(body, query))).toMatchObject({ resultCode: '000003' });
    expect(await json(await server.raw(body, query))).toEqual({ resultCode: '000001', resultMsg: 'nonce was already used' });
  });
});
