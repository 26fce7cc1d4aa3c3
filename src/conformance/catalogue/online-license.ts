import type { CaseRun, ConformanceCase, Mode, Step } from '../case.js';
import { expireTime, licenseTime } from '../ids.js';
import { badInputCases } from './bad-input.js';
import { type Lifecycle, lifecycleCases } from './lifecycle.js';
import { probingCase } from './probing.js';
import { securityCases } from './security.js';

// Online-open License products (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649282.html): the
// SaaS-like instance calls (no queryInstance, no upgrade) and getLicenseAsync, which the seller answers at once and
// fulfils by uploading the License.

const FAMILY = 'online-license';
const YEAR_MS = 365 * 24 * 3_600_000;

/** A call of `activity`: debug calls carry testFlag "1", production calls none. */
const licenseStep = (mode: Mode, activity: string, fields: Record<string, unknown>, label?: string): Step => ({
  handler: activity,
  body: { activity, ...fields, ...(mode === 'debug' ? { testFlag: '1' } : {}) },
  ...(label ? { label } : {}),
});

async function createLicensed(run: CaseRun, mode: Mode, order = run.ids.order(), businessId = run.ids.businessId()): Promise<string> {
  const reply = await run.succeed(licenseStep(mode, 'newInstance', { ...order, businessId }), { accept: ['000004'] });
  const instanceId = reply.field('instanceId');
  if (typeof instanceId !== 'string' || instanceId === '')
    run.fail(run.rules.answerFields, `newInstance of ${order.orderLineId} answered ${reply.describe()} without an instanceId`);
  return instanceId;
}

/** A License application for one device, valid from now (for a year when `periodic`). */
const application = (run: CaseRun, mode: Mode, instanceId: string, periodic: boolean, eventId = run.ids.event()) =>
  licenseStep(
    mode,
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

const renewal = (run: CaseRun, mode: Mode, instanceId: string, scene: string) =>
  licenseStep(mode, 'refreshInstance', { instanceId, ...run.ids.order(), scene, expireTime: expireTime(2) }, `refreshInstance ${scene}`);
const status = (mode: Mode, instanceId: string, value: 'FREEZE' | 'UNFREEZE') =>
  licenseStep(mode, 'updateInstanceStatus', { instanceId, status: value }, `updateInstanceStatus ${value}`);
const release = (mode: Mode, instanceId: string, label?: string) => licenseStep(mode, 'releaseInstance', { instanceId }, label);

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
    async then(run, id, mode) {
      await run.succeed(application(run, mode, id, true));
      await run.succeed(renewal(run, mode, id, 'RENEWAL'));
      await run.succeed(application(run, mode, id, true));
      await run.succeed(status(mode, id, 'FREEZE'));
      await run.succeed(status(mode, id, 'UNFREEZE'));
      await run.succeed(release(mode, id));
    },
  },
  {
    productType: 'one-time',
    name: 'perpetual',
    title: 'one-time (perpetual) License: create, apply for a License without expiry, release',
    steps: [CREATE, 'getLicenseAsync for a device without expireTime: 000000', 'releaseInstance: 000000'],
    async then(run, id, mode) {
      await run.succeed(application(run, mode, id, false));
      await run.succeed(release(mode, id));
    },
  },
  {
    productType: 'trial',
    name: 'trial',
    title: 'trial License: create, freeze at trial end, convert to formal, unfreeze, release',
    steps: [
      CREATE,
      'updateInstanceStatus FREEZE: 000000',
      'refreshInstance TRIAL_TO_FORMAL: 000000',
      'updateInstanceStatus UNFREEZE: 000000',
      'releaseInstance: 000000',
    ],
    async then(run, id, mode) {
      await run.succeed(status(mode, id, 'FREEZE'));
      await run.succeed(renewal(run, mode, id, 'TRIAL_TO_FORMAL'));
      await run.succeed(status(mode, id, 'UNFREEZE'));
      await run.succeed(release(mode, id));
    },
  },
];

const lifecycles = lifecycleCases(FAMILY, LIFECYCLES, (run, mode) => createLicensed(run, mode));

const idempotency: ConformanceCase = {
  id: `${FAMILY}.idempotency.resent-calls`,
  family: FAMILY,
  productType: 'license',
  kind: 'idempotency',
  title: 'the same order resent gets the same instanceId; the same License application and release resent succeed again',
  steps: [
    CREATE,
    'newInstance of the same order with another businessId: the same instanceId',
    'the same getLicenseAsync (eventId + device) twice: 000000 both',
    'releaseInstance twice: 000000 both',
  ],
  async run(run) {
    const order = run.ids.order();
    const first = await createLicensed(run, 'production', order);
    const again = await run.succeed(licenseStep('production', 'newInstance', { ...order, businessId: run.ids.businessId() }, 'newInstance resent'), {
      accept: ['000004'],
    });
    run.check(
      again.field('instanceId') === first,
      run.rules.sameInstance,
      `resent order ${order.orderLineId} got instanceId ${String(again.field('instanceId'))}, the first call got ${first}`,
    );
    const applying = application(run, 'production', first, true);
    await run.succeed(applying);
    await run.succeed({ ...applying, label: 'getLicenseAsync (resent)' }, { rule: run.rules.repeatable });
    await run.succeed(release('production', first));
    await run.succeed(release('production', first, 'releaseInstance (resent)'), { rule: run.rules.repeatable });
  },
};

const probing = probingCase({
  family: FAMILY,
  productType: 'license',
  alsoSuccess: { newInstance: ['000004'] },
  async savedCases(run) {
    const order = run.ids.order();
    const businessId = run.ids.businessId();
    const id = await createLicensed(run, 'debug', order, businessId);
    return [
      licenseStep('debug', 'newInstance', { ...order, businessId }),
      application(run, 'debug', id, true),
      renewal(run, 'debug', id, 'RENEWAL'),
      status('debug', id, 'FREEZE'),
      status('debug', id, 'UNFREEZE'),
      release('debug', id),
    ];
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
      step: licenseStep('production', 'newInstance', { ...order, businessId }),
      businessId,
      sameEffect: (first, again) => first.field('instanceId') === again.field('instanceId'),
      async nothingCreated(run, control) {
        // The family has no queryInstance: only a seller that names instances by the first businessId shows, through
        // the order's proper create, what the refused one would have made.
        const rule = run.rules.refusedHasNoEffect;
        if (control.reply.field('instanceId') !== control.probe.businessId) {
          run.notObservable(rule, 'the seller names instances its own way, not by the first businessId, and this family has no queryInstance');
          return;
        }
        const reply = await run.succeed(
          licenseStep('production', 'newInstance', { ...order, businessId: run.ids.businessId() }, 'newInstance of the refused order, properly signed'),
          { accept: ['000004'] },
        );
        run.check(
          reply.field('instanceId') !== businessId,
          rule,
          `the refused newInstance made instance ${businessId}: the order's proper newInstance answered it`,
        );
      },
    };
  },
});

const badInput = badInputCases({
  family: FAMILY,
  productType: 'license',
  async base(run, handler) {
    if (handler === 'newInstance') return licenseStep('production', 'newInstance', { ...run.ids.order(), businessId: run.ids.businessId() }).body;
    const id = await createLicensed(run, 'production');
    const bodies: Record<string, Step> = {
      refreshInstance: licenseStep('production', 'refreshInstance', {
        instanceId: id,
        ...run.ids.order(),
        scene: 'RENEWAL',
        productId: `PR${run.ids.tag}`,
        expireTime: expireTime(2),
      }),
      updateInstanceStatus: status('production', id, 'FREEZE'),
      releaseInstance: licenseStep('production', 'releaseInstance', { instanceId: id, ...run.ids.order() }),
      getLicenseAsync: application(run, 'production', id, true),
    };
    return bodies[handler]!.body;
  },
  malformed: {
    handler: 'newInstance',
    inputs: [
      { label: 'a body that is not JSON', raw: 'activity=newInstance', request: 'unparseable', judgedAs: '' },
      { label: 'a JSON array', raw: '[]', request: 'violating', judgedAs: '' },
      { label: 'an empty JSON object', body: {}, request: 'violating', judgedAs: '' },
      {
        label: 'an unknown activity (queryInstance is not part of this family)',
        body: { activity: 'queryInstance', instanceId: 'abc' },
        request: 'violating',
        judgedAs: 'queryInstance',
      },
    ],
  },
});

export const onlineLicenseCases: ConformanceCase[] = [...lifecycles, idempotency, probing, ...security, ...badInput];
