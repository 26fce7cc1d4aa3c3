import type { CaseResult, ConformanceReport, ProgressEvent } from './runner.js';

// How a conformance run is shown: a progress line while it runs, a summary table at the end, JUnit XML for CI, JSON
// for anything else.

const MARK: Record<CaseResult['status'], string> = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' };

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const count = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;
/** Reasons printed per case in the table; the JSON report has them all. */
const MAX_REASONS = 6;

/** One line per finished case (not a TTY), or the text of the line rewritten in place (TTY). */
export function progressLine(event: Extract<ProgressEvent, { type: 'end' }>, width = 100): string {
  const { result, done, total, counts } = event;
  const position = `[${String(done).padStart(String(total).length)}/${total}]`;
  const line = `${position} ${counts.pass} passed, ${counts.fail} failed, ${counts.skip} skipped · ${MARK[result.status]} ${result.id} (${result.durationMs} ms)`;
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}

/** What the table prints under a case: failures (or the skip's reason), then warnings, then what could not be seen. */
function detailLines(result: CaseResult, verbose: boolean): string[] {
  const lines: string[] = [];
  const list = (mark: string, items: string[]) => {
    const shown = verbose ? items : items.slice(0, MAX_REASONS);
    for (const item of shown) lines.push(`        ${mark} ${item}`);
    if (shown.length < items.length) lines.push(`        … and ${items.length - shown.length} more (all in the JSON report)`);
  };
  if (result.status !== 'pass') list('-', result.reasons);
  list('!', result.warnings);
  list('?', result.unobservable);
  return lines;
}

/**
 * The table printed at the end: every case with its result, warnings (kgkit's rules, which fail only with --strict),
 * checks that could not be observed, and time; under each, the reasons (-), warnings (!) and unobservable checks (?).
 */
export function summaryTable(report: ConformanceReport, { verbose = false } = {}): string {
  const idWidth = Math.max(4, ...report.results.map((r) => r.id.length));
  const lines = [`${'RESULT'.padEnd(6)}  ${'CASE'.padEnd(idWidth)}  ${'WARN'.padStart(4)}  ${'N/O'.padStart(3)}  ${'TIME'.padStart(8)}  SLOWEST`];
  for (const result of report.results) {
    const warn = result.warnings.length === 0 ? '' : String(result.warnings.length);
    const unseen = result.unobservable.length === 0 ? '' : String(result.unobservable.length);
    lines.push(
      `${MARK[result.status].padEnd(6)}  ${result.id.padEnd(idWidth)}  ${warn.padStart(4)}  ${unseen.padStart(3)}  ${`${result.durationMs} ms`.padStart(8)}  ${result.slowestMs} ms`,
    );
    lines.push(...detailLines(result, verbose));
  }
  lines.push('');
  for (const family of report.families) {
    lines.push(family.skipped ? `${family.family}: skipped (${family.skipped})` : `${family.family}: ${count(family.cases, 'case')} at ${family.url}`);
  }
  const { passed, failed, skipped, warnings, unobservable, calls, slowestMs } = report.summary;
  const profile =
    report.profile === 'strict' ? "--strict: kgkit's rules fail too" : "default profile: Huawei's rules fail, kgkit's warn (--strict makes them fail)";
  lines.push(
    '',
    `${count(report.results.length, 'case')}: ${passed} passed, ${failed} failed, ${skipped} skipped in ${seconds(report.durationMs)}; ${count(warnings, 'warning')}, ${unobservable} not observable; ${count(calls, 'call')}, slowest answer ${slowestMs} ms`,
    profile,
  );
  return `${lines.join('\n')}\n`;
}

const xml = (text: string) =>
  text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

/** JUnit XML: one test suite per family, one test case per conformance case, failures and skips with their reasons. */
export function junitXml(report: ConformanceReport): string {
  const suites = report.families
    .filter((family) => !family.skipped)
    .map((family) => {
      const results = report.results.filter((r) => r.family === family.family);
      const failures = results.filter((r) => r.status === 'fail').length;
      const skipped = results.filter((r) => r.status === 'skip').length;
      const time = results.reduce((sum, r) => sum + r.durationMs, 0) / 1000;
      const cases = results.map((r) => {
        const open = `    <testcase classname="${xml(`conformance.${r.family}`)}" name="${xml(`${r.id}: ${r.title}`)}" time="${(r.durationMs / 1000).toFixed(3)}"`;
        const reasons = xml(r.reasons.join('\n'));
        // Warnings and unobservable checks do not fail a case: they go to its output.
        const notes = [...r.warnings.map((w) => `warning: ${w}`), ...r.unobservable.map((u) => `not observable: ${u}`)];
        const out = notes.length > 0 ? `\n      <system-out>${xml(notes.join('\n'))}</system-out>` : '';
        if (r.status === 'fail') return `${open}>\n      <failure message="${xml(r.reasons[0] ?? 'failed')}">${reasons}</failure>${out}\n    </testcase>`;
        if (r.status === 'skip') return `${open}>\n      <skipped message="${xml(r.reasons[0] ?? 'skipped')}"/>${out}\n    </testcase>`;
        return out === '' ? `${open}/>` : `${open}>${out}\n    </testcase>`;
      });
      return `  <testsuite name="${xml(`conformance ${family.family}`)}" tests="${results.length}" failures="${failures}" skipped="${skipped}" errors="0" time="${time.toFixed(3)}" timestamp="${report.startedAt}">\n${cases.join('\n')}\n  </testsuite>`;
    });
  const { passed, failed, skipped } = report.summary;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="kgkit conformance" tests="${passed + failed + skipped}" failures="${failed}" skipped="${skipped}" errors="0" time="${(report.durationMs / 1000).toFixed(3)}">\n${suites.join('\n')}\n</testsuites>\n`;
}

export function jsonReport(report: ConformanceReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
