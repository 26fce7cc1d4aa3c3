import type { FamilyReport } from './run.js';

/** One line per family and database: what ran, with which seed, and what the server answered. */
export function describeReport(report: FamilyReport, dialect: string): string {
  const intents = Object.entries(report.byIntent)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([intent, count]) => `${intent} ${count}`)
    .join(', ');
  const codes = Object.entries(report.codes)
    .sort(([, a], [, b]) => b - a)
    .map(([code, count]) => `${code}×${count}`)
    .join(' ');
  return (
    `fuzz ${report.family} on ${dialect}: ${report.runs} runs (${intents}), ${report.requests} requests, seed ${report.seed}, ${(report.durationMs / 1000).toFixed(1)} s; ` +
    `${report.valid} inside the contract, ${report.reachedHandler} reached a handler, ${report.accepted} accepted; answers ${codes}; slowest ${report.slowestMs} ms` +
    (report.failure ? '; FAILED' : '')
  );
}
