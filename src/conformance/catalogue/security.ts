import { randomBytes } from 'node:crypto';
import type { CaseOptions, CaseRun, ConformanceCase, ProductType, Reply, RequestShape, Step } from '../case.js';
import { FAMILIES, SELLER_FAMILIES, type SellerFamily } from '../families.js';
import type { Rules } from '../rules.js';
import { type Tamper, freshNonce } from '../signing.js';

// The security negatives every family gets: a forged, stale, future, incomplete or wrongly keyed call is refused and
// leaves nothing behind; a replayed one is refused, or at least has no second effect. Each starts with a positive
// control: the same kind of call, properly signed, must succeed first, or a refusal would mean nothing.

export interface SecurityProbe {
  /** A properly signed call of fresh IDs that the seller accepts (000000, or 000004 for a slow create). */
  step: Step;
  /** The businessId a create sends (to tell whether the seller names instances by it). */
  businessId?: string;
  /**
   * After the refused call (`step` of another probe): checks over HTTP that it created nothing, when the seller lets
   * that be seen, or says why it cannot be seen. `control` is the answer to the positive control.
   */
  nothingCreated?: (run: CaseRun, control: { probe: SecurityProbe; reply: Reply }) => Promise<void>;
  /** For a replay answered as a success: whether the two answers show one effect (a create: the same instanceId). */
  sameEffect?: (first: Reply, again: Reply) => boolean;
}

export interface SecurityProfile {
  family: SellerFamily;
  productType: ProductType;
  /** What the probe is, in the case titles: e.g. "newInstance of a fresh order". */
  probeTitle: string;
  /** A fresh probe on each call (fresh order, license code, tenant…). */
  probe(run: CaseRun): Promise<SecurityProbe>;
}

const WINDOW_OFFSET_MS = 5 * 60_000;
const SUCCESS = ['000000', '000004'];

interface Negative {
  name: string;
  title: string;
  tamper: () => Tamper;
  /** kgkit's code for it (docs/decisions.md#5). */
  code: '000001' | '000002';
  rule: (rules: Rules) => Rules[keyof Rules];
  request: RequestShape;
  /** Families without a nonce (V1: the authToken stands in for one) have no such negative. */
  needsNonce?: boolean;
}

const NEGATIVES: Negative[] = [
  { name: 'bad-signature', title: 'a wrong signature', tamper: () => ({ signature: 'wrong' }), code: '000001', rule: (r) => r.verified, request: 'conforming' },
  { name: 'missing-signature', title: 'no signature', tamper: () => ({ signature: 'missing' }), code: '000001', rule: (r) => r.verified, request: 'violating' },
  {
    name: 'stale-timestamp',
    title: 'a timestamp 5 minutes old',
    tamper: () => ({ timestamp: { offsetMs: -WINDOW_OFFSET_MS } }),
    code: '000002',
    rule: (r) => r.timeWindow,
    request: 'conforming',
  },
  {
    name: 'future-timestamp',
    title: 'a timestamp 5 minutes ahead',
    tamper: () => ({ timestamp: { offsetMs: WINDOW_OFFSET_MS } }),
    code: '000002',
    rule: (r) => r.timeWindow,
    request: 'conforming',
  },
  { name: 'missing-timestamp', title: 'no timestamp', tamper: () => ({ timestamp: 'missing' }), code: '000002', rule: (r) => r.verified, request: 'violating' },
  {
    name: 'missing-nonce',
    title: 'no nonce',
    tamper: () => ({ nonce: 'missing' }),
    code: '000002',
    rule: (r) => r.verified,
    request: 'violating',
    needsNonce: true,
  },
  {
    name: 'other-key',
    title: 'another key',
    tamper: () => ({ key: `other-key-${randomBytes(8).toString('hex')}` }),
    code: '000001',
    rule: (r) => r.verified,
    request: 'conforming',
  },
];

const hasNonce = (family: SellerFamily) => FAMILIES[family].transport === 'basic' || FAMILIES[family].transport === 'kit-v2';
const refused = (reply: Reply) => reply.code === undefined || !SUCCESS.includes(reply.code);

/** The positive control: a probe, properly signed, must succeed before any refusal counts. */
async function control(run: CaseRun, probe: SecurityProbe): Promise<Reply> {
  return run.succeed({ ...probe.step, label: `${probe.step.label ?? probe.step.handler} properly signed (positive control)` }, { accept: ['000004'] });
}

export function securityCases(profile: SecurityProfile): ConformanceCase[] {
  const { family, productType, probeTitle } = profile;
  const negatives = NEGATIVES.filter((negative) => !negative.needsNonce || hasNonce(family));
  const cases: ConformanceCase[] = negatives.map((negative) => ({
    id: `${family}.security.${negative.name}`,
    family,
    productType,
    kind: 'security',
    title: `${probeTitle} with ${negative.title} is refused`,
    steps: [
      `positive control: ${probeTitle}, properly signed, succeeds`,
      `${probeTitle} (fresh IDs) with ${negative.title}: refused (kgkit: ${negative.code})`,
      'the refused call created nothing, where that can be seen',
    ],
    async run(run) {
      const controlProbe = await profile.probe(run);
      const controlReply = await control(run, controlProbe);
      const probe = await profile.probe(run);
      const label = `${probe.step.label ?? probe.step.handler} with ${negative.title}`;
      const reply = await run.send({ ...probe.step, label, tamper: negative.tamper(), request: negative.request });
      if (!refused(reply)) run.fail(negative.rule(run.rules), `${label} was accepted (${reply.describe()})`);
      run.check(reply.code === negative.code, run.rules.refusalCode, `${label} was refused with ${reply.describe()}, not ${negative.code}`);
      if (probe.nothingCreated) await probe.nothingCreated(run, { probe: controlProbe, reply: controlReply });
      else
        run.notObservable(
          run.rules.refusedHasNoEffect,
          `${FAMILIES[family].title} has no call that shows what a refused ${probe.step.handler} would have made`,
        );
    },
  }));
  cases.push(replayCase(profile));
  if (FAMILIES[family].transport === 'basic') cases.push(replayElsewhereCase(profile));
  return cases;
}

function replayCase({ family, productType, probeTitle, probe: makeProbe }: SecurityProfile): ConformanceCase {
  const nonce = hasNonce(family);
  const what = nonce ? 'nonce' : 'authToken';
  return {
    id: `${family}.security.replayed-${nonce ? 'nonce' : 'token'}`,
    family,
    productType,
    kind: 'security',
    title: `${probeTitle} replayed with the same ${what} is refused, or at least processed once`,
    steps: [
      `send ${probeTitle} signed with nonce N at time T: accepted (positive control)`,
      `send the very same request again (same ${what}): refused (kgkit: 000001), or answered as the first with no second effect`,
    ],
    async run(run) {
      const probe = await makeProbe(run);
      const { step } = probe;
      const sameNonce = freshNonce();
      const now = Date.now();
      const first = await run.succeed({ ...step, label: `${step.label ?? step.handler} (first)`, tamper: { nonce: sameNonce }, now }, { accept: ['000004'] });
      const again = await run.send({ ...step, label: `${step.label ?? step.handler} (replayed)`, tamper: { nonce: sameNonce }, now });
      const token = nonce
        ? `nonce ${sameNonce.slice(0, 16)}…`
        : `authToken ${String(again.answer.request.headers.authToken ?? tokenOf(again.answer.request.url)).slice(0, 16)}…`;
      if (refused(again)) {
        run.check(again.code === '000001', run.rules.replayRefused, `replayed ${token} was refused with ${again.describe()}, not 000001`);
        return;
      }
      run.check(false, run.rules.replayRefused, `replayed ${token} was accepted (${again.describe()})`);
      if (probe.sameEffect)
        run.check(
          probe.sameEffect(first, again),
          run.rules.replayNoSecondEffect,
          `replayed ${token} had a second effect: ${first.describe()} then ${again.describe()}`,
        );
    },
  };
}

/** Another family signed the same way with the same key, whose path a replay can be sent to. */
function sharingKey(family: SellerFamily, options: CaseOptions): SellerFamily | undefined {
  const own = options.endpoints[family];
  return SELLER_FAMILIES.find((other) => {
    const endpoint = options.endpoints[other];
    return other !== family && FAMILIES[other].transport === 'basic' && endpoint !== undefined && endpoint.key === own?.key && endpoint.url !== own.url;
  });
}

/** The same signed call, byte for byte, replayed on the path of another family bound to the same key. */
function replayElsewhereCase({ family, productType, probeTitle, probe: makeProbe }: SecurityProfile): ConformanceCase {
  return {
    id: `${family}.security.replayed-elsewhere`,
    family,
    productType,
    kind: 'security',
    title: `${probeTitle} replayed on another family's path with the same key is refused`,
    steps: [
      `send ${probeTitle} signed with nonce N at time T: accepted (positive control)`,
      'send the very same request (same nonce) to the production path of another family bound to the same key: refused (kgkit: 000001)',
    ],
    applies: (options) => sharingKey(family, options) !== undefined,
    async run(run) {
      const other = sharingKey(family, run.options)!;
      const { step } = await makeProbe(run);
      const sameNonce = freshNonce();
      const now = Date.now();
      await run.succeed({ ...step, label: `${step.label ?? step.handler} (first)`, tamper: { nonce: sameNonce }, now }, { accept: ['000004'] });
      // Outside the other family's tables: its answer is held to them by kgkit's rule only.
      const label = `${step.label ?? step.handler} replayed on the ${FAMILIES[other].title} path`;
      const again = await run.send({ ...step, label, tamper: { nonce: sameNonce }, now, at: other, request: 'violating' });
      run.check(
        again.code === '000001',
        run.rules.replayElsewhereRefused,
        `${label} with nonce ${sameNonce.slice(0, 16)}… was answered ${again.describe()}, not 000001`,
      );
    },
  };
}

const tokenOf = (url: string): string => new URL(url).searchParams.get('authToken') ?? '';

/** Whether `reply` (a query) lists `instanceId` in its `info`. */
export function lists(reply: Reply, instanceId: string): boolean {
  const info = reply.field('info');
  return Array.isArray(info) && info.some((entry) => (entry as { instanceId?: unknown } | null)?.instanceId === instanceId);
}

/**
 * "The refused create made nothing", for families with a queryInstance: observable only when the seller names an
 * instance by the businessId of its first create (then the refused call's businessId is the ID it would have made) and
 * its queryInstance does not list IDs that never existed (Huawei's sample answers made-up information for any ID).
 */
export async function refusedCreateMadeNothing(
  run: CaseRun,
  {
    control,
    refusedBusinessId,
    controlBusinessId,
    query,
    resend,
  }: {
    control: Reply;
    refusedBusinessId: string;
    controlBusinessId: string;
    /** A queryInstance step for `instanceId`. */
    query: (instanceId: string, label: string) => Step;
    /** The refused order, properly signed, with a new businessId. */
    resend: () => Step;
  },
): Promise<void> {
  const rule = run.rules.refusedHasNoEffect;
  if (control.field('instanceId') !== controlBusinessId) {
    run.notObservable(rule, 'the seller names instances its own way, not by the first businessId, so a refused create has no ID to look for');
    return;
  }
  const ghost = `never-created-${run.ids.other('G')}`;
  const unknown = await run.send(query(ghost, 'queryInstance of an ID that never existed'));
  if (lists(unknown, ghost) || unknown.code === '000004') {
    run.notObservable(
      rule,
      `the seller's queryInstance answers IDs that never existed (${unknown.describe()}), so it cannot tell a created instance from none`,
    );
    return;
  }
  const after = await run.send(query(refusedBusinessId, 'queryInstance of the refused businessId'));
  run.check(
    !(lists(after, refusedBusinessId) || after.code === '000004'),
    rule,
    `the refused newInstance made instance ${refusedBusinessId}: queryInstance answered ${after.describe()}`,
  );
  const proper = await run.succeed(resend(), { accept: ['000004'] });
  run.check(
    proper.field('instanceId') !== refusedBusinessId,
    rule,
    `the refused newInstance made instance ${refusedBusinessId}: the order's proper newInstance answered it`,
  );
}

/** The probe of a family whose creates a queryInstance can see (SaaS V2.0, V1.0): one fresh order's newInstance. */
export function createProbe({
  businessId,
  create,
  query,
  resend,
}: {
  businessId: string;
  create: Step;
  query: (instanceId: string, label: string) => Step;
  resend: () => Step;
}): SecurityProbe {
  return {
    step: create,
    businessId,
    sameEffect: (first, again) => first.field('instanceId') === again.field('instanceId'),
    nothingCreated: (run, control) =>
      refusedCreateMadeNothing(run, { control: control.reply, controlBusinessId: control.probe.businessId!, refusedBusinessId: businessId, query, resend }),
  };
}
