import type { CaseRun, ConformanceCase, Mode, Step } from '../case.js';
import { expireTime } from '../ids.js';
import { badInputCases } from './bad-input.js';
import { type Lifecycle, lifecycleCases, needsUpgrades } from './lifecycle.js';
import { probingCase } from './probing.js';
import { createProbe, lists, securityCases } from './security.js';

// SaaS V2.0 basic interfaces (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649414.html): the
// seller console's debug cases per product type, in debug and in production mode, resends, probing, security
// negatives and bad inputs.

const FAMILY = 'saas-v2';

/** A call of `activity`: debug calls carry testFlag "1", production calls none (current pages). */
const saasStep = (mode: Mode, activity: string, fields: Record<string, unknown>, label?: string): Step => ({
  handler: activity,
  body: { activity, ...fields, ...(mode === 'debug' ? { testFlag: '1' } : {}) },
  ...(label ? { label } : {}),
});

/** newInstance of a fresh order, then queryInstance until the instance is ready; its instanceId. */
async function createInstance(run: CaseRun, mode: Mode, order = run.ids.order(), businessId = run.ids.businessId()): Promise<string> {
  const reply = await run.succeed(saasStep(mode, 'newInstance', { ...order, businessId }), { accept: ['000004'] });
  const instanceId = reply.field('instanceId');
  if (typeof instanceId !== 'string' || instanceId === '')
    run.fail(run.rules.answerFields, `newInstance of ${order.orderLineId} answered ${reply.describe()} without an instanceId`);
  await queryListed(run, mode, instanceId);
  return instanceId;
}

/** queryInstance must answer the instance (asked again while it answers 000004, as KooGallery polls). */
async function queryListed(run: CaseRun, mode: Mode, instanceId: string): Promise<void> {
  const reply = await run.succeed(saasStep(mode, 'queryInstance', { instanceId }), { attempts: 10, rule: run.rules.listsInstance });
  if (!lists(reply, instanceId))
    run.fail(
      run.rules.listsInstance,
      `queryInstance of ${instanceId} answered 000000 without it in \`info\` (${JSON.stringify(reply.field('info') ?? null).slice(0, 120)})`,
    );
}

const renewal = (run: CaseRun, mode: Mode, instanceId: string, scene: string, years = 1) =>
  saasStep(mode, 'refreshInstance', { instanceId, ...run.ids.order(), scene, expireTime: expireTime(years) }, `refreshInstance ${scene}`);
const status = (mode: Mode, instanceId: string, value: 'FREEZE' | 'UNFREEZE') =>
  saasStep(mode, 'updateInstanceStatus', { instanceId, status: value }, `updateInstanceStatus ${value}`);
const upgrade = (run: CaseRun, mode: Mode, instanceId: string) => saasStep(mode, 'upgradeInstance', { instanceId, ...run.ids.order() });
const release = (mode: Mode, instanceId: string, order?: { orderId: string; orderLineId: string }, label?: string) =>
  saasStep(mode, 'releaseInstance', { instanceId, ...order }, label);
const changeCheck = (run: CaseRun, mode: Mode, instanceId: string) =>
  saasStep(mode, 'changeInstanceCheck', { instanceId, productInfo: { linearValue: '10', productId: `PR${run.ids.tag}`, skuCode: `SKU${run.ids.tag}` } });

const CREATE = 'newInstance of a new order: 000000 (or 000004, then queryInstance until ready) with an instanceId; queryInstance lists it';

// Which activities each product type uses: https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649414.html
// (upgradeInstance and changeInstanceCheck only for period products that change specification).
const LIFECYCLES: Lifecycle[] = [
  {
    productType: 'yearly-monthly',
    name: 'yearly',
    title: 'yearly/monthly product: create, query, renew, freeze, unfreeze, cancel the renewal, release',
    steps: [
      CREATE,
      'refreshInstance RENEWAL with a renewal order and a new expireTime: 000000',
      'updateInstanceStatus FREEZE, then UNFREEZE: 000000 each',
      'refreshInstance UNSUBSCRIBE_RENEWAL_PERIOD: 000000',
      'releaseInstance with the unsubscribe order: 000000',
    ],
    async then(run, id, mode) {
      await run.succeed(renewal(run, mode, id, 'RENEWAL'));
      await run.succeed(status(mode, id, 'FREEZE'));
      await run.succeed(status(mode, id, 'UNFREEZE'));
      await run.succeed(renewal(run, mode, id, 'UNSUBSCRIBE_RENEWAL_PERIOD'));
      await run.succeed(release(mode, id, run.ids.order()));
    },
  },
  {
    productType: 'yearly-monthly',
    name: 'specification-change',
    title: 'yearly/monthly product that changes specification: create, renewal-change check, renewal change, upgrade, release',
    steps: [
      CREATE,
      'changeInstanceCheck with the target productInfo: 000000 (allowed) or a refusal',
      'when allowed, refreshInstance RENEWAL_CHANGE with the change order: 000000',
      'upgradeInstance with an upgrade order: 000000',
      'releaseInstance: 000000',
    ],
    unmet: needsUpgrades,
    async then(run, id, mode) {
      // Allowed (000000) or refused with any code the activity may answer; an internal error is neither.
      const check = await run.send(changeCheck(run, mode, id));
      if (check.code === '000005') run.fail(run.rules.succeeds, `changeInstanceCheck answered ${check.describe()}, neither allowed nor refused`);
      if (check.code === '000000') await run.succeed(renewal(run, mode, id, 'RENEWAL_CHANGE', 2));
      await run.succeed(upgrade(run, mode, id));
      await run.succeed(release(mode, id));
    },
  },
  {
    productType: 'one-time',
    name: 'one-time',
    title: 'one-time product: create, query, release',
    steps: [CREATE, 'releaseInstance: 000000'],
    async then(run, id, mode) {
      await run.succeed(release(mode, id));
    },
  },
  {
    productType: 'pay-per-use',
    name: 'pay-per-use',
    title: 'pay-per-use product: create, query, freeze on arrears, unfreeze, release',
    steps: [
      CREATE,
      'updateInstanceStatus FREEZE (arrears), then UNFREEZE (topped up): 000000 each',
      'queryInstance: 000000 (usageInfo allowed)',
      'releaseInstance: 000000',
    ],
    async then(run, id, mode) {
      await run.succeed(status(mode, id, 'FREEZE'));
      await run.succeed(status(mode, id, 'UNFREEZE'));
      await queryListed(run, mode, id);
      await run.succeed(release(mode, id));
    },
  },
  {
    productType: 'package',
    name: 'package',
    title: 'pay-per-use package: create, query, renew the package, release',
    steps: [CREATE, 'refreshInstance RENEWAL of the package: 000000', 'releaseInstance: 000000'],
    async then(run, id, mode) {
      await run.succeed(renewal(run, mode, id, 'RENEWAL'));
      await run.succeed(release(mode, id));
    },
  },
  {
    productType: 'trial',
    name: 'trial',
    title: 'trial: create, query, freeze at trial end, convert to formal, unfreeze, release',
    steps: [
      CREATE,
      'updateInstanceStatus FREEZE (trial ended): 000000',
      'refreshInstance TRIAL_TO_FORMAL with the conversion order: 000000',
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

const lifecycles = lifecycleCases(FAMILY, LIFECYCLES, createInstance);

// The marketplace resends real orders: the idempotency cases use production calls.
const resentOrder: ConformanceCase = {
  id: `${FAMILY}.idempotency.resent-order`,
  family: FAMILY,
  productType: 'any',
  kind: 'idempotency',
  title: 'the same order resent (new businessId each time, three at once too) gets the same instanceId',
  steps: [
    'newInstance of a new order',
    'the marketplace resends it with another businessId: the same instanceId',
    'three resends at once: the same instanceId each',
    'queryInstance lists that one instance',
  ],
  async run(run) {
    const order = run.ids.order();
    const first = await createInstance(run, 'production', order);
    const resend = async (label: string) => {
      const reply = await run.succeed(saasStep('production', 'newInstance', { ...order, businessId: run.ids.businessId() }, label), { accept: ['000004'] });
      const got = reply.field('instanceId');
      run.check(got === first, run.rules.sameInstance, `resent order ${order.orderLineId} got instanceId ${String(got)}, the first call got ${first}`);
    };
    await resend('newInstance resent');
    await Promise.all([1, 2, 3].map((n) => resend(`newInstance resent at once #${n}`)));
    await queryListed(run, 'production', first);
  },
};

const repeatedChanges: ConformanceCase = {
  id: `${FAMILY}.idempotency.repeated-changes`,
  family: FAMILY,
  productType: 'yearly-monthly',
  kind: 'idempotency',
  title: 'every change resent answers success again: renewal, freeze, unfreeze, release twice (upgrade twice unless --no-upgrade)',
  steps: [
    CREATE,
    'the same refreshInstance twice: 000000 both',
    'FREEZE twice, UNFREEZE twice: 000000 each',
    'the same upgradeInstance twice: 000000 both',
    'releaseInstance twice: 000000 both',
  ],
  async run(run) {
    const id = await createInstance(run, 'production');
    const twice = async (step: Step) => {
      await run.succeed({ ...step, label: `${step.label ?? step.handler} (first)` }, { rule: run.rules.repeatable });
      await run.succeed({ ...step, label: `${step.label ?? step.handler} (resent)` }, { rule: run.rules.repeatable });
    };
    await twice(renewal(run, 'production', id, 'RENEWAL'));
    await twice(status('production', id, 'FREEZE'));
    await twice(status('production', id, 'UNFREEZE'));
    if (!run.options.noUpgrade) await twice(upgrade(run, 'production', id));
    await twice(release('production', id, undefined, 'releaseInstance'));
  },
};

const unknownInstance: ConformanceCase = {
  id: `${FAMILY}.any.unknown-instance`,
  family: FAMILY,
  productType: 'any',
  kind: 'lifecycle',
  title: 'calls about an instance that never existed: kgkit answers 000003 (Huawei: "may"), and nothing is created',
  steps: [
    'queryInstance, refreshInstance, updateInstanceStatus, upgradeInstance, changeInstanceCheck of an unknown instanceId: 000003',
    'releaseInstance of it: 000003 or 000000',
    'queryInstance of it afterwards: still 000003',
  ],
  async run(run) {
    const id = `unknown-${run.ids.businessId()}`;
    const rule = run.rules.unknownInstance;
    const step = (s: Step, codes: string[]) => run.expect(s, codes, { rule, stop: false });
    await step(saasStep('production', 'queryInstance', { instanceId: id }), ['000003']);
    await step(renewal(run, 'production', id, 'RENEWAL'), ['000003']);
    await step(status('production', id, 'FREEZE'), ['000003']);
    if (!run.options.noUpgrade) {
      await step(upgrade(run, 'production', id), ['000003']);
      await step(changeCheck(run, 'production', id), ['000003']);
    }
    await step(release('production', id), ['000003', '000000']);
    await step(saasStep('production', 'queryInstance', { instanceId: id }, 'queryInstance afterwards'), ['000003']);
  },
};

const probing = probingCase({
  family: FAMILY,
  productType: 'yearly-monthly',
  alsoSuccess: { newInstance: ['000004'] },
  async savedCases(run) {
    const order = run.ids.order();
    const businessId = run.ids.businessId();
    const id = await createInstance(run, 'debug', order, businessId);
    return [
      saasStep('debug', 'newInstance', { ...order, businessId }),
      saasStep('debug', 'queryInstance', { instanceId: id }),
      renewal(run, 'debug', id, 'RENEWAL'),
      status('debug', id, 'FREEZE'),
      status('debug', id, 'UNFREEZE'),
      ...(run.options.noUpgrade ? [] : [upgrade(run, 'debug', id)]),
      release('debug', id),
    ];
  },
});

const security = securityCases({
  family: FAMILY,
  productType: 'any',
  probeTitle: 'newInstance of a fresh order',
  async probe(run) {
    const order = run.ids.order();
    const businessId = run.ids.businessId();
    return createProbe({
      businessId,
      create: saasStep('production', 'newInstance', { ...order, businessId }),
      query: (instanceId, label) => saasStep('production', 'queryInstance', { instanceId }, label),
      resend: () => saasStep('production', 'newInstance', { ...order, businessId: run.ids.businessId() }, 'newInstance of the refused order, properly signed'),
    });
  },
});

const badInput = badInputCases({
  family: FAMILY,
  productType: 'any',
  optional: { handlers: ['upgradeInstance', 'changeInstanceCheck'], unmet: needsUpgrades },
  async base(run, handler) {
    if (handler === 'newInstance') return saasStep('production', 'newInstance', { ...run.ids.order(), businessId: run.ids.businessId() }).body;
    const instanceId = await createInstance(run, 'production');
    const bodies: Record<string, Step> = {
      queryInstance: saasStep('production', 'queryInstance', { instanceId }),
      refreshInstance: saasStep('production', 'refreshInstance', {
        instanceId,
        ...run.ids.order(),
        scene: 'RENEWAL',
        productId: `PR${run.ids.tag}`,
        expireTime: expireTime(),
      }),
      updateInstanceStatus: status('production', instanceId, 'FREEZE'),
      releaseInstance: release('production', instanceId, run.ids.order()),
      upgradeInstance: upgrade(run, 'production', instanceId),
      changeInstanceCheck: changeCheck(run, 'production', instanceId),
    };
    return bodies[handler]!.body;
  },
  malformed: {
    handler: 'newInstance',
    inputs: [
      { label: 'a body that is not JSON', raw: 'activity=newInstance', request: 'unparseable', judgedAs: '' },
      { label: 'a JSON array', raw: '[]', request: 'violating', judgedAs: '' },
      { label: 'an empty JSON object', body: {}, request: 'violating', judgedAs: '' },
      { label: 'an unknown activity', body: { activity: 'deleteEverything' }, request: 'violating', judgedAs: 'deleteEverything' },
      { label: 'a newInstance without activity', body: { orderId: 'CS1', orderLineId: 'CS1-000001', businessId: 'b1' }, request: 'violating', judgedAs: '' },
      {
        label: 'a 100 KB body',
        body: { activity: 'newInstance', orderId: 'CS1', orderLineId: 'CS1-000001', businessId: 'b1', padding: 'A'.repeat(100_000) },
        request: 'violating',
        judgedAs: 'newInstance',
      },
    ],
  },
});

export const saasV2Cases: ConformanceCase[] = [...lifecycles, resentOrder, repeatedChanges, unknownInstance, probing, ...security, ...badInput];
