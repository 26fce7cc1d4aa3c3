import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Page, chromium } from 'playwright-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

/** Debian's Chromium (scripts/ensure-chromium.sh installs it), or CHROMIUM_PATH; undefined when there is none. */
export function findChromium(): string | undefined {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) return existsSync(configured) ? configured : undefined;
  return CANDIDATES.find((path) => existsSync(path));
}

export const NO_CHROMIUM = `no Chromium found (CHROMIUM_PATH, ${CANDIDATES.join(', ')}): run scripts/ensure-chromium.sh`;

/**
 * Opens `url` in headless Chromium, waits for every selector, does `act` (clicks), and takes a full-page screenshot
 * into a temp file. Answers the PNG bytes and the page's text.
 */
export async function screenshot(
  executablePath: string,
  url: string,
  waitFor: string[],
  act?: (page: Page) => Promise<void>,
): Promise<{ png: Buffer; text: string; path: string }> {
  const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  const dir = mkdtempSync(join(tmpdir(), 'kgkit-simulator-page-'));
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(url);
    for (const selector of waitFor) await page.waitForSelector(selector, { timeout: 15_000 });
    await act?.(page);
    const path = join(dir, 'simulator.png');
    await page.screenshot({ path, fullPage: true });
    // biome-ignore lint/performance/useDomNodeTextContent: the text as rendered (hidden rows left out) is what is checked.
    const text = await page.innerText('body');
    return { png: readFileSync(path), text, path };
  } finally {
    await browser.close();
    if (!process.env.KEEP_SCREENSHOT) rmSync(dir, { recursive: true, force: true });
  }
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height of a PNG (its IHDR), or undefined when the bytes are not a PNG. */
export function pngSize(png: Buffer): { width: number; height: number } | undefined {
  if (png.length < 24 || !png.subarray(0, 8).equals(PNG_SIGNATURE) || png.toString('ascii', 12, 16) !== 'IHDR') return undefined;
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}
