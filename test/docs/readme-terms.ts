/**
 * What a README names that a translation must keep: its outline, its code, and the commands, options and settings in
 * that code. Prose is free to differ (it is translated); code is not (commands, paths and variables stay in English).
 */

export interface Section {
  /** 0 for the text before the first heading. */
  level: number;
  heading: string;
  /** Inline code spans of the prose, in order. */
  spans: string[];
  /** Fenced code blocks, each with its fence lines, as written. */
  fences: string[];
  /** Prose without its code spans (for links and bare URLs). */
  prose: string;
  /** Columns of each table row, one entry per table. */
  tables: number[][];
  /** The code span that opens each table row (the variable, command or path the row is about). */
  rowKeys: string[];
}

export const TERM_KINDS = ['make targets', 'kgkit commands', 'options', 'settings'] as const;
export type TermKind = (typeof TERM_KINDS)[number];

const FENCE = /^\s*(```|~~~)/;
const HEADING = /^(#{1,6}) +(.*?) *#*$/;
const TABLE_ROW = /^\s*\|.*\|\s*$/;
const TABLE_DELIMITER = /^\s*\|(?:\s*:?-+:?\s*\|)+\s*$/;
// A code span may run over a line break, never over a blank line (that ends the paragraph).
const CODE_SPAN = /`((?:[^`\n]|\n(?![ \t]*\n))+)`/g;

/** The sections of a Markdown text, split at headings outside fenced code. */
export function sections(markdown: string): Section[] {
  const found: Section[] = [];
  let current = { level: 0, heading: '', lines: [] as string[], fences: [] as string[] };
  let fence: string[] | undefined;
  const close = () => found.push(describe(current.level, current.heading, current.lines.join('\n'), current.fences));
  for (const line of markdown.split('\n')) {
    if (fence) {
      fence.push(line);
      if (FENCE.test(line) && line.trim().replace(/^(```|~~~)/, '') === '') {
        current.fences.push(fence.join('\n'));
        fence = undefined;
      }
      continue;
    }
    if (FENCE.test(line)) {
      fence = [line];
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      if (current.level > 0 || current.lines.join('').trim() !== '' || current.fences.length > 0) close();
      current = { level: heading[1]!.length, heading: heading[2]!, lines: [], fences: [] };
      continue;
    }
    current.lines.push(line);
  }
  if (fence) current.fences.push(fence.join('\n'));
  close();
  return found;
}

function describe(level: number, heading: string, text: string, fences: string[]): Section {
  const spans = [...`${heading}\n\n${text}`.matchAll(CODE_SPAN)].map((match) => match[1]!.replace(/\s*\n\s*/g, ' '));
  const prose = text.replace(CODE_SPAN, ' ');
  const tables: number[][] = [];
  const rowKeys: string[] = [];
  let rows: number[] | undefined;
  for (const line of text.split('\n')) {
    if (!TABLE_ROW.test(line)) {
      rows = undefined;
      continue;
    }
    if (TABLE_DELIMITER.test(line)) continue;
    if (!rows) tables.push((rows = []));
    rows.push(cells(line));
    const key = /^\s*\|\s*`([^`]+)`/.exec(line);
    if (key) rowKeys.push(key[1]!);
  }
  return { level, heading, spans, fences, prose, tables, rowKeys };
}

/** Cells of a table row, not counting pipes inside code spans. */
function cells(row: string): number {
  return row.trim().replace(CODE_SPAN, 'code').slice(1, -1).split('|').length;
}

/** Every piece of code a section shows: its headings' and prose's code spans, and its fenced blocks. */
function code(section: Section): string[] {
  return [...section.spans, ...section.fences];
}

/** The commands, options and settings a section's code names, by kind. */
export function terms(section: Section): Record<TermKind, Set<string>> {
  const found: Record<TermKind, Set<string>> = {
    'make targets': new Set(),
    'kgkit commands': new Set(),
    options: new Set(),
    settings: new Set(),
  };
  for (const text of code(section)) {
    for (const match of text.matchAll(/(?<![\w-])make ([a-z][a-z0-9-]*)/g)) found['make targets'].add(`make ${match[1]}`);
    // `kgkit/signing` is a module, `bin/kgkit simulate` a command.
    for (const match of text.matchAll(/(?<![\w./-])(?:bin\/)?kgkit ([a-z][a-z-]*)/g)) found['kgkit commands'].add(`kgkit ${match[1]}`);
    for (const match of text.matchAll(/(?<![\w-])--[a-z][a-zA-Z0-9-]*/g)) found.options.add(match[0]);
    // An environment or make variable: UPPER_SNAKE, or assigned (`FAMILY=…`).
    for (const match of text.matchAll(/(?<![\w-])[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(?![\w-])/g)) found.settings.add(match[0]);
    for (const match of text.matchAll(/(?<![\w-])([A-Z][A-Z0-9_]*)=/g)) found.settings.add(match[1]!);
  }
  // A one-word variable (`PORT`) when a table row is about it; elsewhere a bare `POST` or `WARN` is no setting.
  for (const key of section.rowKeys) if (/^[A-Z][A-Z0-9_]*$/.test(key)) found.settings.add(key);
  return found;
}

/** Link targets and bare URLs of a section's prose. */
export function links(section: Section): string[] {
  const targets = [...section.prose.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!);
  const bare = [...section.prose.replace(/\]\([^)\s]+\)/g, ']').matchAll(/https?:\/\/[^\s)>\]（），。；]+/g)].map((match) => match[0].replace(/[.,;:]+$/, ''));
  return [...targets, ...bare];
}

/** A link target inside the repository (no scheme, not only a fragment): the path it names, without its fragment. */
export function relativePath(target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) return undefined;
  return decodeURI(target.replace(/[#?].*$/, ''));
}

/** Members of `a` that `b` lacks, sorted. */
export function missing(a: Iterable<string>, b: Iterable<string>): string[] {
  const other = new Set(b);
  return [...new Set(a)].filter((item) => !other.has(item)).sort();
}
