/**
 * Citations a newcomer can follow. Two rules, over every text file of src/, test/, scripts/, bench/, bin/,
 * openapi/, docs/, generated/, README.md and README.zh-CN.md:
 * - every `docs/decisions.md#<anchor>` (also `decisions.md#…` inside docs/, `[n](#n)` inside docs/decisions.md, and
 *   both ends of a range `#1–#5`) names an `<a id="…">` of docs/decisions.md;
 * - no citation of the documents that are not in the repository: the old decisions list (`DECISIONS` and a number or
 *   a quoted section name), the reference notes (`saas-v2.md`, `license-kit-openapi.md`, their bare sections such as
 *   `§C.9` or `(B.8)`, `reference §…`), or a section of docs/decisions.md by its quoted name instead of its anchor.
 *   Cite the Huawei page by URL, or kgkit's decision as `docs/decisions.md#N`.
 * Pure functions on text, so tests feed them lines; `citationProblems` reads the tree.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const SCANNED = ['src', 'test', 'scripts', 'bench', 'bin', 'openapi', 'docs', 'generated', 'README.md', 'README.zh-CN.md'];
/** Not the project's text: installed packages, git, and docs/reference/ (built from the contracts by `make docs`, gitignored). */
const SKIPPED_DIRECTORIES = new Set(['node_modules', '.git', 'docs/reference']);
/** They spell the old forms out to find them: this rule and its test. */
const EXEMPT = new Set(['scripts/lint-citations.ts', 'test/contracts/citations.test.ts']);
const DECISIONS_FILE = 'docs/decisions.md';

/** One citation the rules refuse, 1-based line and column. */
export interface Finding {
  line: number;
  column: number;
  text: string;
  why: string;
}

// A letter section of the License/Kit/Open-API notes (A.1 … F), with § or in the dotted form, and ranges of them.
export const LETTER_SECTION = String.raw`(?:§[A-F](?:\.\d{1,2})?|[A-F]\.\d{1,2})(?:[–-][A-F]?\.?\d{1,2})?(?!\w|\.\d)`;
const OLD_FORMS: { pattern: RegExp; why: string }[] = [
  { pattern: /\bDECISIONS\b(?:\.md)?/g, why: 'the old decisions list is not in the repository: cite docs/decisions.md#N' },
  { pattern: /\bsaas-v2\.md\b|\blicense-kit-openapi\.md\b/g, why: 'the reference notes are not in the repository: cite the Huawei page by URL' },
  { pattern: /\bdecisions\.md`?,?[ \t]+\\?["“][^"”\n\\]+\\?["”]/g, why: 'cite a section of docs/decisions.md by its anchor (docs/decisions.md#name)' },
  { pattern: /\breference §/g, why: 'the reference notes are not in the repository: cite the Huawei page by URL' },
  { pattern: new RegExp(String.raw`(?<![\w.§/#-])${LETTER_SECTION}`, 'g'), why: 'a section of the reference notes: cite the Huawei page by URL' },
];
/** `§` and a number cites a standard when one is named before it on the line (RFC 6749 §4.1, …); else the notes. */
const NUMBERED_SECTION = /§\d/g;
const STANDARD_NAMED = /\b(?:RFC|ECMA|ISO|IEC|IEEE|FIPS|NIST|ITU|W3C|WHATWG|OpenAPI|JSON Schema)\b/;

/** Old-form citations in `text`. */
export function findOldCitations(text: string): Finding[] {
  const found: Finding[] = [];
  text.split('\n').forEach((line, index) => {
    for (const { pattern, why } of OLD_FORMS) {
      for (const match of line.matchAll(pattern)) found.push({ line: index + 1, column: match.index + 1, text: match[0], why });
    }
    for (const match of line.matchAll(NUMBERED_SECTION)) {
      if (!STANDARD_NAMED.test(line.slice(0, match.index))) {
        found.push({
          line: index + 1,
          column: match.index + 1,
          text: line.slice(match.index).split(/[\s),;]/)[0] ?? '§',
          why: 'a numbered section of no named standard: cite the Huawei page by URL',
        });
      }
    }
  });
  return found.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** The anchors (`<a id="…">`) of docs/decisions.md. */
export function decisionAnchors(decisions: string): Set<string> {
  return new Set([...decisions.matchAll(/<a id="([^"]+)"><\/a>/g)].map((match) => match[1] as string));
}

const ANCHOR = String.raw`(\d+|[a-z][a-z0-9-]*[a-z0-9])(?:[–-]#?(\d+))?`;
const DECISION_LINK = new RegExp(String.raw`\bdecisions\.md#${ANCHOR}`, 'g');
const LOCAL_LINK = new RegExp(String.raw`\]\(#${ANCHOR}\)`, 'g');

/** Citations in `text` of an anchor docs/decisions.md does not have; `local` also reads `[n](#n)` links (the file itself). */
export function findBrokenAnchors(text: string, anchors: Set<string>, local = false): Finding[] {
  const found: Finding[] = [];
  text.split('\n').forEach((line, index) => {
    for (const pattern of local ? [DECISION_LINK, LOCAL_LINK] : [DECISION_LINK]) {
      for (const match of line.matchAll(pattern)) {
        const missing = [match[1], match[2]].filter((anchor): anchor is string => anchor !== undefined && !anchors.has(anchor));
        if (missing.length > 0) {
          found.push({ line: index + 1, column: match.index + 1, text: match[0], why: `docs/decisions.md has no <a id="${missing.join('">, <a id="')}">` });
        }
      }
    }
  });
  return found;
}

function textFiles(root: string, path: string): string[] {
  const full = join(root, path);
  if (SKIPPED_DIRECTORIES.has(path) || path.split('/').some((part) => SKIPPED_DIRECTORIES.has(part))) return [];
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(full);
  } catch {
    return [];
  }
  if (stat.isDirectory()) return readdirSync(full).flatMap((name) => textFiles(root, join(path, name)));
  return stat.isFile() ? [path] : [];
}

/** Every scanned text file, relative to `root`, except the exempt ones. */
export function scannedFiles(root: string): string[] {
  return SCANNED.flatMap((path) => textFiles(root, path)).filter((path) => !EXEMPT.has(path));
}

/** A file's text, or undefined for a binary file (a NUL in its first 8 KiB). */
export function readText(root: string, path: string): string | undefined {
  const bytes = readFileSync(join(root, path));
  return bytes.subarray(0, 8192).includes(0) ? undefined : bytes.toString('utf8');
}

/** Both rules over the tree at `root`: the problems, and how many lines still hold an old-form citation (said while the rule is off). */
export function citationProblems(root: string, forbidOld = true): { problems: string[]; oldCitations: number } {
  const anchors = decisionAnchors(readFileSync(join(root, DECISIONS_FILE), 'utf8'));
  const problems: string[] = [];
  let oldCitations = 0;
  for (const path of scannedFiles(root)) {
    const text = readText(root, path);
    if (text === undefined) continue;
    for (const finding of findBrokenAnchors(text, anchors, path === DECISIONS_FILE)) {
      problems.push(`${path}:${finding.line}:${finding.column}: ${finding.text} (${finding.why})`);
    }
    const byLine = new Map<number, Finding[]>();
    for (const finding of findOldCitations(text)) byLine.set(finding.line, [...(byLine.get(finding.line) ?? []), finding]);
    oldCitations += byLine.size;
    if (!forbidOld) continue;
    for (const [line, findings] of byLine) {
      problems.push(`${path}:${line}: ${findings.map((finding) => finding.text).join(', ')} (${findings[0]?.why})`);
    }
  }
  return { problems, oldCitations };
}
