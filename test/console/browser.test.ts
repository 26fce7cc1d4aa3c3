import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_TOKEN, type ConsoleWorld, SEEDED, consoleWorld, seed } from '../support/console-world.js';
import { openTestStore, type TestStore } from '../support/stores.js';
import { NO_CHROMIUM, findChromium } from '../simulator/browser.js';

/** Where the screenshots go: CI keeps this folder as an artefact of the run (gitignored). */
const ARTIFACTS = join(import.meta.dirname, '../../test-artifacts/console');
const executablePath = findChromium();

// The console in a real browser (Debian's Chromium, headless, no script on the pages): sign in, retry a failed usage
// delivery from the page, find a refused call by its reason. The store does not matter here (pages.test.ts covers both).
describe.skipIf(!executablePath)(executablePath ? 'the console in Chromium' : `the console in Chromium — skipped: ${NO_CHROMIUM}`, () => {
  let store: TestStore;
  let world: ConsoleWorld;
  let server: ServerType;
  let stopMeter: () => Promise<void>;
  let browser: Browser;
  let page: Page;
  let base: string;
  const shoot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    store = await openTestStore('sqlite');
    world = consoleWorld(store);
    await seed(world);
    // The meter runs as on a server: an operator's retry sends at once, through the marketplace double. Its first run
    // tries the pending record again at once and meets one more internal error: the backlog keeps it.
    world.plan.push('fail');
    stopMeter = world.meter.start({ intervalMs: 3_600_000, pushUsage: world.double.push });
    while (world.plan.length > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    server = await new Promise<ServerType>((resolve) => {
      const started = serve({ fetch: world.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: executablePath!, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    page = await browser.newPage({ viewport: { width: 1360, height: 900 }, locale: 'en-US' });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    await stopMeter?.();
    await store?.dispose();
  });

  it('signs in with the API token', async () => {
    await page.goto(`${base}/console/`);
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    await shoot('sign-in');
    await page.fill('input[name=token]', 'not-the-token-0123456789abcdef');
    await page.click('button.primary');
    await expect(page.locator('.notice.refused').textContent()).resolves.toContain("That is not this server's KGKIT_API_TOKEN.");
    await page.fill('input[name=token]', CONSOLE_TOKEN);
    await page.click('button.primary');
    await page.waitForURL(`${base}/console/instances`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Instances');
    await expect(page.locator(`a[href="/console/instances/${SEEDED.payPerUse}"]`).count()).resolves.toBe(1);
    await shoot('instances');
  });

  it('retries a failed usage delivery from the page once the marketplace knows the instance', async () => {
    await page.click('nav >> text=Usage records');
    const failed = page.locator('tr:has(span[data-state="rejected"])');
    await expect(failed.count()).resolves.toBe(1);
    const meteringSn = (await failed.getAttribute('data-metering-sn'))!;
    await expect(failed.textContent()).resolves.toContain('MKT.9001');
    expect(world.double.billed.has(meteringSn)).toBe(false);
    await shoot('usage-failed');

    // The double's plan is spent: the marketplace now answers as it should.
    await failed.locator('button', { hasText: 'Retry now' }).click();
    await page.waitForSelector('.notice.done');
    await expect(page.locator('.notice.done').textContent()).resolves.toBe(`Record ${meteringSn} was sent again, and the marketplace accepted it.`);
    expect(world.double.billed.has(meteringSn)).toBe(true);
    await expect(page.locator('tr:has(span[data-state="rejected"])').count()).resolves.toBe(0);
    await expect(page.locator('tr:has(span[data-state="pending"])').count()).resolves.toBe(1);
    await shoot('usage-retried');
  });

  it('finds a refused call by its reason', async () => {
    await page.click('nav >> text=Refused calls');
    await page.fill('input[name=reason]', SEEDED.refusedReason);
    await page.click('form.filters button');
    const group = page.locator('tbody tr');
    await expect(group.count()).resolves.toBe(1);
    await expect(group.textContent()).resolves.toContain(SEEDED.refusedReason);
    await shoot('refusals');
    await group.locator('a', { hasText: 'Show the calls' }).click();
    const calls = page.locator('tbody tr');
    await expect(calls.count()).resolves.toBe(1);
    await expect(calls.textContent()).resolves.toContain('refreshInstance');
    await calls.locator(`a[href="/console/instances/${SEEDED.yearly}"]`).click();
    await expect(page.locator('h1').textContent()).resolves.toContain(SEEDED.yearly);
    await shoot('refused-call-instance');
  });

  it('shows an instance with its usage chart, and switches to Chinese', async () => {
    await page.goto(`${base}/console/instances/${SEEDED.payPerUse}`);
    await expect(page.locator('svg[role=img] rect').count()).resolves.toBe(10);
    await expect(page.locator('svg[role=img] rect.bar-pending').count()).resolves.toBe(1);
    await shoot('instance');
    await page.click('button[lang="zh-CN"]');
    await expect(page.locator('h2').first().textContent()).resolves.toBe('各计费周期的用量');
    await shoot('instance-zh');
    await page.click('nav >> text=用量话单');
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('zh-CN');
    await shoot('usage-zh');
  });
});
