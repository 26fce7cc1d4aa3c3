import { type Finding, type Profile, describeFinding, fails } from './answer-check.js';
import type { SellerAnswer, SellerCall, SellerEndpoint } from './call.js';
import type { SellerFamily } from './families.js';
import type { Ids } from './ids.js';
import { type Rule, type Rules, rulesOf } from './rules.js';
import type { Tamper } from './signing.js';

// What a conformance case is, and the context it runs in: it sends steps, and every way an answer breaks the
// contract or the case's expectation becomes one finding: a failure (Huawei's rules, or kgkit's with --strict), a
// warning (kgkit's rules by default), or a note that something could not be observed from outside.

/** The product types of the seller console's debug cases. */
export type ProductType = 'yearly-monthly' | 'one-time' | 'pay-per-use' | 'package' | 'trial' | 'joint-operation' | 'license' | 'any';
export type CaseKind = 'lifecycle' | 'idempotency' | 'security' | 'bad-input';

/**
 * Debug calls carry `testFlag` "1" (Kit: 1), as the seller console's debug cases and their probing do; production calls
 * carry none (Kit and order notification, where it is mandatory: 0). A seller must handle both.
 */
export type Mode = 'debug' | 'production';
export const MODES: readonly Mode[] = ['debug', 'production'];

/**
 * What the request of a step is, for a validator in front of the seller (the CI gate's Prism proxies): `conforming`
 * requests are what the contract allows, even when stale or wrongly signed; `violating` ones break it on purpose (bad
 * input, a missing signature parameter); `unparseable` bodies are not JSON at all.
 */
export type RequestShape = 'conforming' | 'violating' | 'unparseable';

export interface CaseOptions {
  /** PEM of the seller's RSA public key: applicationSync sends a clientSecret encrypted with it (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649434.html). */
  kitPublicKeyPem?: string;
  timeoutMs: number;
  /** How long to wait before asking again after a 000004 ("being processed") answer. */
  retryDelayMs: number;
  /** `default`: Huawei's rules fail, kgkit's warn; `strict`: both fail (docs/decisions.md#16). */
  profile: Profile;
  /** The product does not change specification: no upgradeInstance or changeInstanceCheck (Huawei marks them optional). */
  noUpgrade?: boolean;
  /** Every family under test, at its URL with its key (a cross-path replay needs another family's path). */
  endpoints: Partial<Record<SellerFamily, SellerEndpoint>>;
}

export interface ConformanceCase {
  id: string;
  family: SellerFamily;
  productType: ProductType;
  kind: CaseKind;
  title: string;
  steps: string[];
  /** Why the case cannot run with these options (it is skipped), if it cannot. */
  unmet?: (options: CaseOptions) => string | undefined;
  /** Whether the case means anything for this seller's setup; one that does not is left out of the run. */
  applies?: (options: CaseOptions) => boolean;
  run(run: CaseRun): Promise<void>;
}

export interface Step {
  handler: string;
  body: Record<string, unknown>;
  raw?: string;
  tamper?: Tamper;
  now?: number;
  /** What the step is called in reasons; default the handler. */
  label?: string;
  request?: RequestShape;
  /** Sent to this family's URL instead of the case's (signed as the case family's call all the same). */
  at?: SellerFamily;
}

export interface CallRecord {
  label: string;
  handler: string;
  status: number;
  resultCode?: string;
  durationMs: number;
  /** What the answer broke, failures and warnings alike. */
  problems: string[];
}

/** How a case reaches the seller: the runner sends the call and judges the answer (the contract, and any validator). */
export type CallSender = (call: SellerCall, request: RequestShape, at?: SellerFamily) => Promise<{ answer: SellerAnswer; findings: Finding[] }>;

/** Thrown to end a case early: its findings are already recorded. `end`: nothing more to check, not a failure. */
export class CaseStopped extends Error {
  constructor(readonly outcome: 'fail' | 'skip' | 'end') {
    super(outcome);
  }
}

export class Reply {
  constructor(readonly answer: SellerAnswer) {}

  get json(): Record<string, unknown> | undefined {
    const json = this.answer.json;
    return typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
  }

  get code(): string | undefined {
    const code = this.json?.resultCode;
    return typeof code === 'string' ? code : undefined;
  }

  /** A field of the answer; `null` counts as absent (docs/decisions.md#16). */
  field(name: string): unknown {
    const value = this.json?.[name];
    return value === null ? undefined : value;
  }

  /** `000003 ("instance does not exist")`, or what came instead of a result code. */
  describe(): string {
    if (this.answer.status === 0) return this.answer.error ?? 'no answer';
    if (this.code === undefined) return `HTTP ${this.answer.status} without a resultCode`;
    const message = this.json?.resultMsg;
    return typeof message === 'string' && message !== '' ? `${this.code} (${JSON.stringify(message.slice(0, 80))})` : this.code;
  }
}

const SUCCESS = ['000000'] as const;

export class CaseRun {
  /** Why the case failed, one line each. */
  readonly reasons: string[] = [];
  /** kgkit's rules a seller broke in the default profile. */
  readonly warnings: string[] = [];
  /** What the case could not observe from outside, and why. */
  readonly unobservable: string[] = [];
  readonly calls: CallRecord[] = [];
  readonly rules: Rules;

  constructor(
    readonly family: SellerFamily,
    readonly options: CaseOptions,
    readonly ids: Ids,
    private readonly sender: CallSender,
  ) {
    this.rules = rulesOf(family);
  }

  /** Records a broken rule; answers whether it fails the case under the run's profile. */
  private record(finding: Finding): boolean {
    const failing = fails(finding.rule, this.options.profile);
    (failing ? this.reasons : this.warnings).push(describeFinding(finding));
    return failing;
  }

  /** Sends a step; every rule its answer breaks is recorded. No answer at all ends the case. */
  async send(step: Step): Promise<Reply> {
    const label = step.label ?? step.handler;
    const call: SellerCall = {
      family: this.family,
      handler: step.handler,
      body: step.body,
      timeoutMs: this.options.timeoutMs,
      ...(step.raw !== undefined ? { raw: step.raw } : {}),
      ...(step.tamper ? { tamper: step.tamper } : {}),
      ...(step.now !== undefined ? { now: step.now } : {}),
    };
    const { answer, findings } = await this.sender(call, step.request ?? 'conforming', step.at);
    const reply = new Reply(answer);
    const labelled = findings.map((finding) => ({ ...finding, detail: `${label}: ${finding.detail}` }));
    this.calls.push({
      label,
      handler: step.handler,
      status: answer.status,
      ...(reply.code ? { resultCode: reply.code } : {}),
      durationMs: Math.round(answer.durationMs),
      problems: labelled.map(describeFinding),
    });
    for (const finding of labelled) this.record(finding);
    if (answer.status === 0) throw new CaseStopped('fail');
    return reply;
  }

  /**
   * Sends a step that must answer one of `codes` (by `rule`, default: the scenario succeeds). When it does not and that
   * fails the case, the case stops (later steps build on it); a warning lets it go on.
   */
  async expect(step: Step, codes: readonly string[] = SUCCESS, { rule = this.rules.succeeds as Rule, stop = true } = {}): Promise<Reply> {
    const reply = await this.send(step);
    if (reply.code === undefined || !codes.includes(reply.code)) {
      const failing = this.record({ rule, detail: `${step.label ?? step.handler} answered ${reply.describe()}, expected ${codes.join(' or ')}` });
      if (failing && stop) throw new CaseStopped('fail');
    }
    return reply;
  }

  /**
   * A step that must succeed. `000004` ("being processed") is asked again a few times, as the marketplace retries;
   * `accept` lists other answers that count (e.g. newInstance's own 000004, which carries the instance).
   */
  async succeed(step: Step, { accept = [] as readonly string[], attempts = 4, rule = this.rules.succeeds as Rule } = {}): Promise<Reply> {
    let reply = await this.send(step);
    for (let attempt = 1; reply.code === '000004' && !accept.includes('000004') && attempt < attempts; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, this.options.retryDelayMs));
      reply = await this.send(step);
    }
    if (reply.code === undefined || (reply.code !== '000000' && !accept.includes(reply.code))) {
      const again = reply.code === '000004' ? ` after ${attempts} tries` : '';
      this.record({ rule, detail: `${step.label ?? step.handler} answered ${reply.describe()}${again}, expected ${['000000', ...accept].join(' or ')}` });
      throw new CaseStopped('fail');
    }
    return reply;
  }

  /** Records `detail` under `rule` when `ok` is false; the case goes on. Answers `ok`. */
  check(ok: boolean, rule: Rule, detail: string): boolean {
    if (!ok) this.record({ rule, detail });
    return ok;
  }

  /** Records a broken rule and ends the case: failed, or (a kgkit rule in the default profile) ended with a warning. */
  fail(rule: Rule, detail: string): never {
    throw new CaseStopped(this.record({ rule, detail }) ? 'fail' : 'end');
  }

  /** Says that a rule could not be checked from outside, and why: reported as such, never as passed. */
  notObservable(rule: Rule, why: string): void {
    this.unobservable.push(`${rule.says}: not observable, ${why}`);
  }

  skip(reason: string): never {
    this.reasons.push(reason);
    throw new CaseStopped('skip');
  }
}
