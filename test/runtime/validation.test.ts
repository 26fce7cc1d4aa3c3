import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { atLevel, closedView } from '../../src/runtime/levels.js';
import { compile, requestJudge } from '../../src/runtime/validation.js';

// A judge compiles a schema's validators at its first request, not when the server starts: a schema Ajv cannot
// compile would otherwise first show at a marketplace call. Here every request schema of every family compiles in each
// view the judges make (docs/decisions.md#16).

const GENERATED = new URL('../../generated/', import.meta.url);
const SERVED = readdirSync(GENERATED).filter((family) => existsSync(new URL(`${family}/server.ts`, GENERATED)));

async function familyOf(family: string): Promise<{ document: { components: object }; requests: string[] }> {
  const server = (await import(new URL(`${family}/server.ts`, GENERATED).href)) as Record<string, unknown>;
  const [schemas] = Object.entries(server).filter(([name]) => name.endsWith('_SCHEMAS'));
  const handlers = (schemas![1] as { handlers: Record<string, { request: string }> }).handlers;
  const document = JSON.parse(readFileSync(new URL(`${family}/openapi.json`, GENERATED), 'utf8')) as { components: object };
  return { document, requests: [...new Set(Object.values(handlers).map((handler) => handler.request))] };
}

describe('the request judges', () => {
  it.each(SERVED)('%s: every request schema compiles in the closed, open and kgkit-level views', async (family) => {
    const { document, requests } = await familyOf(family);
    for (const [view, allErrors] of [
      [closedView(document), true],
      [document, false],
      [atLevel(document, 'kgkit'), false],
    ] as const)
      expect([...compile(view, requests, { allErrors }).keys()]).toEqual(requests);
  });

  // The judges of every family share their Ajv instances: the families' schemas must not clash in them.
  it('judges a request with each schema of every family, at either level, in one process', async () => {
    for (const family of SERVED) {
      const { document, requests } = await familyOf(family);
      for (const strict of [false, true]) {
        const judge = requestJudge(document, strict);
        for (const schema of requests) expect(() => judge.judge(schema, { unknown: 1 }), `${family} ${schema}, strict ${strict}`).not.toThrow();
      }
    }
  });
});
