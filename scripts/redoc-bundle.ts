/**
 * Redoc's browser bundle, from the installed @redocly/cli (which ships it as lib/chunks/redoc.standalone.js; there is no
 * `redoc` package in node_modules), so that the API reference needs no CDN: `redocly build-docs` links the same file on
 * cdn.redocly.com, with a Subresource Integrity hash of the local copy, and scripts/docs.ts points the pages at a copy
 * beside them instead.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export const REDOC_BUNDLE = 'redoc.standalone.js';
const BUNDLE_MODULE = `@redocly/cli/lib/chunks/${REDOC_BUNDLE}`;

/** Where `redocly build-docs` would load the bundle from (any version); scripts/docs.ts replaces it. */
export const REDOC_CDN_URL = /https:\/\/cdn\.redocly\.com\/redoc\/v[0-9][^/"'\s]*\/bundles\/redoc\.standalone\.js/g;

export interface RedocBundle {
  path: string;
  /** The `Version:` of the bundle's licence header, e.g. 3.0.1. */
  version: string;
}

export function findRedocBundle(): RedocBundle {
  let path: string;
  try {
    path = createRequire(import.meta.url).resolve(BUNDLE_MODULE);
  } catch {
    throw new Error(`no ${BUNDLE_MODULE} in node_modules: run npm ci (the docs need Redoc's bundle from the installed @redocly/cli)`);
  }
  const header = readFileSync(path, 'utf8').slice(0, 1_000);
  return { path, version: /Version:\s*([0-9][^\s*]*)/.exec(header)?.[1] ?? 'unknown' };
}
