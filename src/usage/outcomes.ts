import type { PushOutcome } from './push.js';

/**
 * What an answer of the usage push means for the records sent (the error table of https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649410.html):
 * - accepted: sent, done.
 * - retry: nothing is wrong with the records (network, MKT.0999 internal error, the gateway, kgkit's credentials):
 *   they stay pending and are sent again later; `auth` marks the answers a person must look at.
 * - split: MKT.9003, too many records in one call: send fewer at a time.
 * - record: something in the records is refused: find the bad ones by halving the batch; they become `rejected`.
 */
export type PushVerdict =
  | { kind: 'accepted' }
  | { kind: 'retry'; code: string | null; message: string; auth: boolean }
  | { kind: 'split'; code: string; message: string }
  | { kind: 'record'; code: string; message: string };

const AUTH_CODES = new Set(['MKT.0102', 'MKT.0151', 'MKT.0154']);
const RECORD_CODES = new Set(['MKT.0100', 'MKT.0101', 'MKT.0199', 'MKT.0150', 'MKT.9001', 'MKT.9002', 'MKT.9004']);
const TOO_MANY = 'MKT.9003';
/** The old push answers the gateway's codes as APIGW.*; the shared registry spells them APIG.*. */
const GATEWAY = /^APIGW?\./;

export function verdictOf(outcome: PushOutcome): PushVerdict {
  if (outcome.kind === 'accepted') return { kind: 'accepted' };
  if (outcome.kind === 'unreachable') return { kind: 'retry', code: null, message: outcome.message, auth: false };
  const message = `${outcome.code}: ${outcome.message}`;
  if (outcome.code === TOO_MANY) return { kind: 'split', code: outcome.code, message };
  if (RECORD_CODES.has(outcome.code)) return { kind: 'record', code: outcome.code, message };
  const auth = AUTH_CODES.has(outcome.code) || GATEWAY.test(outcome.code);
  // MKT.0999 and any code not documented: never drop usage on an answer we cannot read; try again later.
  return { kind: 'retry', code: outcome.code, message: `HTTP ${outcome.status} ${message}`, auth };
}
