import type { SellerAnswer, SellerCall } from './driver.js';
import type { SellerFamily } from './families.js';
import type { Ids } from './ids.js';
import type { Tamper } from './signing.js';

// What a conformance case is, and the context it runs in: it sends steps, and every way an answer breaks the
// contract or the case's expectation becomes one readable reason.

/** The product types of the seller console's debug cases. */
export type ProductType = 'yearly-monthly' | 'one-time' | 'pay-per-use' | 'package' | 'trial' | 'joint-operation' | 'license' | 'any';
export type CaseKind = 'lifecycle' | 'idempotency' | 'security' | 'bad-input';

/**
 * What the request of a step is, for a validator in front of the seller (the CI gate's Prism proxies): `conforming`
 * requests are what the contract allows, even when stale or wrongly signed; `violating` ones break it on purpose (bad
 * input, a missing signature parameter); `unparseable` bodies are not JSON at all.
 */
export type RequestShape = 'conforming' | 'violating' | 'unparseable';

export interface CaseOptions {
  /** PEM of the seller's RSA public key: applicationSync sends a clientSecret encrypted with it (§C.5). */
  kitPublicKeyPem?: string;
  timeoutMs: number;
  /** How long to wait before asking again after a 000004 ("being processed") answer. */
  retryDelayMs: number;
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
}

export interface CallRecord {
  label: string;
  handler: string;
  status: number;
  resultCode?: string;
  durationMs: number;
  problems: string[];
}

/** How a case reaches the seller: the runner sends the call and checks the answer (the contract, and any validator). */
export type CallSender = (call: SellerCall, request: RequestShape) => Promise<{ answer: SellerAnswer; problems: string[] }>;

/** Thrown to end a case early: its reasons are already recorded. */
export class CaseStopped extends Error {
  constructor(readonly outcome: 'fail' | 'skip') {
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

  field(name: string): unknown {
    return this.json?.[name];
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
  readonly reasons: string[] = [];
  readonly calls: CallRecord[] = [];

  constructor(
    readonly family: SellerFamily,
    readonly options: CaseOptions,
    readonly ids: Ids,
    private readonly sender: CallSender,
  ) {}

  /** Sends a step; every contract problem of the answer becomes a reason. No answer at all ends the case. */
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
    const { answer, problems } = await this.sender(call, step.request ?? 'conforming');
    const reply = new Reply(answer);
    this.calls.push({ label, handler: step.handler, status: answer.status, ...(reply.code ? { resultCode: reply.code } : {}), durationMs: Math.round(answer.durationMs), problems });
    for (const problem of problems) this.reasons.push(`${label}: ${problem}`);
    if (answer.status === 0) throw new CaseStopped('fail');
    return reply;
  }

  /** Sends a step that must answer one of `codes`; when it does not, the case stops (later steps build on it). */
  async expect(step: Step, codes: readonly string[] = SUCCESS, { stop = true } = {}): Promise<Reply> {
    const reply = await this.send(step);
    if (reply.code === undefined || !codes.includes(reply.code)) {
      this.reasons.push(`${step.label ?? step.handler}: answered ${reply.describe()}, expected ${codes.join(' or ')}`);
      if (stop) throw new CaseStopped('fail');
    }
    return reply;
  }

  /**
   * A step that must succeed. `000004` ("being processed") is asked again a few times, as the marketplace retries;
   * `accept` lists other answers that count (e.g. newInstance's own 000004, which carries the instance).
   */
  async succeed(step: Step, { accept = [] as readonly string[], attempts = 4 } = {}): Promise<Reply> {
    let reply = await this.send(step);
    for (let attempt = 1; reply.code === '000004' && !accept.includes('000004') && attempt < attempts; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, this.options.retryDelayMs));
      reply = await this.send(step);
    }
    if (reply.code === undefined || (reply.code !== '000000' && !accept.includes(reply.code))) {
      const again = reply.code === '000004' ? ` after ${attempts} tries` : '';
      this.reasons.push(`${step.label ?? step.handler}: answered ${reply.describe()}${again}, expected ${['000000', ...accept].join(' or ')}`);
      throw new CaseStopped('fail');
    }
    return reply;
  }

  /** Records `reason` when `ok` is false; the case goes on. */
  check(ok: boolean, reason: string): boolean {
    if (!ok) this.reasons.push(reason);
    return ok;
  }

  fail(reason: string): never {
    this.reasons.push(reason);
    throw new CaseStopped('fail');
  }

  skip(reason: string): never {
    this.reasons.push(reason);
    throw new CaseStopped('skip');
  }
}
