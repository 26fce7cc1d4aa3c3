import { checkAnswer } from '../../src/conformance/answer-check.js';
import { parseJsonObject } from '../../src/http/json-object.js';
import { operationOf, schemaPointer, validatorAt } from './contracts.js';
import type { Answer, LogEntry } from './harness.js';
import { type Snapshot, TRACE_TABLES, changes } from './state.js';
import type { FamilyTarget, HandlerTarget } from './targets.js';
import { type Wire, serverQuery } from './wire.js';

// What every answer must be, whatever was sent: no 5xx; inside the family's contract (status, content type, body
// schema, and for the marketplace's families the result codes the handler may answer, Body-Sign, credentials that
// decrypt); no error logged; a request the contract forbids refused; a refused request leaves no business state
// behind (a signed one leaves one audit row and its nonce, nothing else).

export interface Expectation {
  /** The signed content was changed after signing, or the request is a replay: refused at the signature, no trace. */
  refusedUntraced?: string;
}

export interface Verdict {
  problems: string[];
  code: string | undefined;
  accepted: boolean;
  /** The request passed the signature check (an audit row was written). */
  traced: boolean;
  /** The request as the handler reads it was inside the contract. */
  valid: boolean;
}

const SUCCESS = new Set(['000000', '000004']);
const SIGNATURE_REFUSALS = new Set(['000001', '000002']);

/** The request as the handler would read it: the JSON body, or the query (SaaS V1.0 leaves empty values out). */
export function handlerView(target: FamilyTarget, handler: HandlerTarget, wire: Wire): Record<string, unknown> | undefined {
  if (handler.read === 'json') return parseJsonObject(wire.body ?? new Uint8Array());
  const values = serverQuery(wire);
  return target.transport === 'saas-v1' ? Object.fromEntries(Object.entries(values).filter(([, value]) => value !== '')) : values;
}

/** The handler whose answers judge this request: the one its path serves, or the one its `activity` names. */
export function judgedHandler(target: FamilyTarget, handler: HandlerTarget, view: Record<string, unknown> | undefined): HandlerTarget | undefined {
  if (!target.discriminator) return handler;
  const named = view?.[target.discriminator];
  return target.handlers.find((candidate) => candidate.name === named);
}

export function judge(
  target: FamilyTarget,
  handler: HandlerTarget,
  wire: Wire,
  answer: Answer,
  before: Snapshot,
  after: Snapshot,
  errors: LogEntry[],
  expectation: Expectation = {},
): Verdict {
  if (answer.transportRefusal !== undefined) return transportRefused(target, handler, wire, answer, before, after, errors);
  const problems: string[] = [];
  if (answer.status >= 500) problems.push(`HTTP ${answer.status}`);
  let json: unknown;
  try {
    json = JSON.parse(answer.text);
  } catch {
    problems.push(`answer is not JSON: ${JSON.stringify(answer.text.slice(0, 120))}`);
  }
  const code = typeof (json as { resultCode?: unknown } | undefined)?.resultCode === 'string' ? (json as { resultCode: string }).resultCode : undefined;
  const accepted = target.transport === 'bearer' ? answer.status === 200 && code === '000000' : code !== undefined && SUCCESS.has(code);

  const view = handlerView(target, handler, wire);
  const judged = judgedHandler(target, handler, view);
  problems.push(...contractProblems(target, handler, answer, json));
  if (target.family !== 'kgkit') {
    const sellerAnswer = {
      request: { method: wire.method, url: wire.path, headers: {}, body: '' },
      status: answer.status,
      headers: answer.headers,
      text: answer.text,
      ...(json === undefined ? {} : { json }),
      durationMs: 0,
    };
    problems.push(
      ...checkAnswer({ url: wire.path, key: target.key }, { family: target.family, handler: judged?.name ?? '(unknown)', body: {} }, sellerAnswer, 'strict'),
    );
  }
  if (code === '000005') problems.push('answered 000005 (internal error): a request must be refused or served, never fail inside the seller');
  for (const entry of errors) problems.push(`logged an error: ${entry.message} ${JSON.stringify(entry.fields).slice(0, 300)}`);

  const valid = judged !== undefined && view !== undefined && validatorAt(target.family, schemaPointer(judged.request))(view);
  if (!valid && accepted) problems.push(`accepted (${code}) a request outside the contract`);

  const changed = changes(before, after);
  const trace = changed.filter((change) => (TRACE_TABLES as readonly string[]).includes(change.table));
  const traced = trace.some((change) => change.table === 'events' && change.added.length > 0);
  if (expectation.refusedUntraced !== undefined) {
    const refusedAtSignature = target.transport === 'bearer' ? answer.status === 401 : code !== undefined && SIGNATURE_REFUSALS.has(code);
    if (!refusedAtSignature) problems.push(`${expectation.refusedUntraced}, yet answered ${code ?? `HTTP ${answer.status}`} instead of a signature refusal`);
    if (changed.length > 0) problems.push(`${expectation.refusedUntraced}, yet it changed ${describeChanges(changed)}`);
  } else if (!accepted) {
    const business = changed.filter((change) => !(TRACE_TABLES as readonly string[]).includes(change.table));
    if (business.length > 0) problems.push(`refused (${code ?? `HTTP ${answer.status}`}), yet it changed ${describeChanges(business)}`);
    for (const change of trace)
      if (change.removed.length > 0 || change.added.length > 1)
        problems.push(`refused, yet ${change.table} lost ${change.removed.length} and gained ${change.added.length} rows`);
  }
  for (const change of trace.filter((c) => c.table === 'events')) {
    for (const row of change.added) {
      const recorded = (JSON.parse(row) as { result_code?: string }).result_code;
      if (recorded !== code) problems.push(`the audit trail recorded ${recorded}, the answer was ${code}`);
    }
  }
  return { problems, code, accepted, traced, valid };
}

/** Node refused a request whose head is over its limit: only what the contract forbids may be refused so, untraced. */
function transportRefused(
  target: FamilyTarget,
  handler: HandlerTarget,
  wire: Wire,
  answer: Answer,
  before: Snapshot,
  after: Snapshot,
  errors: LogEntry[],
): Verdict {
  const view = handlerView(target, handler, wire);
  const judged = judgedHandler(target, handler, view);
  const valid = judged !== undefined && view !== undefined && validatorAt(target.family, schemaPointer(judged.request))(view);
  const changed = changes(before, after);
  const problems = [
    ...(valid ? [`HTTP ${answer.status} for a request the contract allows: ${answer.transportRefusal}`] : []),
    ...(changed.length > 0 ? [`refused by the transport, yet it changed ${describeChanges(changed)}`] : []),
    ...errors.map((entry) => `logged an error: ${entry.message} ${JSON.stringify(entry.fields).slice(0, 300)}`),
  ];
  return { problems, code: undefined, accepted: false, traced: false, valid };
}

/** Status, media type and body schema against what the contract declares for this operation. */
function contractProblems(target: FamilyTarget, handler: HandlerTarget, answer: Answer, json: unknown): string[] {
  const { pointer, operation } = operationOf(target.family, handler.path, handler.method);
  const response = operation.responses?.[String(answer.status)];
  if (!response) return [`HTTP ${answer.status} is not an answer the contract declares for ${handler.method} ${handler.path}`];
  const mediaType = answer.headers['content-type']?.split(';')[0]?.trim().toLowerCase() ?? '(none)';
  if (!response.content?.[mediaType]) return [`content type ${mediaType} is not declared for HTTP ${answer.status}`];
  if (json === undefined) return [];
  const validate = validatorAt(target.family, `${pointer}/responses/${answer.status}/content/${mediaType.replaceAll('/', '~1')}/schema`);
  if (validate(json)) return [];
  const error = validate.errors?.[0];
  return [`answer body breaks the contract at ${error?.instancePath || '/'}: ${error?.message ?? 'invalid'} ${JSON.stringify(error?.params ?? {})}`];
}

function describeChanges(changed: ReturnType<typeof changes>): string {
  return changed
    .map((change) => `${change.table} (+${change.added.length} -${change.removed.length}: ${(change.added[0] ?? change.removed[0] ?? '').slice(0, 200)})`)
    .join(', ');
}
