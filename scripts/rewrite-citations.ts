/**
 * One-off (issue 13): rewrites, in place, every citation of a document that is not in the repository (the old
 * decisions list, the reference notes saas-v2.md and license-kit-openapi.md) into one a newcomer can follow: the
 * Huawei page by URL, or `docs/decisions.md#N`, as scripts/cite-map.ts says. Run once, over the merged tree:
 *
 *   tsx scripts/rewrite-citations.ts            rewrite; lists each file changed, then the counts
 *   tsx scripts/rewrite-citations.ts --dry-run  the same, writing nothing: each changed line, before and after
 *   tsx scripts/rewrite-citations.ts --check    writing nothing: exit 1 listing every old-form citation left
 *
 * Idempotent. A rewrite that leaves no old-form citation turns on the rule of scripts/lint-citations.ts against them;
 * then `make gen` (the contracts' descriptions changed), and delete this file and scripts/cite-map.ts (and their two
 * entries in EXEMPT of scripts/lint-citations.ts).
 * generated/ is left to `make gen`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LICENSE_KIT, NAMED_DECISIONS, OVERRIDES, SAAS_V2 } from './cite-map.js';
import { LETTER_SECTION, decisionAnchors, findOldCitations, readText, scannedFiles } from './lint-citations.js';

const ROOT = new URL('..', import.meta.url).pathname;
const dryRun = process.argv.includes('--dry-run');
const check = process.argv.includes('--check');
const anchors = decisionAnchors(readFileSync(join(ROOT, 'docs/decisions.md'), 'utf8'));

type Table = Record<string, string | string[]>;
/** A citation the map has no page or anchor for: left as it is, and reported. */
const unmapped: string[] = [];

const dashed = (section: string) => section.replace(/\s*[–-]\s*/, '–');

/** The keys a range spans: `1.4–1.6` → 1.4, 1.5, 1.6; `C.4–C.7` (or `C.4–7`) → C.4 … C.7. */
function spanned(range: string): string[] | undefined {
  const match = /^([A-F]\.|\d+\.)?(\d+)–(?:[A-F]\.|\d+\.)?(\d+)$/.exec(range);
  if (!match) return undefined;
  const [, prefix = '', from, to] = match;
  const keys: string[] = [];
  for (let n = Number(from); n <= Number(to); n++) keys.push(`${prefix}${n}`);
  return keys;
}

/** The pages of one section (or range) of a reference file, or undefined when the map lacks one. */
function pagesOf(table: Table, section: string, where: string): string[] | undefined {
  const key = dashed(section.replace(/^§/, ''));
  const direct = table[key];
  if (direct !== undefined) return [direct].flat();
  const keys = spanned(key);
  const pages = keys?.map((part) => table[part]);
  if (!pages || pages.some((page) => page === undefined)) {
    unmapped.push(`${where}: section ${section}`);
    return undefined;
  }
  return [...new Set(pages.flat() as string[])];
}

const SAAS_SECTION = String.raw`\d+(?:\.\d+)?(?:[–-]\d+(?:\.\d+)?)?(?!\w|\.\d)`;
const SAAS_GROUP = new RegExp(
  String.raw`\`?(?:reference/)?saas-v2\.md\`?,?[ \t]+(?:section[ \t]+|§)?(${SAAS_SECTION})((?:,[ \t]*(?:(?:§|section[ \t]+)${SAAS_SECTION}|\d+\.\d+(?!\w|\.\d)))*)`,
  'g',
);
const SAAS_NEXT = new RegExp(String.raw`(,[ \t]*)(?:§|section[ \t]+)?(${SAAS_SECTION})`, 'g');
const KIT_SECTION = String.raw`[A-F](?:\.\d{1,2})?(?:[–-][A-F]?\.?\d{1,2})?(?!\w|\.\d)`;
const KIT_GROUP = new RegExp(String.raw`(?:\`?license-kit-openapi\.md\`?,?[ \t]+§?|\breference[ \t]+§)(${KIT_SECTION})((?:,[ \t]*§?${KIT_SECTION})*)`, 'g');
const KIT_NEXT = new RegExp(String.raw`(,[ \t]*)§?(${KIT_SECTION})`, 'g');
const BARE_KIT = new RegExp(String.raw`(?<![\w.§/#-])${LETTER_SECTION}`, 'g');
const REPEATED_PAGE = /(https:\/\/[^\s,;()]+\.html)[,;][ \t]*\1(?![\w/])/g;
const DECISION_NAME = /(`?)(?:reference\/)?(?:DECISIONS(?:\.md)?|docs\/decisions\.md)`?,?[ \t]+(\\?)["“]([^"”\n\\]+)\\?["”]/g;
const DECISION_NUMBER = /`?(?:reference\/)?DECISIONS(?:\.md)?`?[ \t]+(\d+)(?:[ \t]*[–-][ \t]*(\d+))?(?!\d)/g;

/**
 * A group `<file> <section>, <section>, …`: each section becomes its pages, separators kept, a page already given by
 * an earlier section of the group not repeated.
 */
function rewriteGroup(table: Table, first: string, rest: string, next: RegExp, where: string): string | undefined {
  const given = new Set<string>();
  const render = (section: string): string | undefined => {
    const pages = pagesOf(table, section, where);
    if (!pages) return undefined;
    const fresh = pages.filter((page) => !given.has(page));
    for (const page of fresh) given.add(page);
    return fresh.join(', ');
  };
  let out = render(first);
  if (out === undefined) return undefined;
  for (const [, separator, section] of rest.matchAll(next)) {
    const pages = render(section as string);
    if (pages === undefined) return undefined;
    if (pages) out += `${separator}${pages}`;
  }
  return out;
}

function decisionRange(from: string, to: string | undefined, where: string): string | undefined {
  const missing = [from, to].filter((n): n is string => n !== undefined && !anchors.has(n));
  if (missing.length > 0) {
    unmapped.push(`${where}: decision ${missing.join(', ')} has no anchor in docs/decisions.md`);
    return undefined;
  }
  return to === undefined ? `docs/decisions.md#${from}` : `docs/decisions.md#${from}–#${to}`;
}

const overridesUsed = new Set<number>();

/** The rewritten text of `path`, and how many citations changed. */
function rewrite(path: string, text: string): { text: string; count: number } {
  let count = 0;
  let out = text;
  OVERRIDES.forEach((override, index) => {
    const parts = out.split(override.from);
    if (parts.length > 1) {
      count += parts.length - 1;
      out = parts.join(override.to);
    }
    if (parts.length > 1 || out.includes(override.to)) overridesUsed.add(index);
  });
  const replace = (pattern: RegExp, replacer: (match: string, ...groups: string[]) => string | undefined) => {
    out = out.replace(pattern, (match, ...groups: string[]) => {
      const result = replacer(match, ...groups);
      if (result === undefined) return match;
      count++;
      return result;
    });
  };
  replace(DECISION_NAME, (_match, tick = '', _escape, name = '') => {
    const anchor = NAMED_DECISIONS[name];
    if (anchor === undefined || !anchors.has(anchor)) {
      unmapped.push(`${path}: decisions section "${name}"`);
      return undefined;
    }
    return `${tick}docs/decisions.md#${anchor}${tick}`;
  });
  replace(SAAS_GROUP, (_match, first = '', rest = '') => rewriteGroup(SAAS_V2, first, rest, SAAS_NEXT, path));
  replace(KIT_GROUP, (_match, first = '', rest = '') => rewriteGroup(LICENSE_KIT, first, rest, KIT_NEXT, path));
  replace(DECISION_NUMBER, (_match, from = '', to) => decisionRange(from, to, path));
  replace(BARE_KIT, (match) => pagesOf(LICENSE_KIT, match, path)?.join(', '));
  // Two sections of one citation that rest on the same page (`C.2, §1.2`): the page once.
  out = out.replace(REPEATED_PAGE, '$1');
  return { text: out, count };
}

function changedLines(before: string, after: string): string[] {
  const old = before.split('\n');
  const now = after.split('\n');
  if (old.length !== now.length) return [`  - ${before.replaceAll('\n', '\n    ')}`, `  + ${after.replaceAll('\n', '\n    ')}`];
  return old.flatMap((line, i) => (line === now[i] ? [] : [`  ${i + 1}- ${line.trim()}`, `  ${i + 1}+ ${now[i]?.trim()}`]));
}

function main(): void {
  const files = scannedFiles(ROOT).filter((path) => !path.startsWith('generated/'));
  if (check) {
    const left = files.flatMap((path) => findOldCitations(readText(ROOT, path) ?? '').map((f) => `${path}:${f.line}:${f.column}: ${f.text}`));
    console.log(
      left.length === 0
        ? 'rewrite-citations --check: no old-form citation left'
        : `rewrite-citations --check: ${left.length} old-form citation(s) left\n  ${left.join('\n  ')}`,
    );
    process.exit(left.length === 0 ? 0 : 1);
  }
  let citations = 0;
  const changed: string[] = [];
  for (const path of files) {
    const before = readText(ROOT, path);
    if (before === undefined) continue;
    const { text: after, count } = rewrite(path, before);
    if (after === before) continue;
    changed.push(path);
    citations += count;
    console.log(`${path}: ${count} citation(s)`);
    if (dryRun) console.log(changedLines(before, after).join('\n'));
    else writeFileSync(join(ROOT, path), after);
  }
  const left = files.flatMap((path) => {
    const text = readText(ROOT, path) ?? '';
    return findOldCitations(dryRun ? rewrite(path, text).text : text).map((f) => `${path}:${f.line}:${f.column}: ${f.text} (${f.why})`);
  });
  const stale = OVERRIDES.filter((_, index) => !overridesUsed.has(index));
  console.log(`rewrite-citations: ${citations} citation(s) in ${changed.length} file(s)${dryRun ? ' (dry run, nothing written)' : ''}`);
  if (stale.length > 0)
    console.log(
      `  overrides whose text was not found (the line changed? its citation got the plain rewrite):\n    ${stale.map((o) => `${JSON.stringify(o.from)} (was in ${o.seenIn})`).join('\n    ')}`,
    );
  if (unmapped.length > 0) console.log(`  not in scripts/cite-map.ts, left as they were:\n    ${[...new Set(unmapped)].join('\n    ')}`);
  if (left.length > 0) {
    console.log(`  old-form citations left (${left.length}):\n    ${left.join('\n    ')}`);
    process.exit(1);
  }
  if (changed.some((path) => path.startsWith('openapi/'))) console.log('  openapi/ changed: run `make gen`');
  if (!dryRun) {
    const rule = join(ROOT, 'scripts/lint-citations.ts');
    const source = readFileSync(rule, 'utf8');
    const on = source.replace('export const FORBID_OLD_CITATIONS = false;', 'export const FORBID_OLD_CITATIONS = true;');
    if (on !== source) {
      writeFileSync(rule, on);
      console.log('  none left: turned on the rule against them (scripts/lint-citations.ts, FORBID_OLD_CITATIONS)');
    }
  }
}

main();
