import fc from 'fast-check';
import { TEST_CONFIG } from '../support/server.js';
import { type FuzzCase, type Intent, caseOf } from './cases.js';
import type { FuzzFamily } from './contracts.js';
import type { Answer, FuzzServer } from './harness.js';
import { applyTamper, describeTamper } from './mutations.js';
import { type Expectation, type Verdict, judge } from './oracle.js';
import { signatureVerifies } from './signed-view.js';
import { type Snapshot, snapshot, tablesOf } from './state.js';
import { type FamilyTarget, targetOf } from './targets.js';
import { type Wire, sign, urlOf } from './wire.js';

// One family fuzzed against a running server: fast-check draws cases, each is sent and judged by the oracle, and the
// first case that breaks it is shrunk to a minimal one and reported with the request, the answer and every problem.

export interface FuzzOptions {
  runs: number;
  seed: number;
  /** Stop drawing new cases after this long (what has run counts). */
  timeLimitMs?: number;
  /** Replays one counterexample (fast-check's path, printed with a failure). */
  path?: string;
}

export interface FamilyReport {
  family: FuzzFamily;
  seed: number;
  /** Cases fast-check ran to completion (shrinking not counted). */
  runs: number;
  /** Requests sent, shrinking included; `byIntent` counts cases the same way. */
  requests: number;
  byIntent: Partial<Record<Intent, number>>;
  codes: Record<string, number>;
  /** Answered success (000000/000004, or 200 for kgkit's API). */
  accepted: number;
  /** Passed the signature and reached a handler (an audit row). */
  reachedHandler: number;
  /** Inside the contract as the handler read them. */
  valid: number;
  slowestMs: number;
  durationMs: number;
  failure?: string;
  /** With the seed, replays the minimal counterexample alone (FUZZ_PATH). */
  failurePath?: string;
}

export interface Exchange {
  wire: Wire;
  answer: Answer;
  verdict: Verdict;
}

/** Cases between two trims of the audit trail and the nonces, which every signed call grows. */
const TRIM_EVERY = 100;

export async function fuzzFamily(server: FuzzServer, family: FuzzFamily, options: FuzzOptions): Promise<FamilyReport> {
  const runner = await CaseRunner.start(server, family);
  const started = performance.now();
  const property = fc.asyncProperty(caseOf(runner.target), async (fuzzCase) => {
    const exchanges = await runner.run(fuzzCase);
    const failed = exchanges.find((exchange) => exchange.verdict.problems.length > 0);
    if (failed) throw new Error(describeFailure(fuzzCase, failed.wire, failed.answer, failed.verdict.problems));
  });
  const details = await fc.check(property, {
    numRuns: options.runs,
    seed: options.seed,
    ...(options.path ? { path: options.path, endOnFailure: true } : {}),
    ...(options.timeLimitMs ? { plugins: [fc.interruptAfterTimeLimit(options.timeLimitMs)] } : {}),
    includeErrorInReport: true,
  });
  const report = { ...runner.report, seed: options.seed, runs: details.numRuns, durationMs: Math.round(performance.now() - started) };
  if (!details.failed) return report;
  return {
    ...report,
    failure: fc.defaultReportMessage(details) ?? 'failed',
    ...(details.counterexamplePath ? { failurePath: details.counterexamplePath } : {}),
  };
}

/** Runners started in this process: their nonces differ even when they share a server. */
let runners = 0;

/** Sends cases of one family, one after the other, and judges every answer. */
export class CaseRunner {
  readonly report: FamilyReport;
  private readonly id = ++runners;
  private counter = 0;
  private lastNonce: string | undefined;
  // Nothing runs between two calls (no worker is started, background work is awaited), so the snapshot after one call
  // is the snapshot before the next: one snapshot a call, not two.
  private snapshot: Snapshot | undefined;

  private constructor(
    private readonly server: FuzzServer,
    readonly target: FamilyTarget,
    private readonly tables: string[],
  ) {
    this.report = {
      family: target.family,
      seed: 0,
      runs: 0,
      requests: 0,
      byIntent: {},
      codes: {},
      accepted: 0,
      reachedHandler: 0,
      valid: 0,
      slowestMs: 0,
      durationMs: 0,
    };
  }

  static async start(server: FuzzServer, family: FuzzFamily): Promise<CaseRunner> {
    // What was logged before belongs to an earlier runner on the same server.
    server.takeErrors();
    return new CaseRunner(server, targetOf(family), await tablesOf(server.store));
  }

  /** The exchanges of one case: one request, or two for a replay. */
  async run(fuzzCase: FuzzCase): Promise<Exchange[]> {
    this.report.byIntent[fuzzCase.intent] = (this.report.byIntent[fuzzCase.intent] ?? 0) + 1;
    const { wire, expectation, nonce } = this.build(fuzzCase);
    const before = this.snapshot ?? (await snapshot(this.server.store, this.tables));
    this.snapshot = undefined;
    const first = await this.exchange(fuzzCase, wire, expectation, before);
    if (first.verdict.traced && nonce !== undefined) this.lastNonce = nonce;
    const exchanges = [first];
    if (fuzzCase.replay) exchanges.push(await this.exchange(fuzzCase, wire, { refusedUntraced: 'the same request was sent again' }, first.after));
    this.snapshot = exchanges.at(-1)!.after;
    if (this.counter % TRIM_EVERY === 0) await this.trimTrace();
    return exchanges;
  }

  /**
   * Empties the audit trail and the nonces but the latest (no handler reads them; the replay check needs only the
   * nonce the fuzzer may send again), so that a snapshot costs the same at run 10 and at run 10 000.
   */
  private async trimTrace(): Promise<void> {
    const { db } = this.server.store;
    await db.deleteFrom('events').execute();
    await db
      .deleteFrom('nonces')
      .where('nonce', '!=', this.lastNonce ?? '')
      .execute();
    this.snapshot = undefined;
  }

  private build(fuzzCase: FuzzCase): { wire: Wire; expectation: Expectation; nonce: string | undefined } {
    const { server, target } = this;
    server.clock.now += 1;
    this.counter += 1;
    const handler = target.handlers.find((candidate) => candidate.name === fuzzCase.handler)!;
    const { signing } = fuzzCase;
    let nonce = `FZ${this.id.toString(16).toUpperCase().padStart(6, '0')}${this.counter.toString(16).toUpperCase().padStart(24, '0')}`;
    const reasons: string[] = [];
    if (typeof signing.nonce === 'string') nonce = signing.nonce;
    else if (signing.nonce?.previous && this.lastNonce !== undefined) {
      nonce = this.lastNonce;
      reasons.push('its nonce was used before');
    }
    if (signing.offsetMs !== undefined && Math.abs(signing.offsetMs) > TEST_CONFIG.signatureToleranceMs) reasons.push('its timestamp is outside the window');
    if (signing.timestampText !== undefined) reasons.push('its timestamp is malformed or outside the window');
    let wire = sign(target, handler, fuzzCase.payload, {
      now: server.clock.now + (signing.offsetMs ?? 0),
      key: signing.key ?? target.key,
      nonce,
      canonical: signing.canonical,
      ...(signing.timestampText !== undefined ? { timestampText: signing.timestampText } : {}),
    });
    if (fuzzCase.contentType !== undefined)
      wire = {
        ...wire,
        headers: [
          ...wire.headers.filter(([name]) => name !== 'content-type'),
          ...(fuzzCase.contentType === '' ? [] : [['content-type', fuzzCase.contentType] as [string, string]]),
        ],
      };
    if (fuzzCase.tamper) wire = applyTamper(wire, fuzzCase.tamper);
    if (!signatureVerifies(target, wire))
      reasons.push(fuzzCase.tamper ? `it was changed after signing (${describeTamper(wire, fuzzCase.tamper)})` : 'its signature does not verify');
    const expectation: Expectation = reasons.length > 0 ? { refusedUntraced: reasons.join(' and ') } : {};
    return { wire, expectation, nonce: target.transport === 'basic' || target.transport === 'kit-v2' ? nonce : undefined };
  }

  private async exchange(fuzzCase: FuzzCase, wire: Wire, expectation: Expectation, before: Snapshot): Promise<Exchange & { after: Snapshot }> {
    const { server, target, report } = this;
    const handler = target.handlers.find((candidate) => candidate.name === fuzzCase.handler)!;
    const sentAt = performance.now();
    let answer: Answer;
    try {
      answer = await server.send(wire);
    } catch (error) {
      throw new Error(describeFailure(fuzzCase, wire, undefined, [`the request failed: ${(error as Error).stack ?? String(error)}`]));
    }
    report.slowestMs = Math.max(report.slowestMs, Math.round(performance.now() - sentAt));
    await server.settle();
    const after = await snapshot(server.store, this.tables);
    const verdict = judge(target, handler, wire, answer, before, after, server.takeErrors(), expectation);
    const code = verdict.code ?? `HTTP ${answer.status}`;
    report.requests += 1;
    report.codes[code] = (report.codes[code] ?? 0) + 1;
    if (verdict.accepted) report.accepted += 1;
    if (verdict.traced) report.reachedHandler += 1;
    if (verdict.valid) report.valid += 1;
    return { wire, answer, verdict, after };
  }
}

export function describeFailure(fuzzCase: FuzzCase, wire: Wire, answer: Answer | undefined, problems: string[]): string {
  const body = wire.body ? new TextDecoder().decode(wire.body) : '';
  return [
    `${fuzzCase.intent} ${fuzzCase.handler}: ${fuzzCase.label}`,
    ...problems.map((problem) => `  - ${problem}`),
    `  request: ${wire.method} ${urlOf(wire).slice(0, 400)}`,
    `  headers: ${JSON.stringify(wire.headers).slice(0, 400)}`,
    ...(body ? [`  body (${wire.body!.length} bytes): ${JSON.stringify(body.slice(0, 600))}`] : []),
    ...(answer ? [`  answer: HTTP ${answer.status} ${answer.headers['content-type'] ?? ''} ${answer.text.slice(0, 400)}`] : []),
  ].join('\n');
}
