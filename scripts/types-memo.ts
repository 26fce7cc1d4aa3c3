/**
 * generated/<family>/types.ts, with openapi-typescript run only when its input changed: loading it (and TypeScript, a
 * 9 MB module) and running it took two thirds of `make gen`. Each types.ts says on one line which versions made it and
 * a digest of the lean bundle it was made from and of the types themselves; while both hold, the types are taken from
 * the file as they are.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './contract.js';

const OPTIONS = { alphabetize: false, exportType: false } as const;
const PREAMBLE = '/* eslint-disable */\n\n';
const LINE = /^\/\/ (openapi-typescript \S+, typescript \S+), sha256:([0-9a-f]{64})\n/m;

const versionOf = (name: string) => (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
let installed: string | undefined;
/** The versions that make the types here. */
const tools = () => (installed ??= `openapi-typescript ${versionOf('openapi-typescript')}, typescript ${versionOf('typescript')}`);

const digest = (bundleText: string, types: string) =>
  createHash('sha256').update(JSON.stringify(OPTIONS)).update('\0').update(bundleText).update('\0').update(types).digest('hex');

/** What a types.ts written by typesFile says of itself, or undefined. */
function recorded(file: string): { line: string; tools: string; digest: string; types: string } | undefined {
  const match = LINE.exec(file);
  const [line, madeBy, sum] = match ?? [];
  if (!match || line === undefined || madeBy === undefined || sum === undefined || !file.startsWith(PREAMBLE, match.index + line.length)) return undefined;
  return { line, tools: madeBy, digest: sum, types: file.slice(match.index + line.length + PREAMBLE.length) };
}

/**
 * types.ts of a lean bundle (`bundleText`: its JSON text as written), after `header`. `current` is the file as it is;
 * its types are reused when it says the versions installed made them from this bundle.
 */
export async function typesFile(header: string, document: object, bundleText: string, current: string | undefined): Promise<string> {
  const previous = current === undefined ? undefined : recorded(current);
  if (previous && previous.tools === tools() && previous.digest === digest(bundleText, previous.types))
    return `${header}${previous.line}${PREAMBLE}${previous.types}`;
  const { default: openapiTS, astToString } = await import('openapi-typescript');
  // openapi-typescript rewrites the document it is given (const → enum): give it a copy.
  const types = astToString(await openapiTS(structuredClone(document) as never, OPTIONS));
  return `${header}// ${tools()}, sha256:${digest(bundleText, types)}\n${PREAMBLE}${types}`;
}

/**
 * Whether `current` is the types.ts `expected` says. A file made by other versions than those installed (node_modules
 * not as package-lock.json says) is compared without its versions-and-digest line: the same types, made elsewhere.
 */
export function sameTypesFile(current: string, expected: string): boolean {
  if (current === expected) return true;
  const made = recorded(current);
  if (made === undefined || made.tools === tools()) return false;
  return current.replace(made.line, '') === expected.replace(recorded(expected)?.line ?? '', '');
}
