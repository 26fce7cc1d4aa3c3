import { mkdtempSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { DataKeys } from '../../src/crypto/data-keys.js';
import { oaepDecryptor } from '../../src/crypto/rsa-oaep.js';
import { seal, sealingKey } from '../../src/crypto/sealed.js';
import { tenantDirectoryReader } from '../../src/tenants/directory-reader.js';
import { TenantDirectory } from '../../src/tenants/tenant-directory.js';
import { SqlKitDirectory } from '../../src/store/kit-directory.js';
import { KIT_RSA_PRIVATE_KEY, KIT_TABLES } from '../support/kit.js';
import { SECRET_SHA1, SECRET_SHA256 } from '../support/kit-bodies.js';
import { DIALECTS, type TestStore, openTestStore } from '../support/stores.js';
import { loadServerConfig } from '../../src/server/key-files.js';

const DATA_KEY = 'test-data-key-0123456789-0123456789';

describe.each(DIALECTS)('tenant directory reader on %s', (dialect) => {
  let store: TestStore;
  let clock: { now: number };
  let directory: TenantDirectory;
  beforeAll(async () => {
    store = await openTestStore(dialect);
  });
  afterAll(async () => store.dispose());
  beforeEach(async () => {
    for (const table of KIT_TABLES) await store.db.deleteFrom(table).execute();
    clock = { now: 1_700_000_000_000 };
    const key = sealingKey(DATA_KEY);
    directory = new TenantDirectory({
      store: new SqlKitDirectory(store.db),
      decryptSecret: oaepDecryptor(KIT_RSA_PRIVATE_KEY),
      sealSecret: (s) => seal(key, s),
      now: () => clock.now,
    });
  });

  const tenantOf = (instanceId: string, name: string) => ({
    instanceId,
    orderId: 'CS1',
    tenantId: 'T1',
    tenantCode: 'code',
    name,
    domainName: `https://${name}.example.com`,
    test: false,
  });
  const appOf = (instanceId: string, clientId: string) => ({ instanceId, tenantId: 'T1', appId: 'A1', clientId, test: false });
  const userOf = (userName: string, name: string) => ({ userName, name, orgCode: 'O1', role: 'user' as const, enabled: true });
  const later = () => (clock.now += 1_000);

  it('finds the tenant the newest sync wrote, whichever instance it came with', async () => {
    await directory.syncTenant('add', tenantOf('I1', 'first'));
    later();
    await directory.syncTenant('add', tenantOf('I2', 'second'));
    const reader = tenantDirectoryReader(store.db, new DataKeys({ dataKey: DATA_KEY }));
    expect(await reader.findTenant('T1')).toEqual({
      instanceId: 'I2',
      tenantId: 'T1',
      tenantCode: 'code',
      name: 'second',
      domainName: 'https://second.example.com',
    });
    expect(await reader.findTenant('T2')).toBeUndefined();
  });

  it('opens the newest application secret; unknown tenant → undefined', async () => {
    await directory.syncApplication('add', appOf('I1', 'c1'), SECRET_SHA256.ciphertext);
    later();
    await directory.syncApplication('add', appOf('I2', 'c2'), SECRET_SHA1.ciphertext);
    const reader = tenantDirectoryReader(store.db, new DataKeys({ dataKey: DATA_KEY }));
    expect(await reader.findApplication('T1')).toEqual({ instanceId: 'I2', tenantId: 'T1', appId: 'A1', clientId: 'c2', clientSecret: SECRET_SHA1.plaintext });
    expect(await reader.findApplication('T2')).toBeUndefined();
  });

  it('says plainly that the data key changed when a secret cannot be opened', async () => {
    await directory.syncApplication('add', appOf('I1', 'c1'), SECRET_SHA256.ciphertext);
    const reader = tenantDirectoryReader(store.db, new DataKeys({ dataKey: 'derived:another-access-key' }));
    await expect(reader.findApplication('T1')).rejects.toThrow(/KGKIT_DATA_KEY/);
  });

  it('finds an authorised user only, the newest row across instances and applications', async () => {
    const scope = (instanceId: string, appId: string) => ({ instanceId, tenantId: 'T1', appId, test: false });
    await directory.syncUsers('add', scope('I1', 'A1'), '20221109101010123', [userOf('u1', 'old')]);
    later();
    await directory.syncUsers('add', scope('I2', 'A2'), '20221109101010124', [userOf('u1', 'new')]);
    const reader = tenantDirectoryReader(store.db, new DataKeys({ dataKey: DATA_KEY }));
    expect(await reader.findUser('T1', 'u1')).toMatchObject({ name: 'new' });
    later();
    await directory.syncUsers('cancel', scope('I2', 'A2'), '20221109101010125', [userOf('u1', 'new')]);
    expect(await reader.findUser('T1', 'u1')).toMatchObject({ name: 'old' });
    await directory.syncUsers('delete', scope('I1', 'A1'), '20221109101010126', [userOf('u1', 'old')]);
    expect(await reader.findUser('T1', 'u1')).toBeUndefined();
    expect(await reader.findUser('T2', 'u1')).toBeUndefined();
  });
});

describe('KIT_RSA_PRIVATE_KEY_FILE', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kgkit-kit-key-'));
  const file = (name: string, content: string) => {
    writeFileSync(join(dir, name), content);
    return join(dir, name);
  };
  const env = { KOOGALLERY_ACCESS_KEY: 'test-access-key-0123456789' };

  it('loads a 3072-bit RSA key', () => {
    expect(loadServerConfig({ ...env, KIT_RSA_PRIVATE_KEY_FILE: file('ok.pem', KIT_RSA_PRIVATE_KEY) }).kit.rsaPrivateKeyPem).toBe(KIT_RSA_PRIVATE_KEY);
  });

  it.each([
    [
      'a 2048-bit key',
      () =>
        generateKeyPairSync('rsa', {
          modulusLength: 2048,
          privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
          publicKeyEncoding: { type: 'spki', format: 'pem' },
        }).privateKey,
      /KIT_RSA_PRIVATE_KEY_FILE is 2048 bits/,
    ],
    ['not a key', () => 'hello', /KIT_RSA_PRIVATE_KEY_FILE is not a PEM private key/],
  ])('stops the start-up on %s, with a clear message', (name, content, message) => {
    const path = file(`${name.replace(/\W/g, '')}.pem`, content());
    expect(() => loadServerConfig({ ...env, KIT_RSA_PRIVATE_KEY_FILE: path })).toThrow(ConfigError);
    expect(() => loadServerConfig({ ...env, KIT_RSA_PRIVATE_KEY_FILE: path })).toThrow(message);
  });
});
