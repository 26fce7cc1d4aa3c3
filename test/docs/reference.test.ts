import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/server/app.js';
import { InstanceLifecycle } from '../src/instances/lifecycle.js';
import { silentLogger } from '../src/log.js';
import { sqlNonceRegistry } from '../src/security/nonce-registry.js';
import { SqlInstanceRepository } from '../src/store/instances.js';
import { fakeProvisioner } from './support/fake-provisioner.js';
import { TEST_CONFIG, TEST_DATA_KEYS } from './support/server.js';
import { openTestStore, type TestStore } from './support/stores.js';

// `make docs` (scripts/docs.ts) and the server's /docs: built here for two contracts into a temporary folder.
describe('the API reference', () => {
  let store: TestStore;
  const built = mkdtempSync(join(tmpdir(), 'kgkit-docs-'));
  const empty = mkdtempSync(join(tmpdir(), 'kgkit-nodocs-'));
  const app = (docsDir: string) =>
    buildApp({
      config: TEST_CONFIG,
      db: store.db,
      lifecycle: new InstanceLifecycle({ repository: new SqlInstanceRepository(store.db, TEST_DATA_KEYS), provisioner: fakeProvisioner().provisioner }),
      nonces: sqlNonceRegistry(store.db),
      logger: silentLogger,
      families: [],
      docsDir,
    });

  beforeAll(async () => {
    store = await openTestStore('sqlite');
    execFileSync(join(process.cwd(), 'node_modules/.bin/tsx'), ['scripts/docs.ts', '--out', built, '--family', 'saas-v2', '--family', 'marketplace'], {
      stdio: 'ignore',
    });
  }, 60_000);
  afterAll(async () => {
    await store.dispose();
    rmSync(built, { recursive: true, force: true });
    rmSync(empty, { recursive: true, force: true });
  });

  it('lists the contracts and serves each one as static HTML', async () => {
    const index = await app(built).request('/docs/');
    expect(index.status).toBe(200);
    const text = await index.text();
    expect(text).toContain('href="saas-v2.html"');
    expect(text).toContain('href="marketplace.html"');
    const page = await app(built).request('/docs/saas-v2.html');
    expect(page.headers.get('content-type')).toBe('text/html;charset=UTF-8');
    expect(await page.text()).toContain('newInstance');
    expect((await app(built).request('/docs')).headers.get('location')).toBe('/docs/');
  });

  it.each(['/docs/missing.html', '/docs/..%2Fpackage.json', '/docs/index.htm', '/docs/SAAS-V2.html'])('answers 404 for %s', async (path) => {
    expect((await app(built).request(path)).status).toBe(404);
  });

  it('says how to build it when it is not built', async () => {
    const response = await app(empty).request('/docs/');
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('make docs');
  });

  it('refuses an unknown contract', () => {
    expect(() =>
      execFileSync(join(process.cwd(), 'node_modules/.bin/tsx'), ['scripts/docs.ts', '--out', empty, '--family', 'nope'], { stdio: 'pipe' }),
    ).toThrow(/no contract openapi\/nope/);
  });
});
