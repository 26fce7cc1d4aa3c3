import type { SellerFamily } from './families.js';

// What the runner holds a seller to, rule by rule (docs/decisions.md#16). A Huawei rule comes from a Huawei page and
// fails the default profile; a kgkit rule is kgkit's own stricter choice: a warning by default, a failure with
// --strict. Every finding names its rule, so that a seller reads why, and where it is written.

export type RuleLevel = 'huawei' | 'kgkit';

export interface Rule {
  level: RuleLevel;
  /** The rule, in one sentence. */
  says: string;
  /** The Huawei page it rests on, or the decision of kgkit that makes it. */
  source: string;
}

const HUAWEI = 'https://support.huaweicloud.com';
const DECISION = (n: number) => `docs/decisions.md#${n}`;

/** Where each family's field tables (requests, answers, result codes) are. */
const TABLES: Record<SellerFamily, string> = {
  'saas-v2': `${HUAWEI}/accessg-marketplace/zh-cn_topic_0070649414.html`,
  'saas-v1': `${HUAWEI}/intl/en-us/accessg-marketplace/en-us_topic_0070649013.html`,
  'kit-v2': `${HUAWEI}/accessg-marketplace/zh-cn_topic_0070649433.html`,
  'kit-v1': `${HUAWEI}/accessg-marketplace/zh-cn_topic_0070649109.html`,
  'license-code': `${HUAWEI}/accessg-marketplace/zh-cn_topic_0070649189.html`,
  'online-license': `${HUAWEI}/accessg-marketplace/zh-cn_topic_0070649282.html`,
  'order-notify': `${HUAWEI}/accessg-marketplace/zh-cn_topic_0000002091799149.html`,
};

/** Where each family's request signature is described. */
const SIGNATURE: Record<SellerFamily, string> = {
  'saas-v2': `${HUAWEI}/accessg-marketplace/zh-cn_topic_0070649476.html`,
  'saas-v1': `${HUAWEI}/intl/en-us/accessg-marketplace/en-us_topic_0070649066.html`,
  'kit-v2': `${HUAWEI}/accessg-marketplace/zh-cn_topic_0070649476.html`,
  'kit-v1': `${HUAWEI}/accessg-marketplace/zh-cn_topic_0070649156.html`,
  'license-code': `${HUAWEI}/accessg-marketplace/zh-cn_topic_0070649248.html`,
  'online-license': `${HUAWEI}/accessg-marketplace/zh-cn_topic_0070649286.html`,
  'order-notify': `${HUAWEI}/accessg-marketplace/zh-cn_topic_0000002091799153.html`,
};

const REQUEST_AUTHENTICATION = `${HUAWEI}/accessg-marketplace/zh-cn_topic_0070649248.html`;
const REPEATABLE = `${HUAWEI}/intl/en-us/accessg-marketplace/en-us_topic_0070649058.html`;
const V2_CREATE = `${HUAWEI}/intl/en-us/accessg-marketplace/topic_0070649092.html`;

const made = new Map<SellerFamily, Rules>();

/** The rules of one family (the sources differ per family; the sentences do not), made once: compare them by identity. */
export function rulesOf(family: SellerFamily): Rules {
  let rules = made.get(family);
  if (!rules) made.set(family, (rules = makeRules(family)));
  return rules;
}

function makeRules(family: SellerFamily) {
  const v1 = family === 'saas-v1' || family === 'kit-v1';
  return {
    answerInTime: {
      level: 'huawei',
      says: 'KooGallery waits 5 s for each answer, then counts the call as failed',
      source: `${HUAWEI}/eu/accessg-marketplace/en-us_topic_000006.html`,
    },
    answerIsResult: { level: 'huawei', says: 'every answer is a JSON object with a resultCode', source: TABLES[family] },
    answerFields: {
      level: 'huawei',
      says: "answers follow Huawei's field tables: documented fields, types, lengths, values and result codes",
      source: TABLES[family],
    },
    succeeds: { level: 'huawei', says: 'a valid call of a documented scenario succeeds (000000, or 000004 where the table allows it)', source: TABLES[family] },
    listsInstance: {
      level: 'huawei',
      says: 'queryInstance is asked until the seller answers the instance information of a created instance',
      source: `${HUAWEI}/intl/en-us/accessg-marketplace/topic_0070649093.html`,
    },
    verified: { level: 'huawei', says: 'every call is verified: a call whose signature does not match is refused', source: SIGNATURE[family] },
    timeWindow: v1
      ? { level: 'kgkit', says: "a timeStamp more than the window away from now is refused (Huawei's V1 pages state no window)", source: DECISION(1) }
      : { level: 'huawei', says: 'the seller checks that the timestamp differs from now by no more than 60 s', source: REQUEST_AUTHENTICATION },
    refusedHasNoEffect: { level: 'huawei', says: 'a call refused by the signature check is not processed', source: SIGNATURE[family] },
    sameInstance: { level: 'huawei', says: 'the same orderId + orderLineId gets the same instanceId and no new instance', source: V2_CREATE },
    repeatable: { level: 'huawei', says: 'calls can be repeated and must be idempotent: a resent call succeeds again', source: REPEATABLE },
    replayNoSecondEffect: { level: 'huawei', says: 'a call received twice is processed once (idempotency)', source: REPEATABLE },
    kitDeleteMissing: {
      level: 'huawei',
      says: 'a repeated add or delete succeeds without duplicating data; deleting what is not there succeeds',
      source: `${HUAWEI}/accessg-marketplace/zh-cn_topic_0070649433.html`,
    },
    bodySign: {
      level: 'huawei',
      says: 'every answer carries Body-Sign: sign_type="HMAC-SHA256" over the exact body',
      source: `${HUAWEI}/accessg-marketplace/zh-cn_topic_0070649157.html`,
    },
    credentials: {
      level: 'huawei',
      says: 'encrypted userName and password decrypt with the access key (AES-CBC, 16-character IV + Base64)',
      source: `${HUAWEI}/intl/en-us/accessg-marketplace/en-us_topic_0070649063.html`,
    },

    http200: { level: 'kgkit', says: 'every answer, refusals included, is HTTP 200', source: DECISION(6) },
    closedAnswers: { level: 'kgkit', says: "answers carry only the fields Huawei's tables name, no nulls, in kgkit's formats", source: DECISION(16) },
    bodySignWhenSent: { level: 'kgkit', says: 'a Body-Sign, when sent, verifies over the exact body', source: DECISION(10) },
    refusalCode: {
      level: 'kgkit',
      says: 'a missing or stale timestamp or a missing nonce answers 000002; a missing or wrong signature answers 000001',
      source: DECISION(5),
    },
    replayRefused: { level: 'kgkit', says: 'a replayed nonce (V1: authToken) is refused with 000001', source: DECISION(4) },
    replayElsewhereRefused: {
      level: 'kgkit',
      says: 'a nonce accepted on one path is refused (000001) on every other path signed with the same key: the signature covers neither the path nor the family',
      source: DECISION(4),
    },
    unknownInstance: { level: 'kgkit', says: 'a call about an instance that never existed answers 000003 and creates nothing', source: DECISION(19) },
    badInputRefused: { level: 'kgkit', says: 'a request outside the contract is refused with a refusal code, never processed', source: DECISION(16) },
    badInputAnswer: {
      level: 'kgkit',
      says: "the answer to a request outside Huawei's tables still follows them (Huawei's tables bind only answers to what the marketplace sends)",
      source: DECISION(16),
    },
  } satisfies Record<string, Rule>;
}

export type Rules = ReturnType<typeof makeRules>;
export type RuleName = keyof Rules;

/** "…: Huawei: every call is verified (https://…)" — what happened, then the rule and where it is written. */
export function cite(rule: Rule): string {
  return `${rule.level === 'huawei' ? 'Huawei' : 'kgkit'}: ${rule.says} (${rule.source})`;
}
