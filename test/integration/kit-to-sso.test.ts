import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type FakeOauthServer, startFakeOauthServer } from '../support/fake-oauth-server.js';
import { INSTANCE, SECRET_SHA256, TENANT, application, auth, tenant, users } from '../support/kit-bodies.js';
import { type KitServer, startKitServer } from '../support/kit.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { browser, location } from '../sso/support.js';

// The whole joint-operation path through one server, as buildApp wires it: the marketplace's Kit syncs fill the tenant
// directory (clientSecret decrypted with the seller's RSA key from a Java-made ciphertext, sealed at rest), and a user
// authSync sent then signs in through the tenant's auth centre.
const TENANT_DOMAIN = 'https://example.tenantaccount.com';

describe.each(DIALECTS)('Kit syncs, then the SSO login, on %s', (dialect) => {
  let store: TestStore;
  let fake: FakeOauthServer;
  let server: KitServer;
  const realFetch = globalThis.fetch;

  beforeAll(async () => {
    store = await openTestStore(dialect);
    // The application's secret is the plaintext Java encrypted for applicationSync.
    fake = await startFakeOauthServer({ clients: [{ clientId: 'client-0001', clientSecret: SECRET_SHA256.plaintext }] });
    // The tenant's domain is https (the Kit contract requires it); its auth centre is the fake, on loopback.
    vi.stubGlobal('fetch', (input: string | URL | Request, init?: RequestInit) => {
      const url = input instanceof Request ? input.url : String(input);
      const routed = url.startsWith(TENANT_DOMAIN) ? fake.url + url.slice(TENANT_DOMAIN.length) : url;
      return input instanceof Request ? realFetch(new Request(routed, input), init) : realFetch(routed, init);
    });
    server = startKitServer(store);
  });
  afterAll(async () => {
    vi.unstubAllGlobals();
    await fake.close();
    await store.dispose();
  });
  afterEach(() => expect(fake.violations).toEqual([]));

  it('signs in a user the marketplace authorised, and no one else', async () => {
    expect((await server.v2('tenantSync', tenant({ domainName: TENANT_DOMAIN }))).json).toMatchObject({ resultCode: '000000' });
    expect((await server.v2('applicationSync', application())).json).toMatchObject({ resultCode: '000000' });
    expect((await server.v2('authSync', auth(users(3)))).json).toMatchObject({ resultCode: '000000' });
    // What the store keeps of the secret is sealed, not the plaintext.
    const stored = await store.db.selectFrom('kit_applications').selectAll().where('instance_id', '=', INSTANCE).execute();
    expect(JSON.stringify(stored)).not.toContain(SECRET_SHA256.plaintext);

    const b = browser(server.app);
    fake.signedIn = { userName: 'user0001', name: '用户1', tenant: TENANT };
    const login = await b.get(`/sso/login/${TENANT}`);
    expect(location(login)).toMatch(new RegExp(`^${TENANT_DOMAIN}/api/v1/oauth2/authorize\\?client_id=client-0001&`));
    const authorized = await b.visit(location(login).replace(TENANT_DOMAIN, fake.url));
    const landed = await b.get(location(authorized));
    expect(landed.status).toBe(302);
    expect(await (await b.get('/sso/me')).json()).toMatchObject({ tenantId: TENANT, userName: 'user0001', role: 'user' });

    // Cancelled by a later authSync (flag 3): the next login is refused.
    expect((await server.v2('authSync', auth(users(3).slice(1, 2), { flag: 3 }))).json).toMatchObject({ resultCode: '000000' });
    const again = browser(server.app);
    const second = await again.get(`/sso/login/${TENANT}`);
    const denied = await again.get(location(await again.visit(location(second).replace(TENANT_DOMAIN, fake.url))));
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({ error: 'user_not_authorised' });
  });
});
