import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';
import { PACKAGE_ROOT } from '../package-root.js';

/** Where `make docs` writes the API reference (scripts/docs.ts). */
export const DOCS_DIR = fileURLToPath(new URL('docs/reference/', PACKAGE_ROOT));

/**
 * What the reference's pages may load: only what is served beside them (and the blobs Redoc makes for its workers
 * and downloads). Redoc's bundle still names a logo on cdn.redoc.ly; this keeps the browser from fetching it (Redoc
 * then leaves the logo out). `make docs` puts the same policy in each page, for copies served elsewhere.
 */
export const DOCS_CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; " +
  "connect-src 'self' blob: data:; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'none'";

const PAGE = /^[a-z0-9-]+\.html$/;
/** Redoc's browser bundle, which `make docs` copies beside the pages so that they load nothing from another host. */
const SCRIPT = 'redoc.standalone.js';

/**
 * GET /docs: the static API reference `make docs` built (docs/reference/index.html, one page per contract, the
 * result-code registry, and the Redoc bundle the pages load). Only those names are served, from that folder; before
 * `make docs` ran, /docs says how to build it.
 */
export function mountDocs(app: Hono, dir: string = DOCS_DIR): void {
  const file = async (name: string) => {
    try {
      return await readFile(join(dir, name), 'utf8');
    } catch {
      return undefined;
    }
  };
  const html = (body: string, status: 200 | 404 = 200) =>
    new Response(body, { status, headers: { 'content-type': 'text/html;charset=UTF-8', 'content-security-policy': DOCS_CONTENT_SECURITY_POLICY } });
  const notFound = () => html('<!doctype html><title>Not found</title><p>No such page of the API reference.</p>', 404);
  app.get('/docs', (c) => c.redirect('/docs/', 301));
  app.get('/docs/', async () => {
    const index = await file('index.html');
    return index === undefined
      ? html('<!doctype html><title>kgkit API reference</title><p>The API reference is not built: run <code>make docs</code>.</p>', 404)
      : html(index);
  });
  app.get('/docs/:name', async (c) => {
    const name = c.req.param('name');
    if (name === SCRIPT) {
      const script = await file(SCRIPT);
      return script === undefined ? notFound() : new Response(script, { headers: { 'content-type': 'text/javascript;charset=UTF-8' } });
    }
    const body = PAGE.test(name) ? await file(name) : undefined;
    return body === undefined ? notFound() : html(body);
  });
}
