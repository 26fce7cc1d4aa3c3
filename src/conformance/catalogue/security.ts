import { randomBytes } from 'node:crypto';
import type { CaseRun, ConformanceCase, ProductType, RequestShape, Step } from '../case.js';
import { FAMILIES, type SellerFamily } from '../families.js';
import { type Tamper, freshNonce } from '../signing.js';

// The security negatives every family gets (DECISIONS 1-5): a forged, stale, future, incomplete, replayed or
// wrongly keyed call is refused with the documented code, and leaves nothing behind.

export interface SecurityProbe {
  /** A signed call the seller accepts on a fresh state; each negative sends it tampered. */
  step: Step;
  /** After a refusal: checks over HTTP that the refused call created nothing (when the family can tell). */
  nothingCreated?: (run: CaseRun) => Promise<void>;
}

export interface SecurityProfile {
  family: SellerFamily;
  productType: ProductType;
  /** What the probe is, in the case titles: e.g. "newInstance of a fresh order". */
  probeTitle: string;
  probe(run: CaseRun): Promise<SecurityProbe>;
}

const WINDOW_OFFSET_MS = 5 * 60_000;

interface Negative {
  name: string;
  title: string;
  tamper: (run: CaseRun) => Tamper;
  code: '000001' | '000002';
  request: RequestShape;
  /** Families without a nonce (V1: the authToken stands in for one) have no such negative. */
  needsNonce?: boolean;
}

const NEGATIVES: Negative[] = [
  { name: 'bad-signature', title: 'a wrong signature', tamper: () => ({ signature: 'wrong' }), code: '000001', request: 'conforming' },
  { name: 'missing-signature', title: 'no signature', tamper: () => ({ signature: 'missing' }), code: '000001', request: 'violating' },
  { name: 'stale-timestamp', title: 'a timestamp 5 minutes old', tamper: () => ({ timestamp: { offsetMs: -WINDOW_OFFSET_MS } }), code: '000002', request: 'conforming' },
  { name: 'future-timestamp', title: 'a timestamp 5 minutes ahead', tamper: () => ({ timestamp: { offsetMs: WINDOW_OFFSET_MS } }), code: '000002', request: 'conforming' },
  { name: 'missing-timestamp', title: 'no timestamp', tamper: () => ({ timestamp: 'missing' }), code: '000002', request: 'violating' },
  { name: 'missing-nonce', title: 'no nonce', tamper: () => ({ nonce: 'missing' }), code: '000002', request: 'violating', needsNonce: true },
  { name: 'other-key', title: 'another key', tamper: () => ({ key: `other-key-${randomBytes(8).toString('hex')}` }), code: '000001', request: 'conforming' },
];

const hasNonce = (family: SellerFamily) => FAMILIES[family].transport === 'basic' || FAMILIES[family].transport === 'kit-v2';

export function securityCases(profile: SecurityProfile): ConformanceCase[] {
  const { family, productType, probeTitle } = profile;
  const negatives = NEGATIVES.filter((negative) => !negative.needsNonce || hasNonce(family));
  const cases: ConformanceCase[] = negatives.map((negative) => ({
    id: `${family}.security.${negative.name}`,
    family,
    productType,
    kind: 'security',
    title: `${probeTitle} with ${negative.title} is refused with ${negative.code}`,
    steps: [`send ${probeTitle} with ${negative.title}: expect ${negative.code}`, 'check that the refused call created nothing'],
    async run(run) {
      const probe = await profile.probe(run);
      const label = `${probe.step.label ?? probe.step.handler} with ${negative.title}`;
      const reply = await run.send({ ...probe.step, label, tamper: negative.tamper(run), request: negative.request });
      if (reply.code !== negative.code) run.fail(`${label} answered ${reply.describe()}, expected ${negative.code} (DECISIONS 5)`);
      await probe.nothingCreated?.(run);
    },
  }));
  cases.push(replayCase(profile));
  return cases;
}

function replayCase({ family, productType, probeTitle, probe }: SecurityProfile): ConformanceCase {
  const what = hasNonce(family) ? 'nonce' : 'authToken';
  return {
    id: `${family}.security.replayed-${hasNonce(family) ? 'nonce' : 'token'}`,
    family,
    productType,
    kind: 'security',
    title: `${probeTitle} replayed with the same ${what} is refused with 000001`,
    steps: [`send ${probeTitle} signed with nonce N at time T: accepted`, `send the very same request again (same ${what}): expect 000001`],
    async run(run) {
      const { step } = await probe(run);
      const nonce = freshNonce();
      const now = Date.now();
      const first = await run.send({ ...step, label: `${step.label ?? step.handler} (first)`, tamper: { nonce }, now });
      if (first.code === '000001' || first.code === '000002') run.fail(`the signed call itself was refused: ${first.describe()}`);
      const again = await run.send({ ...step, label: `${step.label ?? step.handler} (replayed)`, tamper: { nonce }, now });
      if (again.code !== '000001') {
        const token = hasNonce(family) ? `nonce ${nonce.slice(0, 16)}…` : `authToken ${String(again.answer.request.headers.authToken ?? tokenOf(again.answer.request.url)).slice(0, 16)}…`;
        run.fail(`replayed ${token} was accepted (${again.describe()}); expected 000001 (DECISIONS 4)`);
      }
    },
  };
}

const tokenOf = (url: string): string => new URL(url).searchParams.get('authToken') ?? '';
