import { type CaseRun, type ConformanceCase, MODES, type Mode, type Step } from '../case.js';
import { expireTime } from '../ids.js';
import { badInputCases } from './bad-input.js';
import { probingCase } from './probing.js';
import { securityCases } from './security.js';

// License authorization codes 2.0 (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649172.html):
// renewal, freeze/unfreeze and release of a code the marketplace issued. The marketplace never announces a new code
// (the seller's software activates it with the marketplace), so a seller may not know a fresh code: 000003 is then a
// lawful answer, and the case is skipped.

const FAMILY = 'license-code';

/** A call of `activity`: debug calls carry testFlag "1", production calls none (default "0"). */
const codeStep = (mode: Mode, activity: string, fields: Record<string, unknown>, label?: string): Step => ({
  handler: activity,
  body: { activity, ...fields, ...(mode === 'debug' ? { testFlag: '1' } : {}) },
  ...(label ? { label } : {}),
});

const refresh = (run: CaseRun, mode: Mode, license: string, scene: 'RENEWAL' | 'UNSUBSCRIBE_RENEWAL_PERIOD') =>
  codeStep(
    mode,
    'refreshLicenseCode',
    { license, scene, ...run.ids.order(), productId: `PR${run.ids.tag}`, expireTime: expireTime(scene === 'RENEWAL' ? 2 : 1) },
    `refreshLicenseCode ${scene}`,
  );
const status = (mode: Mode, license: string, value: 'FREEZE' | 'UNFREEZE') =>
  codeStep(mode, 'updateLicenseCodeStatus', { license, status: value }, `updateLicenseCodeStatus ${value}`);
const release = (run: CaseRun, mode: Mode, license: string, label?: string) => codeStep(mode, 'releaseLicenseCode', { license, ...run.ids.order() }, label);

/** The first call about a fresh code; a seller that only knows activated codes answers 000003, and the case is skipped. */
async function firstCall(run: CaseRun, step: Step): Promise<void> {
  const reply = await run.expect(step, ['000000', '000003']);
  if (reply.code === '000003')
    run.skip(`the seller does not know the fresh code (${reply.describe()}): it only follows codes activated through the marketplace`);
}

const lifecycles = MODES.map(
  (mode): ConformanceCase => ({
    id: `${FAMILY}.yearly.${mode}`,
    family: FAMILY,
    productType: 'license',
    kind: 'lifecycle',
    title: `yearly license code: renew, freeze, unfreeze, cancel the renewal, release (${mode === 'debug' ? 'debug calls, testFlag "1"' : 'production calls'})`,
    steps: [
      'refreshLicenseCode RENEWAL of a fresh code: 000000 (000003: the seller only knows activated codes, the case is skipped)',
      'updateLicenseCodeStatus FREEZE, then UNFREEZE: 000000 each',
      'refreshLicenseCode UNSUBSCRIBE_RENEWAL_PERIOD: 000000',
      'releaseLicenseCode with the unsubscribe order: 000000',
    ],
    async run(run) {
      const license = run.ids.licenseCode();
      await firstCall(run, refresh(run, mode, license, 'RENEWAL'));
      await run.succeed(status(mode, license, 'FREEZE'));
      await run.succeed(status(mode, license, 'UNFREEZE'));
      await run.succeed(refresh(run, mode, license, 'UNSUBSCRIBE_RENEWAL_PERIOD'));
      await run.succeed(release(run, mode, license));
    },
  }),
);

const idempotency: ConformanceCase = {
  id: `${FAMILY}.idempotency.resent-changes`,
  family: FAMILY,
  productType: 'license',
  kind: 'idempotency',
  title: 'renewal, freeze and release resent answer success again (release twice included)',
  steps: ['the same refreshLicenseCode twice: 000000 both', 'FREEZE twice: 000000 both', 'releaseLicenseCode twice: 000000 both'],
  async run(run) {
    const license = run.ids.licenseCode();
    const renewal = refresh(run, 'production', license, 'RENEWAL');
    const again = { rule: run.rules.repeatable };
    await firstCall(run, renewal);
    await run.succeed({ ...renewal, label: 'refreshLicenseCode RENEWAL (resent)' }, again);
    await run.succeed(status('production', license, 'FREEZE'));
    await run.succeed({ ...status('production', license, 'FREEZE'), label: 'updateLicenseCodeStatus FREEZE (resent)' }, again);
    const releasing = release(run, 'production', license);
    await run.succeed(releasing);
    await run.succeed({ ...releasing, label: 'releaseLicenseCode (resent)' }, again);
  },
};

const probing = probingCase({
  family: FAMILY,
  productType: 'license',
  async savedCases(run) {
    const license = run.ids.licenseCode();
    const renewal = refresh(run, 'debug', license, 'RENEWAL');
    await firstCall(run, renewal);
    return [renewal, status('debug', license, 'FREEZE'), status('debug', license, 'UNFREEZE'), release(run, 'debug', license)];
  },
});

const security = securityCases({
  family: FAMILY,
  productType: 'license',
  probeTitle: 'updateLicenseCodeStatus of a fresh code',
  async probe(run) {
    return { step: status('production', run.ids.licenseCode(), 'FREEZE') };
  },
});

const badInput = badInputCases({
  family: FAMILY,
  productType: 'license',
  async base(run, handler) {
    const license = run.ids.licenseCode();
    const bodies: Record<string, Step> = {
      refreshLicenseCode: refresh(run, 'production', license, 'RENEWAL'),
      updateLicenseCodeStatus: status('production', license, 'FREEZE'),
      releaseLicenseCode: release(run, 'production', license),
    };
    return bodies[handler]!.body;
  },
  malformed: {
    handler: 'refreshLicenseCode',
    inputs: [
      { label: 'a body that is not JSON', raw: 'license=PL1', request: 'unparseable', judgedAs: '' },
      { label: 'a JSON array', raw: '[]', request: 'violating', judgedAs: '' },
      { label: 'an empty JSON object', body: {}, request: 'violating', judgedAs: '' },
      { label: 'an unknown activity', body: { activity: 'deleteEverything' }, request: 'violating', judgedAs: 'deleteEverything' },
    ],
  },
});

export const licenseCodeCases: ConformanceCase[] = [...lifecycles, idempotency, probing, ...security, ...badInput];
