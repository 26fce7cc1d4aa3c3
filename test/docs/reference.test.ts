import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { externalLoads } from '../../scripts/external-loads.js';
import { FAMILY_ORDER } from '../../scripts/family-order.js';
import { findRedocBundle } from '../../scripts/redoc-bundle.js';
import { codeAnchor, readRegistry } from '../../scripts/result-code-page.js';
import { InstanceLifecycle } from '../../src/instances/lifecycle.js';
import { silentLogger } from '../../src/log.js';
import { sqlNonceRegistry } from '../../src/security/nonce-registry.js';
import { buildApp } from '../../src/server/app.js';
import { SqlInstanceRepository } from '../../src/store/instances.js';
import { NO_CHROMIUM, findChromium } from '../simulator/browser.js';
import { fakeProvisioner } from '../support/fake-provisioner.js';
import { TEST_CONFIG, TEST_DATA_KEYS } from '../support/server.js';
import { type TestStore, openTestStore } from '../support/stores.js';

const ROOT = join(import.meta.dirname, '..', '..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
// Three contracts, named out of README order: the index must put them in README order.
const BUILT = ['marketplace', 'saas-v2', 'kit-v1'];

/** The activities of SaaS V2.0, from the contract: the discriminator of its production request. */
const saasV2Activities = () =>
  Object.keys(
    (parse(readFileSync(join(ROOT, 'openapi/saas-v2/schemas/ProductionRequest.yaml'), 'utf8')) as { discriminator: { mapping: Record<string, string> } })
      .discriminator.mapping,
  );

/** Every result code the contracts declare: the registry's, and every `enum` under a `resultCode`/`error_code` of any file of openapi/. */
function declaredCodes(): Set<string> {
  const codes = new Set(readRegistry().oneOf.map((code) => code.const));
  const walk = (node: unknown, key?: string): void => {
    if (Array.isArray(node)) for (const item of node) walk(item);
    else if (node !== null && typeof node === 'object') {
      const object = node as Record<string, unknown>;
      if ((key === 'resultCode' || key === 'error_code') && Array.isArray(object.enum)) for (const code of object.enum) codes.add(String(code));
      for (const [k, value] of Object.entries(object)) walk(value, k);
    }
  };
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? files(join(dir, entry.name)) : entry.name.endsWith('.yaml') ? [join(dir, entry.name)] : [],
    );
  for (const file of files(join(ROOT, 'openapi'))) walk(parse(readFileSync(file, 'utf8')));
  return codes;
}

/** The text of one table row of the registry page. */
function row(page: string, code: string): string {
  const start = page.indexOf(`<tr id="${codeAnchor(code)}">`);
  return start === -1 ? '' : page.slice(start, page.indexOf('</tr>', start));
}

// `make docs` (scripts/docs.ts) and the server's /docs: built here for three contracts into a temporary folder.
describe('the API reference', () => {
  let store: TestStore;
  const built = mkdtempSync(join(tmpdir(), 'kgkit-docs-'));
  const empty = mkdtempSync(join(tmpdir(), 'kgkit-nodocs-'));
  const read = (name: string) => readFileSync(join(built, name), 'utf8');
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
    execFileSync(TSX, ['scripts/docs.ts', '--out', built, ...BUILT.flatMap((family) => ['--family', family])], { cwd: ROOT, stdio: 'ignore' });
  }, 120_000);
  afterAll(async () => {
    await store.dispose();
    rmSync(built, { recursive: true, force: true });
    rmSync(empty, { recursive: true, force: true });
  });

  it('lists the contracts in the order of the README, and links the result codes', async () => {
    const index = await app(built).request('/docs/');
    expect(index.status).toBe(200);
    const text = await index.text();
    const positions = FAMILY_ORDER.filter((family) => BUILT.includes(family)).map((family) => text.indexOf(`href="${family}.html"`));
    expect(positions.every((position) => position > 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(text).toContain('href="result-codes.html"');
    const page = await app(built).request('/docs/saas-v2.html');
    expect(page.headers.get('content-type')).toBe('text/html;charset=UTF-8');
    expect(await page.text()).toContain('newInstance');
    expect((await app(built).request('/docs')).headers.get('location')).toBe('/docs/');
  });

  it('loads nothing from another host: no script, style, preload, image or import with an absolute URL, in any page or script', () => {
    const files = readdirSync(built);
    expect(files.filter((name) => name.endsWith('.js'))).toEqual(['redoc.standalone.js']);
    for (const name of files) expect({ name, loads: externalLoads(read(name)) }).toEqual({ name, loads: [] });
    for (const family of BUILT) {
      const html = read(`${family}.html`);
      expect(html).not.toContain('cdn.redocly.com');
      expect(html).toContain('import { hydrate } from "./redoc.standalone.js"');
      expect(html).toMatch(/<head>\s*<meta http-equiv="Content-Security-Policy" content="default-src 'self'/);
    }
  });

  it('serves the Redoc bundle of the installed package, which the integrity hash in each page matches', async () => {
    const installed = readFileSync(findRedocBundle().path);
    const response = await app(built).request('/docs/redoc.standalone.js');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript;charset=UTF-8');
    expect(Buffer.from(await response.arrayBuffer()).equals(installed)).toBe(true);
    const integrity = `sha384-${createHash('sha384').update(installed).digest('base64')}`;
    for (const family of BUILT) expect(read(`${family}.html`)).toContain(`<link rel="modulepreload" href="./redoc.standalone.js" integrity="${integrity}"`);
    expect((await app(built).request('/docs/saas-v2.html')).headers.get('content-security-policy')).toContain("default-src 'self'");
  });

  it('gives each SaaS V2.0 activity its own sidebar entry and section, with its own request', () => {
    const html = read('saas-v2.html');
    const index = read('index.html');
    const definition = JSON.parse(/const __redoc_definition = (.*);\n/.exec(html)![1]!) as {
      paths: Record<string, { post: { tags: string[]; requestBody: { content: { 'application/json': { schema: { $ref: string } } } } } }>;
    };
    const activities = saasV2Activities();
    expect(activities).toHaveLength(7);
    for (const activity of activities) {
      expect(html).toMatch(new RegExp(`href="/${activity.toLowerCase()}"[^>]*>(<[^>]+>)*${activity}<`));
      expect(index).toContain(`href="saas-v2.html#/${activity.toLowerCase()}"`);
      const operation = definition.paths[`/saas#${activity}`]!.post;
      expect(operation.tags).toEqual([activity]);
      expect(operation.requestBody.content['application/json'].schema.$ref).toBe(
        `#/components/schemas/${activity[0]!.toUpperCase()}${activity.slice(1)}Request`,
      );
    }
    // The contract's own operation, for every activity at once, is still there.
    expect(definition.paths['/saas']!.post.tags).toEqual(['production']);
  });

  it('has a result-code page with every code the contracts declare, its meaning and who returns it', async () => {
    const response = await app(built).request('/docs/result-codes.html');
    expect(response.status).toBe(200);
    const page = await response.text();
    const codes = declaredCodes();
    expect(codes.size).toBeGreaterThan(50);
    for (const code of codes) expect({ code, listed: row(page, code) !== '' }).toEqual({ code, listed: true });
    for (const code of readRegistry().oneOf) {
      const text = row(page, code.const);
      if (code.title) expect(text).toContain(code.title);
      for (const [family, handlers] of Object.entries(code['x-returned-by'] ?? {})) {
        expect(text).toContain(`<strong>${family}</strong>`);
        for (const handler of handlers) expect(text).toContain(`<code>${handler}</code>`);
      }
      if (!code['x-returned-by']) expect(text).toContain(code['x-kgkit-reported-in'] ?? 'No family declares it');
    }
    // A handler with its own entry links to it; a family that was not built is named without a link.
    expect(row(page, '000100')).toContain('href="saas-v2.html#/newinstance"');
    expect(row(page, '000100')).toContain('<strong>online-license</strong>: <code>newInstance</code>');
  });

  it.each(['/docs/missing.html', '/docs/..%2Fpackage.json', '/docs/index.htm', '/docs/SAAS-V2.html', '/docs/redoc.js', '/docs/redoc.standalone.js.map'])(
    'answers 404 for %s',
    async (path) => {
      expect((await app(built).request(path)).status).toBe(404);
    },
  );

  it('says how to build it when it is not built', async () => {
    const response = await app(empty).request('/docs/');
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('make docs');
    expect((await app(empty).request('/docs/redoc.standalone.js')).status).toBe(404);
  });

  it.each([
    [['--family', 'nope'], /^docs: no contract openapi\/nope\/openapi.yaml \(contracts: saas-v2, kit-v2, /],
    [['--family', ''], /^docs: no contract openapi\/\/openapi.yaml/],
    [['--bogus'], /^docs: Unknown option '--bogus'.*\(usage: /],
    [['--out'], /^docs: Option '--out <value>' argument missing.*\(usage: /],
  ])('refuses %j with one line and exit 2', (args, message) => {
    const result = spawnSync(TSX, ['scripts/docs.ts', '--out', empty, ...args], { cwd: ROOT, encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
  });

  const browser = findChromium();
  it.skipIf(!browser)(
    browser ? 'renders in a browser without a request to another host (Chromium)' : `renders in a browser — skipped: ${NO_CHROMIUM}`,
    async () => {
      const server = serve({ fetch: app(built).fetch, port: 0, hostname: '127.0.0.1' });
      await new Promise((resolve) => server.once('listening', resolve));
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const chrome = await chromium.launch({ executablePath: browser!, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
      try {
        const page = await chrome.newPage();
        const elsewhere: string[] = [];
        const blocked = new Set<string>();
        page.on('request', (request) => {
          if (!/^(blob:|data:)/.test(request.url()) && !request.url().startsWith(`${origin}/`)) elsewhere.push(request.url());
        });
        // Redoc's footer names its logo on cdn.redoc.ly: the page's Content-Security-Policy stops that image (only that).
        page.on('requestfailed', (request) => {
          if (request.failure()?.errorText === 'csp' && request.resourceType() === 'image') blocked.add(request.url());
        });
        await page.goto(`${origin}/docs/`);
        await page.click('a[href="saas-v2.html#/queryinstance"]');
        // Rendered by Redoc in the browser: the built page holds only the sidebar.
        await page.getByText('/saas#queryInstance', { exact: true }).first().waitFor({ timeout: 30_000 });
        await page.click('a[href="#/newinstance"], a[href="/newinstance"]');
        await page.getByText('/saas#newInstance', { exact: true }).first().waitFor({ timeout: 10_000 });
        expect(page.url()).toBe(`${origin}/docs/saas-v2.html#/newinstance`);
        await page.goto(`${origin}/docs/result-codes.html#${codeAnchor('000003')}`);
        await page.waitForSelector(`#${codeAnchor('000003')}`);
        expect(elsewhere.filter((url) => !blocked.has(url))).toEqual([]);
      } finally {
        await chrome.close();
        server.close();
      }
    },
    60_000,
  );
});
