import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { licenseSigningKey } from '../../src/online-license/signing-key.js';
import { SqlSsoStore } from '../../src/store/sso-store.js';
import { type FakeOauthServer, startFakeOauthServer } from '../support/fake-oauth-server.js';
import { INSTANCE, SECRET_SHA256, TENANT, application, auth, tenant, users } from '../support/kit-bodies.js';
import { type KitServer, startKitServer } from '../support/kit.js';
import { TEST_DATA_KEYS } from '../support/server.js';
import { DIALECTS, type TestStore, openTestStore } from '../support/stores.js';
import { browser, location } from '../sso/support.js';

// What an attacker holding a copy of the database (the SQLite file, a PostgreSQL dump) reads: the secrets kgkit keeps,
// written through the real code paths (the marketplace's calls, the Kit syncs, an SSO login), must not be in it.
const TENANT_DOMAIN = 'https://example.tenantaccount.com';

describe.each(DIALECTS)('no secret in clear in the database, on %s', (dialect) => {
  let store: TestStore;
  let fake: FakeOauthServer;
  let server: KitServer;
  const refreshTokens: string[] = [];
  const realFetch = globalThis.fetch;

  beforeAll(async () => {
    store = await openTestStore(dialect);
    fake = await startFakeOauthServer({ clients: [{ clientId: 'client-0001', clientSecret: SECRET_SHA256.plaintext }] });
    vi.stubGlobal('fetch', async (input: string | URL | Request, init?: RequestInit) => {
      const url = input instanceof Request ? input.url : String(input);
      const routed = url.startsWith(TENANT_DOMAIN) ? fake.url + url.slice(TENANT_DOMAIN.length) : url;
      const response = await (input instanceof Request ? realFetch(new Request(routed, input), init) : realFetch(routed, init));
      // The refresh token the auth centre hands kgkit: the value that must then be nowhere in the database.
      if (routed.endsWith('/api/v1/oauth2/token') && response.ok)
        refreshTokens.push(((await response.clone().json()) as { refresh_token: string }).refresh_token);
      return response;
    });
    server = startKitServer(store);
  });
  afterAll(async () => {
    vi.unstubAllGlobals();
    await fake.close();
    await store.dispose();
  });

  /** Every byte of the SQLite file (after a checkpoint, with its WAL), or every row of every table as PostgreSQL text. */
  async function everythingStored(): Promise<string> {
    if (dialect === 'sqlite') {
      await sql`pragma wal_checkpoint(truncate)`.execute(store.db);
      const file = (await sql<{ file: string }>`pragma database_list`.execute(store.db)).rows[0]!.file;
      return [file, `${file}-wal`]
        .map((path) => {
          try {
            return readFileSync(path).toString('latin1');
          } catch {
            return '';
          }
        })
        .join('\n');
    }
    const tables = await sql<{ table_name: string }>`select table_name from information_schema.tables where table_schema = current_schema()`.execute(store.db);
    const rows: string[] = [];
    for (const { table_name } of tables.rows) {
      const { rows: found } = await sql<{ row: string }>`select t::text as row from ${sql.table(table_name)} t`.execute(store.db);
      rows.push(...found.map((r) => r.row));
    }
    return rows.join('\n');
  }

  it('keeps the buyer password, the clientSecret, the refresh token and the License signing key only sealed', async () => {
    const created = await server.call({ activity: 'newInstance', orderId: 'CSATREST0001', orderLineId: 'CSATREST0001-000001', businessId: 'at-rest-1' });
    expect(created.json).toMatchObject({ resultCode: '000000', instanceId: 'at-rest-1' });
    const queried = await server.call({ activity: 'queryInstance', instanceId: 'at-rest-1' });
    const password = (queried.json.info as { appInfo: { password: string } }[])[0]!.appInfo.password;
    expect(password).toMatch(/^[A-Za-z0-9]{16}$/);

    expect((await server.v2('tenantSync', tenant({ domainName: TENANT_DOMAIN }))).json).toMatchObject({ resultCode: '000000' });
    expect((await server.v2('applicationSync', application())).json).toMatchObject({ resultCode: '000000' });
    expect((await server.v2('authSync', auth(users(2)))).json).toMatchObject({ resultCode: '000000' });

    const b = browser(server.app);
    fake.signedIn = { userName: 'user0001', name: '用户1', tenant: TENANT };
    const login = await b.get(`/sso/login/${TENANT}`);
    const landed = await b.get(location(await b.visit(location(login).replace(TENANT_DOMAIN, fake.url))));
    expect(landed.status).toBe(302);
    expect(refreshTokens).toHaveLength(1);
    const signingKey = (await licenseSigningKey({ db: store.db, keys: TEST_DATA_KEYS })()).export({ type: 'pkcs8', format: 'pem' }).toString();
    // An Ed25519 PKCS#8 PEM holds its whole key in one Base64 line.
    const signingKeyBase64 = signingKey.split('\n')[1]!;

    const stored = await everythingStored();
    // The search finds what is stored in clear (the rows are there), then none of the secrets.
    for (const clear of ['at-rest-1', INSTANCE, TENANT, 'user0001', 'client-0001']) expect(stored).toContain(clear);
    expect(
      secretsIn(stored, { password, clientSecret: SECRET_SHA256.plaintext, refreshToken: refreshTokens[0]!, signingKey: signingKeyBase64, pem: 'PRIVATE KEY' }),
    ).toEqual([]);

    // A renewed refresh token is written through the same store, sealed too.
    const { id_hash } = await store.db.selectFrom('sso_sessions').select('id_hash').executeTakeFirstOrThrow();
    const renewed = `renewed-refresh-token-${id_hash.slice(0, 12)}`;
    await new SqlSsoStore(store.db, TEST_DATA_KEYS).setRefreshToken(id_hash, renewed);
    expect(secretsIn(await everythingStored(), { renewed })).toEqual([]);
  });
});

/** The names of the secrets found in `stored`. */
function secretsIn(stored: string, secrets: Record<string, string>): string[] {
  return Object.entries(secrets)
    .filter(([, secret]) => stored.includes(secret))
    .map(([name]) => name);
}
