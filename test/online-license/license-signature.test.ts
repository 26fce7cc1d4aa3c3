import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LicenseDocument, keyId, signLicense } from '../../src/online-license/ed25519-issuer.js';
import { onlineLicenseMount } from '../../src/online-license/mount.js';
import { ed25519PrivateKey, licenseSigningKey, publicKeyPem } from '../../src/online-license/signing-key.js';
import { startFamilyServer } from '../support/license-families.js';
import { openLicense } from '../support/license-jws.js';
import { TEST_CONFIG, TEST_DATA_KEYS } from '../support/server.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { loadServerConfig } from '../../src/server/key-files.js';

// A License built with the shell and OpenSSL alone from a fixed test key: see fixtures/README.md.
const fixtureFile = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const fixture = JSON.parse(fixtureFile('license-fixture.json')) as {
  header: { kid: string };
  payload: LicenseDocument;
  license: string;
  opensslVerify: string;
};
const FIXTURE_KEY = fixtureFile('license-signing-key.pem');
const FIXTURE_PUBLIC_KEY = fixtureFile('license-signing-key.pub.pem');

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** `openssl pkeyutl -verify` of a License with a public key, as a seller would check it by hand. */
function opensslVerifies(license: string, publicPem: string): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'kgkit-license-'));
  try {
    const cut = license.lastIndexOf('.');
    writeFileSync(join(dir, 'input'), license.slice(0, cut));
    writeFileSync(join(dir, 'sig'), Buffer.from(license.slice(cut + 1), 'base64url'));
    writeFileSync(join(dir, 'public.pem'), publicPem);
    const out = execFileSync(
      'openssl',
      ['pkeyutl', '-verify', '-rawin', '-pubin', '-inkey', join(dir, 'public.pem'), '-in', join(dir, 'input'), '-sigfile', join(dir, 'sig')],
      { encoding: 'utf8' },
    );
    return out.includes('Signature Verified Successfully');
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the default License against OpenSSL', () => {
  const key = ed25519PrivateKey(FIXTURE_KEY);

  it('writes, for the fixture key and document, exactly the License OpenSSL built (Ed25519 is deterministic)', () => {
    expect(fixture.opensslVerify).toBe('Signature Verified Successfully');
    expect(signLicense(key, fixture.payload)).toBe(fixture.license);
  });

  it('exports the public key OpenSSL derived, and the key ID OpenSSL hashed', () => {
    expect(publicKeyPem(key)).toBe(FIXTURE_PUBLIC_KEY);
    expect(keyId(key)).toBe(fixture.header.kid);
  });

  it('verifies with node:crypto against that public key; a License for another device does not', () => {
    expect(openLicense(fixture.license, FIXTURE_PUBLIC_KEY).verified).toBe(true);
    const [header, , signature] = fixture.license.split('.');
    const moved = Buffer.from(JSON.stringify({ ...fixture.payload, deviceFingerprint: 'AA-BB-CC-DD-EE-FF' })).toString('base64url');
    expect(openLicense(`${header}.${moved}.${signature}`, FIXTURE_PUBLIC_KEY).verified).toBe(false);
  });

  it('LICENSE_SIGNING_KEY_FILE: an Ed25519 key is read at start-up; any other key stops the server with a clear message', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kgkit-key-'));
    try {
      const env = (file: string) => ({ KOOGALLERY_ACCESS_KEY: 'test-access-key-0123', LICENSE_SIGNING_KEY_FILE: join(dir, file) });
      writeFileSync(join(dir, 'ed25519.pem'), FIXTURE_KEY);
      writeFileSync(join(dir, 'rsa.pem'), generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
      expect(loadServerConfig(env('ed25519.pem')).onlineLicense.signingKeyPem).toBe(FIXTURE_KEY);
      expect(() => loadServerConfig(env('rsa.pem'))).toThrow(/LICENSE_SIGNING_KEY_FILE holds a rsa key; Licenses are signed with Ed25519/);
      expect(() => loadServerConfig(env('missing.pem'))).toThrow(/LICENSE_SIGNING_KEY_FILE: cannot read/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['not a PEM', 'hello', /does not hold a PEM private key/],
    [
      'an RSA key',
      generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      /holds a rsa key; Licenses are signed with Ed25519/,
    ],
  ])('the mount refuses a signing key that is %s, too', (_name, pem, message) => {
    const config = { ...TEST_CONFIG, onlineLicense: { ...TEST_CONFIG.onlineLicense, signingKeyPem: pem } };
    expect(() => onlineLicenseMount()(new Hono(), { config } as never)).toThrow(message);
  });
});

describe.each(DIALECTS)('License signing key on %s', (dialect) => {
  let store: TestStore;
  const application = (eventId: string, instanceId: string) => ({
    activity: 'getLicenseAsync',
    instanceId,
    eventId,
    effectiveTime: '2026-10-27 10:30:15 z',
    deviceFingerprint: '00-1A-2B-3C-4D-5E|S4EWNX0R123456',
  });
  const licenseOf = async (eventId: string) =>
    (await store.db.selectFrom('license_requests').select('license').where('event_id', '=', eventId).executeTakeFirstOrThrow()).license;
  beforeAll(async () => {
    store = await openTestStore(dialect);
  });
  afterAll(async () => store.dispose());

  it('with LICENSE_SIGNING_KEY_FILE: signs with it (verified with the public key OpenSSL wrote) and stores no key', async () => {
    const server = startFamilyServer(store, 'online-license', { config: { onlineLicense: { ...TEST_CONFIG.onlineLicense, signingKeyPem: FIXTURE_KEY } } });
    await server.call({ activity: 'newInstance', orderId: 'CSKEYFILE1', orderLineId: 'CSKEYFILE1-000001', businessId: 'key-file-1' });
    expect((await server.call(application('ev-key-file-1', 'key-file-1'))).json).toMatchObject({ resultCode: '000000' });
    const license = await licenseOf('ev-key-file-1');
    expect(openLicense(license, FIXTURE_PUBLIC_KEY).verified).toBe(true);
    expect(await store.db.selectFrom('license_signing_keys').selectAll().execute()).toEqual([]);
    if (hasOpenssl) expect(opensslVerifies(license, FIXTURE_PUBLIC_KEY)).toBe(true);
  });

  it('without it: replicas racing to create the key end up with one stored key, and every License verifies with it', async () => {
    const replicas = [startFamilyServer(store, 'online-license'), startFamilyServer(store, 'online-license')];
    await replicas[0]!.call({ activity: 'newInstance', orderId: 'CSREPLICA1', orderLineId: 'CSREPLICA1-000001', businessId: 'replica-1' });
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => replicas[i % 2]!.call(application(`ev-replica-${i}`, 'replica-1'))));
    expect(answers.map((a) => a.json.resultCode)).toEqual(Array(8).fill('000000'));
    const keys = await store.db.selectFrom('license_signing_keys').selectAll().execute();
    expect(keys).toHaveLength(1);
    // The public key the seller exports (`make license-key`, src/cli/license-key.ts, does the same) verifies every License.
    const exported = publicKeyPem(await licenseSigningKey({ db: store.db, keys: TEST_DATA_KEYS })());
    expect(exported).toBe(keys[0]!.public_key_pem);
    for (let i = 0; i < 8; i++) expect(openLicense(await licenseOf(`ev-replica-${i}`), exported).verified).toBe(true);
    // The private key is sealed with the data key, never stored in clear.
    expect(keys[0]!.private_key_sealed).toMatch(/^v1\./);
    expect(keys[0]!.private_key_sealed).not.toContain('PRIVATE KEY');
  });

  it('a server whose data key changed cannot open the stored key: 000005, nothing issued, the key kept', async () => {
    const before = await store.db.selectFrom('license_signing_keys').selectAll().execute();
    const rotated = startFamilyServer(store, 'online-license', { config: { dataKey: 'another-data-key-0123456789-0123456789' } });
    await rotated.call({ activity: 'newInstance', orderId: 'CSROTATED1', orderLineId: 'CSROTATED1-000001', businessId: 'rotated-1' });
    expect((await rotated.call(application('ev-rotated-1', 'rotated-1'))).json).toEqual({ resultCode: '000005', resultMsg: 'the License could not be issued' });
    expect(await store.db.selectFrom('license_requests').selectAll().where('event_id', '=', 'ev-rotated-1').execute()).toEqual([]);
    expect(await store.db.selectFrom('license_signing_keys').selectAll().execute()).toEqual(before);
  });

  it.runIf(hasOpenssl)('a License issued by the production interface verifies with `openssl pkeyutl -verify` and the exported key', async () => {
    const server = startFamilyServer(store, 'online-license');
    await server.call({ activity: 'newInstance', orderId: 'CSOPENSSL1', orderLineId: 'CSOPENSSL1-000001', businessId: 'openssl-1' });
    await server.call(application('ev-openssl-1', 'openssl-1'));
    const exported = publicKeyPem(await licenseSigningKey({ db: store.db, keys: TEST_DATA_KEYS })());
    const license = await licenseOf('ev-openssl-1');
    expect(opensslVerifies(license, exported)).toBe(true);
    const [header, payload, signature] = license.split('.') as [string, string, string];
    const flipped = Buffer.from(signature, 'base64url');
    flipped[0]! ^= 1;
    expect(opensslVerifies(`${header}.${payload}.${flipped.toString('base64url')}`, exported)).toBe(false);
  });
});
