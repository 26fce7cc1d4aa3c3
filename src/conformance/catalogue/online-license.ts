import type { CaseRun, ConformanceCase, Step } from '../case.js';
import { expireTime, licenseTime } from '../ids.js';
import { badInputCases } from './bad-input.js';
import { type Lifecycle, lifecycleCases } from './lifecycle.js';
import { probingCase } from './probing.js';
import { securityCases } from './security.js';

// Online-open License products (license-kit-openapi.md B.1–B.8): the SaaS-like instance calls (no queryInstance, no
// upgrade) and getLicenseAsync, which the seller answers at once and fulfils by uploading the License.

const FAMILY = 'online-license';
const YEAR_MS = 365 * 24 * 3_600_000;

const licenseStep = (activity: string, fields: Record<string, unknown>, label?: string): Step => ({
  handler: activity,
  body: { activity, ...fields, testFlag: '1' },
  ...(label ? { label } : {}),
});

async function createLicensed(run: CaseRun, order = run.ids.order(), businessId = run.ids.businessId()): Promise<string> {
  const reply = await run.succeed(licenseStep('newInstance', { ...order, businessId }), { accept: ['000004'] });
  const instanceId = reply.field('instanceId');
  if (typeof instanceId !== 'string') run.fail(`newInstance of ${order.orderLineId} answered ${reply.describe()} without an instanceId`);
  return instanceId;
}

/** A License application for one device, valid from now (for a year when `periodic`). */
const application = (run: CaseRun, instanceId: string, periodic: boolean, eventId = run.ids.event()) =>
  licenseStep(
    'getLicenseAsync',
    {
      instanceId,
      eventId,
      effectiveTime: licenseTime(Date.now()),
      ...(periodic ? { expireTime: licenseTime(Date.now() + YEAR_MS) } : {}),
      deviceFingerprint: `fp-${run.ids.tag.toLowerCase()}-device-01`,
    },
    `getLicenseAsync${periodic ? ' (yearly)' : ''}`,
  );

const renewal = (run: CaseRun, instanceId: string, scene: string) => licenseStep('refreshInstance', { instanceId, ...run.ids.order(), scene, expireTime: expireTime(2) }, `refreshInstance ${scene}`);
const status = (instanceId: string, value: 'FREEZE' | 'UNFREEZE') => licenseStep('updateInstanceStatus', { instanceId, status: value }, `updateInstanceStatus ${value}`);
const release = (instanceId: string, label?: string) => licenseStep('releaseInstance', { instanceId }, label);

const CREATE = 'newInstance of a new order: 000000 (or 000004) with an instanceId';

const LIFECYCLES: Lifecycle[] = [
  {
    productType: 'yearly-monthly',
    name: 'yearly',
    title: 'yearly License: create, apply for a License, renew, apply again, freeze, unfreeze, release',
    steps: [
      CREATE,
      'getLicenseAsync for a device, valid for a year: 000000',
      'refreshInstance RENEWAL: 000000',
      'getLicenseAsync (a new event) after the renewal: 000000',
      'updateInstanceStatus FREEZE, then UNFREEZE: 000000 each',
      'releaseInstance: 000000',
    ],
    async then(run, id) {
      await run.succeed(application(run, id, true));
      await run.succeed(renewal(run, id, 'RENEWAL'));
      await run.succeed(application(run, id, true));
      await run.succeed(status(id, 'FREEZE'));
      await run.succeed(status(id, 'UNFREEZE'));
      await run.succeed(release(id));
    },
  },
  {
    productType: 'one-time',
    name: 'perpetual',
    title: 'one-time (perpetual) License: create, apply for a License without expiry, release',
    steps: [CREATE, 'getLicenseAsync for a device without expireTime: 000000', 'releaseInstance: 000000'],
    async then(run, id) {
      await run.succeed(application(run, id, false));
      await run.succeed(release(id));
    },
  },
  {
    productType: 'trial',
    name: 'trial',
    title: 'trial License: create, freeze at trial end, convert to formal, unfreeze, release',
    steps: [CREATE, 'updateInstanceStatus FREEZE: 000000', 'refreshInstance TRIAL_TO_FORMAL: 000000', 'updateInstanceStatus UNFREEZE: 000000', 'releaseInstance: 000000'],
    async then(run, id) {
      await run.succeed(status(id, 'FREEZE'));
      await run.succeed(renewal(run, id, 'TRIAL_TO_FORMAL'));
      await run.succeed(status(id, 'UNFREEZE'));
      await run.succeed(release(id));
    },
  },
];

const lifecycles = lifecycleCases(FAMILY, LIFECYCLES, (run) => createLicensed(run));

const idempotency: ConformanceCase = {
  id: `${FAMILY}.idempotency.resent-calls`,
  family: FAMILY,
  productType: 'license',
  kind: 'idempotency',
  title: 'the same order resent gets the same instanceId; the same License application and release resent succeed again',
  steps: [CREATE, 'newInstance of the same order with another businessId: the same instanceId', 'the same getLicenseAsync (eventId + device) twice: 000000 both', 'releaseInstance twice: 000000 both'],
  async run(run) {
    const order = run.ids.order();
    const first = await createLicensed(run, order);
    const again = await run.succeed(licenseStep('newInstance', { ...order, businessId: run.ids.businessId() }, 'newInstance resent'), { accept: ['000004'] });
    run.check(again.field('instanceId') === first, `resent order ${order.orderLineId} got instanceId ${String(again.field('instanceId'))}, first call got ${first}`);
    const applying = application(run, first, true);
    await run.succeed(applying);
    await run.succeed({ ...applying, label: 'getLicenseAsync (resent)' });
    await run.succeed(release(first));
    await run.succeed(release(first, 'releaseInstance (resent)'));
  },
};

const probing = probingCase({
  family: FAMILY,
  productType: 'license',
  alsoSuccess: { newInstance: ['000004'] },
  async savedCases(run) {
    const order = run.ids.order();
    const businessId = run.ids.businessId();
    const id = await createLicensed(run, order, businessId);
    return [licenseStep('newInstance', { ...order, businessId }), application(run, id, true), renewal(run, id, 'RENEWAL'), status(id, 'FREEZE'), status(id, 'UNFREEZE'), release(id)];
  },
});

const security = securityCases({
  family: FAMILY,
  productType: 'license',
  probeTitle: 'newInstance of a fresh order',
  async probe(run) {
    const order = run.ids.order();
    const businessId = run.ids.businessId();
    return {
      step: licenseStep('newInstance', { ...order, businessId }),
      async nothingCreated(run) {
        // The family has no queryInstance: the order's proper create must not find what the refused one would have made.
        const reply = await run.succeed(licenseStep('newInstance', { ...order, businessId: run.ids.businessId() }, 'newInstance of the same order, properly signed'), { accept: ['000004'] });
        run.check(reply.field('instanceId') !== businessId, `the refused newInstance created instance ${businessId}: the order's proper newInstance answered it`);
      },
    };
  },
});

const badInput = badInputCases({
  family: FAMILY,
  productType: 'license',
  async base(run, handler) {
    if (handler === 'newInstance') return licenseStep('newInstance', { ...run.ids.order(), businessId: run.ids.businessId() }).body;
    const id = await createLicensed(run);
    const bodies: Record<string, Step> = {
      refreshInstance: licenseStep('refreshInstance', { instanceId: id, ...run.ids.order(), scene: 'RENEWAL', productId: `PR${run.ids.tag}`, expireTime: expireTime(2) }),
      updateInstanceStatus: status(id, 'FREEZE'),
      releaseInstance: licenseStep('releaseInstance', { instanceId: id, ...run.ids.order() }),
      getLicenseAsync: application(run, id, true),
    };
    return bodies[handler]!.body;
  },
  malformed: {
    handler: 'newInstance',
    inputs: [
      { label: 'a body that is not JSON', raw: 'activity=newInstance', request: 'unparseable', judgedAs: '' },
      { label: 'a JSON array', raw: '[]', request: 'violating', judgedAs: '' },
      { label: 'an empty JSON object', body: {}, request: 'violating', judgedAs: '' },
      { label: 'an unknown activity (queryInstance is not part of this family)', body: { activity: 'queryInstance', instanceId: 'abc', testFlag: '1' }, request: 'violating', judgedAs: 'queryInstance' },
    ],
  },
});

export const onlineLicenseCases: ConformanceCase[] = [...lifecycles, idempotency, probing, ...security, ...badInput];
