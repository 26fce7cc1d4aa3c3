import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { families } from '../../scripts/contract.js';
import { FAMILY_ORDER, inReadmeOrder } from '../../scripts/family-order.js';

const README = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');

/** The contracts of README's "Interface families" table, top to bottom. */
function readmeFamilies(): string[] {
  const section = README.slice(README.indexOf('## Interface families'), README.indexOf('\n## ', README.indexOf('## Interface families') + 1));
  return [...section.matchAll(/^\|[^\n]*?\| `openapi\/([a-z0-9-]+)\/` \|/gm)].map((match) => match[1]!);
}

// The API reference's index and the mock's ports follow README's table (scripts/family-order.ts).
describe('the order of the interface families', () => {
  it('is the order of README\'s "Interface families" table, which names every contract once', () => {
    expect(readmeFamilies()).toEqual(FAMILY_ORDER);
    expect([...FAMILY_ORDER].sort()).toEqual(families());
  });

  it('puts a family the table does not list yet last', () => {
    expect(inReadmeOrder(['marketplace', 'zeta', 'saas-v2', 'alpha', 'kit-v1'])).toEqual(['saas-v2', 'kit-v1', 'marketplace', 'alpha', 'zeta']);
  });
});
