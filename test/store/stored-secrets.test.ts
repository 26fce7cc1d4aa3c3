import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { DataKeys, SealedSecretError } from '../../src/crypto/data-keys.js';
import { looksSealed } from '../../src/crypto/sealed.js';
import type { AppAccess } from '../../src/instances/instance.js';
import { tenantDirectoryReader } from '../../src/tenants/directory-reader.js';
import { TenantDirectory } from '../../src/tenants/tenant-directory.js';
import { licenseSigningKey, publicKeyPem } from '../../src/online-license/signing-key.js';
import type { Session } from '../../src/sso/session.js';
import { SqlInstanceRepository } from '../../src/store/instances.js';
import { SqlKitDirectory } from '../../src/store/kit-directory.js';
import { SqlSsoStore } from '../../src/store/sso-store.js';
import { SEALED_COLUMNS, StoredSecretsError, forgetReplacedValues, sealStoredSecrets } from '../../src/store/stored-secrets.js';
import { DIALECTS, type TestStore, openTestStore } from '../support/stores.js';

const A = 'stored-secrets-key-A-0123456789-abcdef';
const B = 'stored-secrets-key-B-0123456789-abcdef';
const C = 'stored-secrets-key-C-0123456789-abcdef';
const NOW = 1_700_000_000_000;

const access = (tag: string): AppAccess => ({ frontEndUrl: `https://app.example.com/t/${tag}`, userName: `admin_${tag}`, password: `Pw-${tag}-9f3c1a7e` });
const refreshToken = (tag: string) => `rt-${tag}-5d1e0b2a`;
const clientSecret = (tag: string) => `cs-${tag}-8a6c4e2f`;
const session = (tag: string): Session => ({
  idHash: `h-${tag}`,
  tenantId: `t-${tag}`,
  tenantName: 'T',
  userName: 'u',
  name: 'U',
  role: 'user',
  orgCode: 'o',
  email: null,
  mobile: null,
  refreshToken: refreshToken(tag),
  createdAt: NOW,
  expiresAt: NOW + 3_600_000,
});
const report = (counts: Record<string, [number, number]>) =>
  SEALED_COLUMNS.map(({ table, column }) => {
    const [sealed, resealed] = counts[`${table}.${column}`] ?? [0, 0];
    return { column: `${table}.${column}`, sealed, resealed };
  });

describe.each(DIALECTS)('stored secrets: the start-up step of the data key, on %s', (dialect) => {
  let store: TestStore;
  beforeEach(async () => {
    store = await openTestStore(dialect);
  });
  afterEach(async () => store.dispose());

  /** One instance, SSO session and Kit application as the real code writes them with `keys`. */
  async function writeSealed(keys: DataKeys, tag: string): Promise<void> {
    const instances = new SqlInstanceRepository(store.db, keys);
    await instances.insertProvisioning({
      instanceId: `i-${tag}`,
      orderId: `CS${tag}`,
      orderLineId: `CS${tag}-1`,
      businessId: `i-${tag}`,
      test: false,
      leaseUntil: NOW + 60_000,
      now: NOW,
    });
    await instances.completeProvisioning(`i-${tag}`, access(tag), NOW);
    await new SqlSsoStore(store.db, keys).saveSession(session(tag));
    const directory = new TenantDirectory({
      store: new SqlKitDirectory(store.db),
      decryptSecret: (secret) => secret,
      sealSecret: (secret) => keys.seal(secret),
      now: () => NOW,
    });
    await directory.syncApplication(
      'add',
      { instanceId: `i-${tag}`, tenantId: `t-${tag}`, appId: 'app', clientId: `c-${tag}`, test: false },
      clientSecret(tag),
    );
  }

  /** An instance and an SSO session as kgkit wrote them before it sealed them: clear JSON, clear token. */
  async function writeClear(tag: string): Promise<void> {
    await store.db
      .insertInto('instances')
      .values({
        instance_id: `i-${tag}`,
        order_id: `CS${tag}`,
        order_line_id: `CS${tag}-1`,
        business_id: `i-${tag}`,
        status: 'ACTIVE',
        frozen: 0,
        test_flag: 0,
        app_info: JSON.stringify(access(tag)),
        product_id: null,
        expires_at: null,
        provision_lease_until: null,
        provision_attempts: 1,
        last_error: null,
        created_at: NOW,
        updated_at: NOW,
      })
      .execute();
    const s = session(tag);
    await store.db
      .insertInto('sso_sessions')
      .values({
        id_hash: s.idHash,
        tenant_id: s.tenantId,
        tenant_name: s.tenantName,
        user_name: s.userName,
        display_name: s.name,
        role: s.role,
        org_code: s.orgCode,
        email: s.email,
        mobile: s.mobile,
        refresh_token: s.refreshToken,
        created_at: s.createdAt,
        expires_at: s.expiresAt,
      })
      .execute();
  }

  /** What each sealed column holds, row by row, as stored. */
  async function rawColumns(): Promise<Record<string, (string | null)[]>> {
    const result: Record<string, (string | null)[]> = {};
    for (const { table, column, key } of SEALED_COLUMNS) {
      const { rows } = await sql<{
        value: string | null;
      }>`select ${sql.ref(column)} as value from ${sql.table(table)} order by ${sql.join(key.map((k) => sql.ref(k)))}`.execute(store.db);
      result[`${table}.${column}`] = rows.map((row) => row.value);
    }
    return result;
  }

  async function readBack(keys: DataKeys, tag: string) {
    return {
      appInfo: (await new SqlInstanceRepository(store.db, keys).findById(`i-${tag}`))?.appInfo,
      refreshToken: (await new SqlSsoStore(store.db, keys).findSession(`h-${tag}`, NOW))?.refreshToken,
    };
  }

  it('seals what older versions stored in clear; reads work before and after; a second run changes nothing', async () => {
    const keys = new DataKeys({ dataKey: A });
    await writeClear('old1');
    await writeClear('old2');
    await writeSealed(keys, 'new1');
    await store.db.updateTable('sso_sessions').set({ refresh_token: null }).where('id_hash', '=', 'h-old2').execute();
    await new SqlInstanceRepository(store.db, keys).insertProvisioning({
      instanceId: 'i-pending',
      orderId: 'CSP',
      orderLineId: 'CSP-1',
      businessId: 'i-pending',
      test: false,
      leaseUntil: NOW,
      now: NOW,
    });
    expect(await readBack(keys, 'old1')).toEqual({ appInfo: access('old1'), refreshToken: refreshToken('old1') });

    expect(await sealStoredSecrets(store, keys, { pageRows: 2 })).toEqual(report({ 'instances.app_info': [2, 0], 'sso_sessions.refresh_token': [1, 0] }));

    const raw = await rawColumns();
    expect(raw['instances.app_info']!.filter((v) => v !== null).every(looksSealed)).toBe(true);
    expect(raw['sso_sessions.refresh_token']).toEqual([expect.stringMatching(/^v1\./), expect.stringMatching(/^v1\./), null]); // h-new1, h-old1, h-old2
    expect(JSON.stringify(raw)).not.toMatch(/Pw-old|rt-old/);
    expect(await readBack(keys, 'old1')).toEqual({ appInfo: access('old1'), refreshToken: refreshToken('old1') });
    expect(await readBack(keys, 'old2')).toEqual({ appInfo: access('old2'), refreshToken: null });
    expect(await readBack(keys, 'new1')).toEqual({ appInfo: access('new1'), refreshToken: refreshToken('new1') });

    expect(await sealStoredSecrets(store, keys)).toEqual(report({}));
    expect(await rawColumns()).toEqual(raw);
  });

  it.runIf(dialect === 'sqlite')('leaves no clear value in the SQLite file once it compacted it', async () => {
    const keys = new DataKeys({ dataKey: A });
    for (let i = 0; i < 20; i++) await writeClear(`old${i}`);
    await sql`pragma wal_checkpoint(truncate)`.execute(store.db);
    const file = (await sql<{ file: string }>`pragma database_list`.execute(store.db)).rows[0]!.file;
    const bytes = () =>
      [file, `${file}-wal`]
        .map((path) => {
          try {
            return readFileSync(path).toString('latin1');
          } catch {
            return '';
          }
        })
        .join('');
    expect(bytes()).toContain('Pw-old7-9f3c1a7e');

    await sealStoredSecrets(store, keys);
    await forgetReplacedValues(store);
    expect(bytes()).toContain('i-old7');
    expect(bytes()).not.toMatch(/Pw-old\d+-9f3c1a7e|rt-old\d+-5d1e0b2a/);
  });

  it('replicas running it at the same time seal each value once, and every value still opens', async () => {
    const keys = new DataKeys({ dataKey: A });
    for (let i = 0; i < 12; i++) await writeClear(`r${i}`);
    const reports = await Promise.all(Array.from({ length: 4 }, () => sealStoredSecrets(store, keys, { pageRows: 5 })));
    const total = (column: string) => reports.reduce((sum, r) => sum + r.find((c) => c.column === column)!.sealed, 0);
    expect([total('instances.app_info'), total('sso_sessions.refresh_token')]).toEqual([12, 12]);
    for (let i = 0; i < 12; i++) expect(await readBack(keys, `r${i}`)).toEqual({ appInfo: access(`r${i}`), refreshToken: refreshToken(`r${i}`) });
    expect(
      Object.values(await rawColumns())
        .flat()
        .every((value) => value !== null && looksSealed(value)),
    ).toBe(true);
  });

  it('rotation: sealed under A, restarted with B and previous A: opens, re-seals all under B; then B alone opens everything', async () => {
    const a = new DataKeys({ dataKey: A });
    await writeSealed(a, 'x1');
    await writeSealed(a, 'x2');
    const publicKey = publicKeyPem(await licenseSigningKey({ db: store.db, keys: a })());
    const before = await rawColumns();

    const rotating = new DataKeys({ dataKey: B, previousDataKeys: [A] });
    expect(await readBack(rotating, 'x1')).toEqual({ appInfo: access('x1'), refreshToken: refreshToken('x1') });
    expect(await sealStoredSecrets(store, rotating, { pageRows: 1 })).toEqual(
      report({
        'instances.app_info': [0, 2],
        'sso_sessions.refresh_token': [0, 2],
        'kit_applications.client_secret': [0, 2],
        'license_signing_keys.private_key_sealed': [0, 1],
      }),
    );
    const after = await rawColumns();
    for (const [column, values] of Object.entries(after)) expect(values.every((value, i) => value !== before[column]![i])).toBe(true);

    const b = new DataKeys({ dataKey: B });
    expect(await readBack(b, 'x2')).toEqual({ appInfo: access('x2'), refreshToken: refreshToken('x2') });
    expect(await tenantDirectoryReader(store.db, b).findApplication('t-x2')).toMatchObject({ clientSecret: clientSecret('x2') });
    expect(publicKeyPem(await licenseSigningKey({ db: store.db, keys: b })())).toBe(publicKey);
    expect(await sealStoredSecrets(store, b)).toEqual(report({}));
    await expect(new SqlInstanceRepository(store.db, a).findById('i-x1')).rejects.toThrow(SealedSecretError);
  });

  it('rotating the basic access key while KGKIT_DATA_KEY stays unset: the previous key is derived:<old access key>', async () => {
    const before = loadConfig({ KOOGALLERY_ACCESS_KEY: 'old-access-key-0001' });
    await writeSealed(new DataKeys(before), 'ak');
    const after = loadConfig({ KOOGALLERY_ACCESS_KEY: 'new-access-key-0002', KGKIT_DATA_KEY_PREVIOUS: 'derived:old-access-key-0001' });
    expect(await sealStoredSecrets(store, new DataKeys(after))).toEqual(
      report({ 'instances.app_info': [0, 1], 'sso_sessions.refresh_token': [0, 1], 'kit_applications.client_secret': [0, 1] }),
    );
    expect(await readBack(new DataKeys(loadConfig({ KOOGALLERY_ACCESS_KEY: 'new-access-key-0002' })), 'ak')).toEqual({
      appInfo: access('ak'),
      refreshToken: refreshToken('ak'),
    });
  });

  it.each([
    ['a wrong key and no previous one', { dataKey: C }],
    ['a wrong key and a wrong previous one', { dataKey: C, previousDataKeys: [B] }],
  ])('%s: refuses with every column it cannot open, and changes nothing, clear values included', async (_name, settings) => {
    const a = new DataKeys({ dataKey: A });
    await writeSealed(a, 'w1');
    await writeSealed(a, 'w2');
    await licenseSigningKey({ db: store.db, keys: a })();
    await writeClear('w3');
    const before = await rawColumns();
    const wrong = new DataKeys(settings);

    const refusal = await sealStoredSecrets(store, wrong).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(StoredSecretsError);
    expect((refusal as StoredSecretsError).unopenable).toEqual([
      { column: 'instances.app_info', count: 2, firstRow: 'instances.app_info of instance_id=i-w1' },
      { column: 'sso_sessions.refresh_token', count: 2, firstRow: 'sso_sessions.refresh_token of id_hash=h-w1' },
      { column: 'kit_applications.client_secret', count: 2, firstRow: 'kit_applications.client_secret of instance_id=i-w1, tenant_id=t-w1, app_id=app' },
      { column: 'license_signing_keys.private_key_sealed', count: 1, firstRow: 'license_signing_keys.private_key_sealed of name=default' },
    ]);
    expect((refusal as Error).message).toMatch(/KGKIT_DATA_KEY_PREVIOUS/);
    expect(await rawColumns()).toEqual(before);

    // At use, each reader fails loudly too, naming what it could not open.
    await expect(new SqlInstanceRepository(store.db, wrong).findById('i-w1')).rejects.toThrow(/instances\.app_info of instance i-w1 cannot be opened/);
    await expect(new SqlSsoStore(store.db, wrong).findSession('h-w1', NOW)).rejects.toThrow(SealedSecretError);
    await expect(tenantDirectoryReader(store.db, wrong).findApplication('t-w1')).rejects.toThrow(/clientSecret of tenant t-w1 cannot be opened/);
    await expect(licenseSigningKey({ db: store.db, keys: wrong })()).rejects.toThrow(/License signing key cannot be opened/);
  });

  it('refuses a value of an always-sealed column that is not sealed at all (written by hand, or corrupted)', async () => {
    const keys = new DataKeys({ dataKey: A });
    await writeSealed(keys, 'k1');
    await store.db.updateTable('kit_applications').set({ client_secret: 'plain-secret' }).execute();
    await expect(sealStoredSecrets(store, keys)).rejects.toThrow(/kit_applications\.client_secret: 1/);
  });
});
