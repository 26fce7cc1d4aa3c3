import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';
import { PACKAGE_ROOT } from '../package-root.js';

/** Where `make docs` writes the API reference (scripts/docs.ts). */
export const DOCS_DIR = fileURLToPath(new URL('docs/reference/', PACKAGE_ROOT));

const PAGE = /^[a-z0-9-]+\.html$/;

/**
 * GET /docs: the static API reference `make docs` built (docs/reference/index.html and one page per contract). Only those names
 * are served, from that folder; before `make docs` ran, /docs says how to build it.
 */
export function mountDocs(app: Hono, dir: string = DOCS_DIR): void {
  const page = async (name: string) => {
    try {
      return await readFile(join(dir, name), 'utf8');
    } catch {
      return undefined;
    }
  };
  const html = (body: string, status: 200 | 404 = 200) => new Response(body, { status, headers: { 'content-type': 'text/html;charset=UTF-8' } });
  app.get('/docs', (c) => c.redirect('/docs/', 301));
  app.get('/docs/', async () =>
    html(
      (await page('index.html')) ?? '<!doctype html><title>kgkit API reference</title><p>The API reference is not built: run <code>make docs</code>.</p>',
      (await page('index.html')) ? 200 : 404,
    ),
  );
  app.get('/docs/:name', async (c) => {
    const name = c.req.param('name');
    const body = PAGE.test(name) ? await page(name) : undefined;
    return body ? html(body) : html('<!doctype html><title>Not found</title><p>No such page of the API reference.</p>', 404);
  });
}
