import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Section, TERM_KINDS, type TermKind, links, missing, relativePath, sections, terms } from './readme-terms.js';

// README.zh-CN.md is README.md for sellers who work in Chinese. Its prose is translated; everything a reader types or
// sets is not. These checks keep the two in step: a section, command, option, setting, code block, table or link added
// to one README fails here until the other has it too.
const ROOT = join(import.meta.dirname, '..', '..');
const ENGLISH = 'README.md';
const CHINESE = 'README.zh-CN.md';
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const english = sections(read(ENGLISH));
const chinese = sections(read(CHINESE));

const title = (section: Section) => `${'#'.repeat(section.level)} ${section.heading}`.trim() || '(before the first heading)';
const codeInHeading = (section: Section) => [...section.heading.matchAll(/`[^`]+`/g)].length;
/** A heading as both READMEs must agree on it: its level and the code it names. */
const shape = (section: Section) => `${'#'.repeat(section.level)} ${section.spans.slice(0, codeInHeading(section)).join(' ')}`.trim();
const outline = (list: Section[]) => list.map(shape);
/** The sections side by side, for a message when the outlines differ. */
const sideBySide = () =>
  Array.from({ length: Math.max(english.length, chinese.length) }, (_, index) => {
    const [en, zh] = [english[index], chinese[index]];
    const mark = en && zh && shape(en) === shape(zh) ? ' ' : '≠';
    return `${mark} ${String(index + 1).padStart(2)}  ${en ? title(en) : '—'}  |  ${zh ? title(zh) : '—'}`;
  }).join('\n');
/** Section pairs; they pair up only when the outlines agree. */
const pairs = () => {
  expect(outline(chinese), 'the sections differ: see the test of the sections').toEqual(outline(english));
  return english.map((section, index) => [section, chinese[index]!] as const);
};
/** What one README has and the other lacks, labelled by file. */
const difference = (en: Iterable<string>, zh: Iterable<string>) => ({ [`only in ${ENGLISH}`]: missing(en, zh), [`only in ${CHINESE}`]: missing(zh, en) });
const none = { [`only in ${ENGLISH}`]: [], [`only in ${CHINESE}`]: [] };
const all = (list: Section[], kind: TermKind) => list.flatMap((section) => [...terms(section)[kind]]);
/** Links to the other README are the only ones that differ. */
const pageLinks = (list: Section[]) => list.flatMap(links).filter((target) => ![ENGLISH, CHINESE].includes(target));

describe('README.zh-CN.md, the Chinese README', () => {
  it('and README.md link to each other at the top', () => {
    expect(read(ENGLISH).split('\n').slice(0, 5).join('\n')).toContain(`中文版: [${CHINESE}](${CHINESE})`);
    expect(read(CHINESE).split('\n').slice(0, 5).join('\n')).toContain(`English: [${ENGLISH}](${ENGLISH})`);
  });

  it('has the same sections in the same order, at the same levels, with the same code in their headings', () => {
    expect(outline(chinese), `sections, ${ENGLISH} | ${CHINESE} (≠ where they part):\n${sideBySide()}`).toEqual(outline(english));
  });

  for (const kind of TERM_KINDS) {
    it(`names the same ${kind}`, () => {
      expect(difference(all(english, kind), all(chinese, kind)), `the ${kind} each README names`).toEqual(none);
    });
  }

  it('names each of them in the same section', () => {
    const apart = pairs().flatMap(([en, zh]) =>
      TERM_KINDS.flatMap((kind) => {
        const [enTerms, zhTerms] = [terms(en)[kind], terms(zh)[kind]];
        const [onlyEnglish, onlyChinese] = [missing(enTerms, zhTerms), missing(zhTerms, enTerms)];
        if (onlyEnglish.length + onlyChinese.length === 0) return [];
        return [`${title(en)} | ${title(zh)}: ${kind} only in ${ENGLISH}: [${onlyEnglish.join(', ')}], only in ${CHINESE}: [${onlyChinese.join(', ')}]`];
      }),
    );
    expect(apart).toEqual([]);
  });

  it('shows the same inline code in each section', () => {
    const apart = pairs().flatMap(([en, zh]) => {
      const [onlyEnglish, onlyChinese] = [missing(en.spans, zh.spans), missing(zh.spans, en.spans)];
      if (onlyEnglish.length + onlyChinese.length === 0) return [];
      return [`${title(en)} | ${title(zh)}: only in ${ENGLISH}: [${onlyEnglish.join(', ')}], only in ${CHINESE}: [${onlyChinese.join(', ')}]`];
    });
    expect(apart).toEqual([]);
  });

  it('shows every code block unchanged, in the same section', () => {
    const changed = pairs().flatMap(([en, zh]) => {
      if (en.fences.length !== zh.fences.length) return [`${title(en)}: ${en.fences.length} code blocks in ${ENGLISH}, ${zh.fences.length} in ${CHINESE}`];
      return en.fences.flatMap((block, index) =>
        block === zh.fences[index] ? [] : [`${title(en)}: code block ${index + 1} differs:\n${block}\n---\n${zh.fences[index]}`],
      );
    });
    expect(changed).toEqual([]);
  });

  it('has the same tables, with the same rows and columns, in the same section', () => {
    const reshaped = pairs().flatMap(([en, zh]) =>
      JSON.stringify(en.tables) === JSON.stringify(zh.tables)
        ? []
        : [`${title(en)} | ${title(zh)}: columns per row ${JSON.stringify(en.tables)} in ${ENGLISH}, ${JSON.stringify(zh.tables)} in ${CHINESE}`],
    );
    expect(reshaped).toEqual([]);
  });

  it('links to the same pages and files', () => {
    expect(difference(pageLinks(english), pageLinks(chinese)), 'link targets and bare URLs').toEqual(none);
  });

  it.each([CHINESE, ENGLISH])('%s: every relative link resolves to a file in the repository', (file) => {
    const targets = sections(read(file))
      .flatMap(links)
      .flatMap((target) => relativePath(target) ?? []);
    expect(targets.length).toBeGreaterThan(0);
    expect(targets.filter((path) => !existsSync(join(ROOT, path)))).toEqual([]);
  });
});

describe('what a README is compared by', () => {
  const sample = [
    '# Title',
    '',
    'Make a new key with `make license-key`; `kgkit/signing` is a module and `kgkit.recordUsage` a function,',
    '`bin/kgkit simulate --url <url>` and `kgkit usage',
    'status --state s` are commands. Set `PORT`, `FAMILY=saas-v2` or `$KGKIT_API_TOKEN`, not `POST /saas` or `SDK-HMAC-SHA256`.',
    'See [decision 21](docs/decisions.md#21) and https://support.huaweicloud.com/x.html).',
    '',
    '```sh',
    '# run the tests',
    'DATABASE_URL=postgres://… make test -- --reporter=dot',
    '```',
    '',
    '## Second (`make docs`)',
    '',
    '- a list item with its own block:',
    '',
    '  ```text',
    '  ## not a heading',
    '  ```',
    '',
    '| Variable | Meaning |',
    '|---|---|',
    '| `PORT` | `a|b`, not `HOST` |',
  ].join('\n');
  const [first, second] = sections(sample);

  it('splits at headings outside code blocks only', () => {
    expect(sections(sample).map((section) => [section.level, section.heading])).toEqual([
      [1, 'Title'],
      [2, 'Second (`make docs`)'],
    ]);
    expect(second!.fences).toEqual(['  ```text\n  ## not a heading\n  ```']);
  });

  it.each([
    ['make targets', ['make license-key', 'make test']],
    ['kgkit commands', ['kgkit simulate', 'kgkit usage']],
    ['options', ['--reporter', '--state', '--url']],
    ['settings', ['DATABASE_URL', 'FAMILY', 'KGKIT_API_TOKEN']],
  ] as const)('finds the %s in code only, code spans over a line break included', (kind, expected) => {
    expect([...terms(first!)[kind]].sort()).toEqual(expected);
  });

  it("reads a heading's code, a one-word variable a table row is about, table shapes (a pipe in code is no column), links", () => {
    expect(terms(second!)['make targets']).toEqual(new Set(['make docs']));
    expect(terms(second!).settings).toEqual(new Set(['PORT']));
    expect(second!.tables).toEqual([[2, 2]]);
    expect(links(first!)).toEqual(['docs/decisions.md#21', 'https://support.huaweicloud.com/x.html']);
  });

  it.each([
    ['docs/decisions.md#21', 'docs/decisions.md'],
    ['README.zh-CN.md', 'README.zh-CN.md'],
    ['docs/a%20b.md?raw=1', 'docs/a b.md'],
    ['https://orval.dev', undefined],
    ['mailto:partner@example.com', undefined],
    ['#configuration', undefined],
  ])('takes %s as the repository path %s', (target, path) => {
    expect(relativePath(target)).toBe(path);
  });
});
