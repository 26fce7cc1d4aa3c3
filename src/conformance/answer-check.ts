import { type EncryptType, decryptCredential } from '../crypto/aes-credentials.js';
import { bodySignHeader } from '../crypto/body-sign.js';
import { allowedCodes, answerVariants, declaredAnswers, describeErrors, responseSchemaOf, validatorAt } from './contracts.js';
import type { SellerAnswer, SellerCall, SellerEndpoint } from './driver.js';
import { FAMILIES } from './families.js';

export const DEFAULT_TIMEOUT_MS = 5_000;

/**
 * Every way `answer` breaks the family's contract, one readable line each (empty when it conforms): within the
 * timeout, HTTP status and content type, a JSON body the handler's response schema allows (closed: an undeclared field
 * is a problem) with a result code the handler may answer, Body-Sign (DECISIONS 10), decryptable credentials
 * (saas-v2.md §1.5).
 */
export function checkAnswer(endpoint: SellerEndpoint, call: SellerCall, answer: SellerAnswer): string[] {
  const timeoutMs = call.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (answer.status === 0) return [answer.error ?? `no answer within ${timeoutMs} ms`];
  const problems: string[] = [];
  if (answer.durationMs > timeoutMs) problems.push(`answered after ${Math.round(answer.durationMs)} ms; the marketplace gives up at ${timeoutMs} ms`);

  const declared = declaredAnswers(call.family);
  if (!declared.statuses.has(String(answer.status))) problems.push(`HTTP ${answer.status}; the contract declares only ${[...declared.statuses].join(', ')}`);
  const contentType = answer.headers['content-type'];
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType === undefined || !declared.mediaTypes.has(mediaType)) problems.push(`content type ${contentType ?? '(none)'}; expected ${[...declared.mediaTypes].join(', ')}`);

  problems.push(...bodySignProblems(endpoint, call, answer));
  if (answer.json === undefined) {
    problems.push(`answer is not JSON: ${JSON.stringify(answer.text.slice(0, 120))}`);
    return problems;
  }
  const schemaProblems = bodyProblems(call, answer.json);
  problems.push(...schemaProblems);
  if (schemaProblems.length === 0) problems.push(...credentialProblems(endpoint, call, answer.json));
  return problems;
}

function bodyProblems(call: SellerCall, body: unknown): string[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return ['answer is not a JSON object'];
  const code = (body as { resultCode?: unknown }).resultCode;
  const schema = responseSchemaOf(call.family, call.handler);
  const allowed = allowedCodes(call.family, call.handler);
  if (code === undefined) return ['answer has no resultCode'];
  if (typeof code !== 'string' || !allowed.includes(code)) {
    return [`resultCode ${JSON.stringify(code)} is not one ${describeHandler(call)} may answer (allowed: ${allowed.join(', ')})`];
  }
  // One variant per set of codes (an accepted create has an instanceId, a refused one must not): check against the
  // variant of the code answered, so that the lines name what is wrong with that answer.
  const variant = answerVariants(call.family, schema).find((candidate) => candidate.codes.includes(code));
  if (!variant) return [];
  const validate = validatorAt(call.family, variant.pointer);
  return validate(body) ? [] : describeErrors(validate.errors, ['/resultCode']);
}

const describeHandler = (call: SellerCall): string => (FAMILIES[call.family].schemas.handlers[call.handler] ? call.handler : `an unknown ${FAMILIES[call.family].title} call`);

function bodySignProblems(endpoint: SellerEndpoint, call: SellerCall, answer: SellerAnswer): string[] {
  const family = FAMILIES[call.family];
  const header = answer.headers['body-sign'];
  if (header === undefined) return family.bodySignRequired ? [`Body-Sign is missing; ${family.title} requires it on every answer`] : [];
  if (header !== bodySignHeader(endpoint.key, Buffer.from(answer.text, 'utf8'))) {
    return [`Body-Sign ${JSON.stringify(header.slice(0, 80))} is not sign_type="HMAC-SHA256" over the exact body with the ${family.title} key`];
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
  const sealed: [string, Credentials | undefined][] = [['appInfo', answer.appInfo], ...(answer.info ?? []).map((info, index): [string, Credentials | undefined] => [`info.${index}.appInfo`, info.appInfo])];
  const problems: string[] = [];
  for (const [where, appInfo] of sealed) {
    for (const name of ['userName', 'password'] as const) {
      const value = appInfo?.[name];
      if (typeof value !== 'string') continue;
      try {
        decryptCredential(endpoint.key, encryptType, value);
      } catch {
        problems.push(`\`${where}.${name}\` does not decrypt with the access key (encryptType ${encryptType}: AES-${encryptType === '1' ? 256 : 128}-CBC, 16-character IV + Base64)`);
      }
    }
  }
  return problems;
}
