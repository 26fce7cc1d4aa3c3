import { withoutNulls } from '../runtime/levels.js';
import { type EncryptType, decryptCredential } from '../crypto/aes-credentials.js';
import { bodySignHeader } from '../crypto/body-sign.js';
import { DEFAULT_TIMEOUT_MS, type SellerAnswer, type SellerCall, type SellerEndpoint } from './call.js';
import { allowedCodes, answerVariants, declaredAnswers, describeErrors, responseSchemaOf, validatorAt } from './contracts.js';
import { FAMILIES } from './families.js';
import { type Rule, cite, rulesOf } from './rules.js';

/** One way an answer (or a seller's behaviour) breaks a rule: what happened, and the rule. */
export interface Finding {
  rule: Rule;
  detail: string;
}

export type Profile = 'default' | 'strict';

/** Whether a finding fails the case under `profile` (kgkit's rules only warn by default; docs/decisions.md#16). */
export const fails = (rule: Rule, profile: Profile): boolean => rule.level === 'huawei' || profile === 'strict';

/** A finding as one line: what happened, then the rule and where it is written. */
export const describeFinding = (finding: Finding): string => `${finding.detail} — ${cite(finding.rule)}`;

/**
 * Every way `answer` breaks the family's rules, Huawei's and kgkit's: within the timeout; HTTP status and content type;
 * a JSON object with a result code the handler may answer; the documented fields at Huawei's level (nulls count as
 * absent), then kgkit's closed answers; Body-Sign; credentials that decrypt.
 */
export function judgeAnswer(endpoint: SellerEndpoint, call: SellerCall, answer: SellerAnswer): Finding[] {
  const rules = rulesOf(call.family);
  const timeoutMs = call.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const found = (rule: Rule, detail: string): Finding => ({ rule, detail });
  if (answer.status === 0) return [found(rules.answerInTime, answer.error ?? `no answer within ${timeoutMs} ms`)];
  const findings: Finding[] = [];
  if (answer.durationMs > timeoutMs) findings.push(found(rules.answerInTime, `answered after ${Math.round(answer.durationMs)} ms`));

  const declared = declaredAnswers(call.family);
  if (!declared.statuses.has(String(answer.status))) findings.push(found(rules.http200, `HTTP ${answer.status}`));
  const contentType = answer.headers['content-type'];
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType === undefined || !declared.mediaTypes.has(mediaType))
    findings.push(found(rules.answerIsResult, `content type ${contentType ?? '(none)'}, not ${[...declared.mediaTypes].join(', ')}`));

  findings.push(...bodySignFindings(endpoint, call, answer));
  if (answer.json === undefined) {
    findings.push(found(rules.answerIsResult, `answer is not JSON: ${JSON.stringify(answer.text.slice(0, 120))}`));
    return findings;
  }
  const json = answer.json;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return [...findings, found(rules.answerIsResult, 'answer is not a JSON object')];
  if ((json as { resultCode?: unknown }).resultCode == null) return [...findings, found(rules.answerIsResult, 'answer has no resultCode')];
  const huawei = bodyProblems(call, withoutNulls(json) as Record<string, unknown>, 'huawei');
  const kgkit = bodyProblems(call, json as Record<string, unknown>, 'kgkit').filter((line) => !huawei.includes(line));
  findings.push(...huawei.map((line) => found(rules.answerFields, line)));
  findings.push(...kgkit.map((line) => found(rules.closedAnswers, line)));
  if (huawei.length === 0) findings.push(...credentialProblems(endpoint, call, withoutNulls(answer.json)).map((line) => found(rules.credentials, line)));
  return findings;
}

/** The lines of the findings that fail under `profile` (empty when the answer conforms): for callers that only gate. */
export function checkAnswer(endpoint: SellerEndpoint, call: SellerCall, answer: SellerAnswer, profile: Profile = 'default'): string[] {
  return judgeAnswer(endpoint, call, answer)
    .filter((finding) => fails(finding.rule, profile))
    .map(describeFinding);
}

/** What the JSON object `body` (with a result code) breaks of the handler's answer schema at `level`. */
function bodyProblems(call: SellerCall, body: Record<string, unknown>, level: 'huawei' | 'kgkit'): string[] {
  const code = body.resultCode;
  const schema = responseSchemaOf(call.family, call.handler);
  const allowed = allowedCodes(call.family, call.handler);
  if (typeof code !== 'string' || !allowed.includes(code)) {
    return [`resultCode ${JSON.stringify(code)} is not one ${describeHandler(call)} may answer (allowed: ${allowed.join(', ')})`];
  }
  // One variant per set of codes (an accepted create has an instanceId, a refused one need not): check against the
  // variant of the code answered, so that the lines name what is wrong with that answer.
  const variant = answerVariants(call.family, schema).find((candidate) => candidate.codes.includes(code));
  if (!variant) return [];
  const validate = validatorAt(call.family, variant.pointer, level);
  return validate(body) ? [] : describeErrors(validate.errors, ['/resultCode']);
}

const describeHandler = (call: SellerCall): string =>
  FAMILIES[call.family].schemas.handlers[call.handler] ? call.handler : `an unknown ${FAMILIES[call.family].title} call`;

function bodySignFindings(endpoint: SellerEndpoint, call: SellerCall, answer: SellerAnswer): Finding[] {
  const rules = rulesOf(call.family);
  const family = FAMILIES[call.family];
  const rule = family.bodySignRequired ? rules.bodySign : rules.bodySignWhenSent;
  const header = answer.headers['body-sign'];
  if (header === undefined) return family.bodySignRequired ? [{ rule, detail: `Body-Sign is missing (${family.title})` }] : [];
  if (header !== bodySignHeader(endpoint.key, Buffer.from(answer.text, 'utf8'))) {
    return [{ rule, detail: `Body-Sign ${JSON.stringify(header.slice(0, 80))} is not HMAC-SHA256 over the exact body with the ${family.title} key` }];
  }
  return [];
}

interface Credentials {
  userName?: unknown;
  password?: unknown;
}

/** userName/password must decrypt with the key: always in SaaS V1.0, in V2.0 when `encryptType` is set. */
function credentialProblems(endpoint: SellerEndpoint, call: SellerCall, body: unknown): string[] {
  if (call.family !== 'saas-v1' && call.family !== 'saas-v2') return [];
  const answer = body as { encryptType?: string; appInfo?: Credentials; info?: { instanceId?: string; appInfo?: Credentials }[] };
  if (call.family === 'saas-v2' && answer.encryptType === undefined) return [];
  const encryptType = (answer.encryptType ?? '1') as EncryptType;
  const sealed: [string, Credentials | undefined][] = [
    ['appInfo', answer.appInfo],
    ...(answer.info ?? []).map((info, index): [string, Credentials | undefined] => [`info.${index}.appInfo`, info.appInfo]),
  ];
  const problems: string[] = [];
  for (const [where, appInfo] of sealed) {
    for (const name of ['userName', 'password'] as const) {
      const value = appInfo?.[name];
      if (typeof value !== 'string') continue;
      try {
        decryptCredential(endpoint.key, encryptType, value);
      } catch {
        problems.push(`\`${where}.${name}\` does not decrypt with the access key (encryptType ${encryptType}: AES-${encryptType === '1' ? 256 : 128}-CBC)`);
      }
    }
  }
  return problems;
}
