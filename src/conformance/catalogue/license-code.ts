import type { CaseRun, ConformanceCase, Step } from '../case.js';
import { expireTime } from '../ids.js';
import { badInputCases } from './bad-input.js';
import { probingCase } from './probing.js';
import { securityCases } from './security.js';

// License authorization codes 2.0 (license-kit-openapi.md A.3–A.6): renewal, freeze/unfreeze and release of a code the
// marketplace issued. The marketplace never announces a new code (the seller's software activates it, A.7), so a
// seller may not know a fresh code: 000003 is then a lawful answer, and the lifecycle cases are skipped.

const FAMILY = 'license-code';

const codeStep = (activity: string, fields: Record<string, unknown>, label?: string): Step => ({
  handler: activity,
  body: { activity, ...fields, testFlag: '1' },
  ...(label ? { label } : {}),
});

const refresh = (run: CaseRun, license: string, scene: 'RENEWAL' | 'UNSUBSCRIBE_RENEWAL_PERIOD') =>
  codeStep('refreshLicenseCode', { license, scene, ...run.ids.order(), productId: `PR${run.ids.tag}`, expireTime: expireTime(scene === 'RENEWAL' ? 2 : 1) }, `refreshLicenseCode ${scene}`);
const status = (license: string, value: 'FREEZE' | 'UNFREEZE') => codeStep('updateLicenseCodeStatus', { license, status: value }, `updateLicenseCodeStatus ${value}`);
const release = (run: CaseRun, license: string, label?: string) => codeStep('releaseLicenseCode', { license, ...run.ids.order() }, label);

/** The first call about a fresh code; a seller that only knows activated codes answers 000003, and the case is skipped. */
async function firstCall(run: CaseRun, step: Step): Promise<void> {
  const reply = await run.expect(step, ['000000', '000003']);
  if (reply.code === '000003') run.skip(`the seller does not know the fresh code (${reply.describe()}): it only follows codes activated through the marketplace`);
}

const lifecycle: ConformanceCase = {
  id: `${FAMILY}.yearly.lifecycle`,
  family: FAMILY,
  productType: 'license',
  kind: 'lifecycle',
  title: 'yearly license code: renew, freeze, unfreeze, cancel the renewal, release',
  steps: [
    'refreshLicenseCode RENEWAL of a fresh code: 000000 (000003: the seller only knows activated codes, the case is skipped)',
    'updateLicenseCodeStatus FREEZE, then UNFREEZE: 000000 each',
    'refreshLicenseCode UNSUBSCRIBE_RENEWAL_PERIOD: 000000',
    'releaseLicenseCode with the unsubscribe order: 000000',
  ],
  async run(run) {
    const license = run.ids.licenseCode();
    await firstCall(run, refresh(run, license, 'RENEWAL'));
    await run.succeed(status(license, 'FREEZE'));
    await run.succeed(status(license, 'UNFREEZE'));
    await run.succeed(refresh(run, license, 'UNSUBSCRIBE_RENEWAL_PERIOD'));
    await run.succeed(release(run, license));
  },
};

const idempotency: ConformanceCase = {
  id: `${FAMILY}.idempotency.resent-changes`,
  family: FAMILY,
  productType: 'license',
  kind: 'idempotency',
  title: 'renewal, freeze and release resent answer success again (release twice included)',
  steps: ['the same refreshLicenseCode twice: 000000 both', 'FREEZE twice: 000000 both', 'releaseLicenseCode twice: 000000 both'],
  async run(run) {
    const license = run.ids.licenseCode();
    const renewal = refresh(run, license, 'RENEWAL');
    await firstCall(run, renewal);
    await run.succeed({ ...renewal, label: 'refreshLicenseCode RENEWAL (resent)' });
    await run.succeed(status(license, 'FREEZE'));
    await run.succeed({ ...status(license, 'FREEZE'), label: 'updateLicenseCodeStatus FREEZE (resent)' });
    const releasing = release(run, license);
    await run.succeed(releasing);
    await run.succeed({ ...releasing, label: 'releaseLicenseCode (resent)' });
  },
};

const probing = probingCase({
  family: FAMILY,
  productType: 'license',
  async savedCases(run) {
    const license = run.ids.licenseCode();
    const renewal = refresh(run, license, 'RENEWAL');
    await firstCall(run, renewal);
    return [renewal, status(license, 'FREEZE'), status(license, 'UNFREEZE'), release(run, license)];
  },
});

const security = securityCases({
  family: FAMILY,
  productType: 'license',
  probeTitle: 'updateLicenseCodeStatus of a fresh code',
  async probe(run) {
    return { step: status(run.ids.licenseCode(), 'FREEZE') };
  },
});

const badInput = badInputCases({
  family: FAMILY,
  productType: 'license',
  async base(run, handler) {
    const license = run.ids.licenseCode();
    const bodies: Record<string, Step> = {
      refreshLicenseCode: refresh(run, license, 'RENEWAL'),
      updateLicenseCodeStatus: status(license, 'FREEZE'),
      releaseLicenseCode: release(run, license),
    };
    return bodies[handler]!.body;
  },
  malformed: {
    handler: 'refreshLicenseCode',
    inputs: [
      { label: 'a body that is not JSON', raw: 'license=PL1', request: 'unparseable', judgedAs: '' },
      { label: 'a JSON array', raw: '[]', request: 'violating', judgedAs: '' },
      { label: 'an empty JSON object', body: {}, request: 'violating', judgedAs: '' },
      { label: 'an unknown activity', body: { activity: 'deleteEverything', testFlag: '1' }, request: 'violating', judgedAs: 'deleteEverything' },
    ],
  },
});

export const licenseCodeCases: ConformanceCase[] = [lifecycle, idempotency, probing, ...security, ...badInput];
