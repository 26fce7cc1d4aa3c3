import { type Finding, type Profile, judgeAnswer } from './answer-check.js';
import { DEFAULT_TIMEOUT_MS, type SellerAnswer, type SellerCall, type SellerEndpoint } from './call.js';
import { CaseRun, CaseStopped, type CallRecord, type CaseKind, type CaseOptions, type ConformanceCase, type ProductType, type RequestShape } from './case.js';
import { catalogue } from './catalogue/index.js';
import { sendToSeller } from './driver.js';
import { rulesOf } from './rules.js';
import { SELLER_FAMILIES, type SellerFamily } from './families.js';
import { Ids } from './ids.js';

// Runs the catalogue against a seller: each case on its own (fresh IDs), a few at a time, every answer checked
// against the contract; the results in catalogue order.

export interface RunOptions {
  /** The families to test, each at its production URL with its key; a family without one is skipped. */
  endpoints: Partial<Record<SellerFamily, SellerEndpoint>>;
  /** Why a family has no endpoint, for the report (e.g. "no --saas-v1-url"). */
  skippedFamilies?: Partial<Record<SellerFamily, string>>;
  /** Where a step of this request shape goes; default the family's endpoint (the CI gate routes through Prism). */
  route?: (family: SellerFamily, request: RequestShape) => SellerEndpoint;
  /** More problems of an answer, beyond the contract (the CI gate: the validator's own findings). */
  inspect?: (family: SellerFamily, call: SellerCall, request: RequestShape, answer: SellerAnswer) => Finding[];
  /** `default` (Huawei's rules fail, kgkit's warn) or `strict` (both fail). */
  profile?: Profile;
  /** The seller's product does not change specification: no upgradeInstance, no changeInstanceCheck. */
  noUpgrade?: boolean;
  cases?: ConformanceCase[];
  /** Run only the cases this accepts (tests, `--case`). */
  only?: (c: ConformanceCase) => boolean;
  kitPublicKeyPem?: string;
  timeoutMs?: number;
  retryDelayMs?: number;
  /** How many cases run at once; the marketplace too calls a seller concurrently. */
  concurrency?: number;
  onProgress?: (event: ProgressEvent) => void;
  ids?: Ids;
}

export type CaseStatus = 'pass' | 'fail' | 'skip';

export interface CaseResult {
  id: string;
  family: SellerFamily;
  productType: ProductType;
  kind: CaseKind;
  title: string;
  steps: string[];
  status: CaseStatus;
  /** Why it failed (or was skipped). */
  reasons: string[];
  /** kgkit's rules the seller broke, which fail only with --strict. */
  warnings: string[];
  /** What could not be checked from outside, and why. */
  unobservable: string[];
  durationMs: number;
  /** The slowest answer of the case (the marketplace waits 5 s). */
  slowestMs: number;
  calls: CallRecord[];
}

export interface FamilyStatus {
  family: SellerFamily;
  url?: string;
  skipped?: string;
  cases: number;
}

export interface ConformanceReport {
  startedAt: string;
  durationMs: number;
  runTag: string;
  profile: Profile;
  families: FamilyStatus[];
  results: CaseResult[];
  summary: { passed: number; failed: number; skipped: number; warnings: number; unobservable: number; calls: number; slowestMs: number };
}

export type ProgressEvent =
  | { type: 'start'; case: ConformanceCase; index: number; total: number }
  | { type: 'end'; result: CaseResult; done: number; total: number; counts: Record<CaseStatus, number> };

/** The cases a run with these options takes, in catalogue order: those of the families given that apply to them. */
export function applicableCases(options: RunOptions): ConformanceCase[] {
  const caseOptions = caseOptionsOf(options);
  return (options.cases ?? catalogue()).filter(
    (c) => options.endpoints[c.family] !== undefined && (c.applies?.(caseOptions) ?? true) && (options.only?.(c) ?? true),
  );
}

function caseOptionsOf(options: RunOptions): CaseOptions {
  return {
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    retryDelayMs: options.retryDelayMs ?? 1_000,
    profile: options.profile ?? 'default',
    endpoints: options.endpoints,
    ...(options.noUpgrade ? { noUpgrade: true } : {}),
    ...(options.kitPublicKeyPem ? { kitPublicKeyPem: options.kitPublicKeyPem } : {}),
  };
}

export async function runConformance(options: RunOptions): Promise<ConformanceReport> {
  const started = Date.now();
  const ids = options.ids ?? new Ids();
  const caseOptions = caseOptionsOf(options);
  const selected = applicableCases(options);
  const counts: Record<CaseStatus, number> = { pass: 0, fail: 0, skip: 0 };
  const results: CaseResult[] = new Array(selected.length);

  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < selected.length) {
      const index = next++;
      const conformanceCase = selected[index]!;
      options.onProgress?.({ type: 'start', case: conformanceCase, index, total: selected.length });
      const result = await runCase(conformanceCase, options, caseOptions, ids);
      results[index] = result;
      counts[result.status] += 1;
      done += 1;
      options.onProgress?.({ type: 'end', result, done, total: selected.length, counts: { ...counts } });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));

  const families = SELLER_FAMILIES.map((family): FamilyStatus => {
    const endpoint = options.endpoints[family];
    const count = selected.filter((c) => c.family === family).length;
    return endpoint ? { family, url: endpoint.url, cases: count } : { family, skipped: options.skippedFamilies?.[family] ?? 'no URL given', cases: 0 };
  });
  const calls = results.flatMap((r) => r.calls);
  return {
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    runTag: ids.tag,
    profile: caseOptions.profile,
    families,
    results,
    summary: {
      passed: counts.pass,
      failed: counts.fail,
      skipped: counts.skip,
      warnings: results.reduce((sum, r) => sum + r.warnings.length, 0),
      unobservable: results.reduce((sum, r) => sum + r.unobservable.length, 0),
      calls: calls.length,
      slowestMs: Math.max(0, ...calls.map((c) => c.durationMs)),
    },
  };
}

/**
 * Huawei's field tables describe the answers to what the marketplace sends. An answer to a request outside them (bad
 * input) that breaks them (a seller echoing an over-long businessId as its instanceId, say) breaks kgkit's rule only.
 */
function forRequest(finding: Finding, family: SellerFamily, request: RequestShape): Finding {
  const rules = rulesOf(family);
  return request !== 'conforming' && finding.rule === rules.answerFields ? { ...finding, rule: rules.badInputAnswer } : finding;
}

async function runCase(conformanceCase: ConformanceCase, options: RunOptions, caseOptions: CaseOptions, ids: Ids): Promise<CaseResult> {
  const { family } = conformanceCase;
  const started = performance.now();
  const sender = async (call: SellerCall, request: RequestShape, at: SellerFamily = family) => {
    const endpoint = options.route?.(at, request) ?? options.endpoints[at]!;
    const answer = await sendToSeller(endpoint, call);
    // Judged with the family's own key: a refusal of a call signed with another key is still signed with it.
    const judge = options.endpoints[family]!;
    const findings = [
      ...judgeAnswer(judge, call, answer).map((finding) => forRequest(finding, family, request)),
      ...(answer.status === 0 ? [] : (options.inspect?.(family, call, request, answer) ?? [])),
    ];
    return { answer, findings };
  };
  const run = new CaseRun(family, caseOptions, ids, sender);
  let status: CaseStatus = 'pass';
  const unmet = conformanceCase.unmet?.(caseOptions);
  if (unmet) {
    status = 'skip';
    run.reasons.push(unmet);
  } else {
    try {
      await conformanceCase.run(run);
    } catch (error) {
      if (error instanceof CaseStopped) status = error.outcome === 'end' ? 'pass' : error.outcome;
      else {
        status = 'fail';
        run.reasons.push(`the case could not run: ${(error as Error).message ?? String(error)}`);
      }
    }
    if (status === 'pass' && run.reasons.length > 0) status = 'fail';
  }
  const { id, productType, kind, title, steps } = conformanceCase;
  return {
    id,
    family,
    productType,
    kind,
    title,
    steps,
    status,
    reasons: run.reasons,
    warnings: run.warnings,
    unobservable: run.unobservable,
    durationMs: Math.round(performance.now() - started),
    slowestMs: Math.max(0, ...run.calls.map((call) => call.durationMs)),
    calls: run.calls,
  };
}
