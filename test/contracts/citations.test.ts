import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { citationProblems, decisionAnchors, findBrokenAnchors, findOldCitations } from '../../scripts/lint-citations.js';

// The citation rules of `make lint` (scripts/lint-citations.ts): every citation points into the repository or at a
// Huawei page. This file spells the refused forms out, so the rule exempts it.

const ROOT = new URL('../..', import.meta.url).pathname;
const anchors = decisionAnchors(readFileSync(new URL('../../docs/decisions.md', import.meta.url), 'utf8'));

describe('findOldCitations', () => {
  it.each([
    ['(DECISIONS 14)', 'DECISIONS'],
    ['DECISIONS "Retry schedule"', 'DECISIONS'],
    ['(`reference/DECISIONS.md`, "Verifying crypto")', 'DECISIONS.md'],
    ['(saas-v2.md §3.8)', 'saas-v2.md'],
    ['(license-kit-openapi.md A.11, §C.1)', 'license-kit-openapi.md'],
    ['the key bound to it (§C.5).', '§C.5'],
    ['its only create refusal (B.8); SaaS', 'B.8'],
    ['retries (A.3-A.5)', 'A.3-A.5'],
    ['order notification (§E)', '§E'],
    ['`openapi/oauth/`, reference §C.9)', 'reference §'],
    ['(docs/decisions.md "Marketplace retries")', 'decisions.md "Marketplace retries"'],
    ['"(docs/decisions.md \\"Marketplace retries\\")"', 'decisions.md \\"Marketplace retries\\"'],
    ['- **`bodySign`** (§1.4)', '§1.4'],
  ])('refuses %s', (line, text) => {
    expect(findOldCitations(line).map((finding) => finding.text)).toContain(text);
  });

  it.each([
    'RFC 6749 §4.1.3, §6 (a standard named before the section)',
    '(docs/decisions.md#14) and docs/decisions.md#1–#5',
    'https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649476.html',
    'SHA-256, UTF-8, RSA-OAEP, HMAC-SHA256, ES2022, U+1F600, 0xD83D, E.164, version 1.2',
    'Decisions are numbered; the word decisions alone is prose',
  ])('lets %s be', (line) => {
    expect(findOldCitations(line)).toEqual([]);
  });

  it('says where: line and column, 1-based', () => {
    expect(findOldCitations('one\n  (DECISIONS 4)')).toEqual([expect.objectContaining({ line: 2, column: 4, text: 'DECISIONS' })]);
  });
});

describe('findBrokenAnchors', () => {
  it.each([
    ['docs/decisions.md#14', []],
    ['docs/decisions.md#1–#5', []],
    ['docs/decisions.md#marketplace-retries and docs/decisions.md#verifying-crypto', []],
    ['[decision 4](decisions.md#4)', []],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the text of a template literal that builds an anchor (src/conformance/rules.ts)
    ['docs/decisions.md#N, docs/decisions.md#${n}', []],
    ['docs/decisions.md#99', ['decisions.md#99']],
    ['docs/decisions.md#1–#99', ['decisions.md#1–#99']],
    ['docs/decisions.md#retry-schedule', ['decisions.md#retry-schedule']],
  ])('%s', (line, broken) => {
    expect(findBrokenAnchors(line, anchors).map((finding) => finding.text)).toEqual(broken);
  });

  it('reads `[n](#n)` links only in docs/decisions.md itself', () => {
    expect(findBrokenAnchors('see [99](#99)', anchors, true).map((finding) => finding.text)).toEqual(['](#99)']);
    expect(findBrokenAnchors('see [99](#99)', anchors)).toEqual([]);
  });
});

describe('the repository', () => {
  it('cites only anchors docs/decisions.md has', () => {
    expect(citationProblems(ROOT, false).problems).toEqual([]);
  });
});
