import type { CaseRun, ConformanceCase, Step } from '../case.js';
import { expireTime } from '../ids.js';
import { badInputCases } from './bad-input.js';
import { type Lifecycle, lifecycleCases } from './lifecycle.js';
import { probingCase } from './probing.js';
import { securityCases } from './security.js';

// SaaS V2.0 basic interfaces (saas-v2.md §3): the seller console's debug cases per product type. Every call is a
// debug call (testFlag "1"), like the console's and its probing.

const FAMILY = 'saas-v2';

/** A debug call of `activity` (testFlag "1"). */
const saasStep = (activity: string, fields: Record<string, unknown>, label?: string): Step => ({
  handler: activity,
  body: { activity, ...fields, testFlag: '1' },
  ...(label ? { label } : {}),
});

/** newInstance of a fresh order, then queryInstance until the instance is ready; its instanceId. */
async function createInstance(run: CaseRun, order = run.ids.order(), businessId = run.ids.businessId()): Promise<string> {
  const reply = await run.succeed(saasStep('newInstance', { ...order, businessId }), { accept: ['000004'] });
  const instanceId = reply.field('instanceId');
  if (typeof instanceId !== 'string') run.fail(`newInstance of ${order.orderLineId} answered ${reply.describe()} without an instanceId`);
  await queryListed(run, instanceId);
  return instanceId;
}

/** queryInstance must answer the instance (asked again while it answers 000004, as KooGallery polls). */
async function queryListed(run: CaseRun, instanceId: string): Promise<void> {
  const reply = await run.succeed(saasStep('queryInstance', { instanceId }), { attempts: 10 });
  const info = reply.field('info');
  const listed = Array.isArray(info) && info.some((entry) => (entry as { instanceId?: unknown }).instanceId === instanceId);
  if (!listed) run.fail(`queryInstance of ${instanceId} answered 000000 without it in \`info\` (${JSON.stringify(info ?? null).slice(0, 120)})`);
}

const renewal = (run: CaseRun, instanceId: string, scene: string, years = 1) => saasStep('refreshInstance', { instanceId, ...run.ids.order(), scene, expireTime: expireTime(years) }, `refreshInstance ${scene}`);
const status = (instanceId: string, value: 'FREEZE' | 'UNFREEZE') => saasStep('updateInstanceStatus', { instanceId, status: value }, `updateInstanceStatus ${value}`);
const upgrade = (run: CaseRun, instanceId: string) => saasStep('upgradeInstance', { instanceId, ...run.ids.order() });
const release = (instanceId: string, order?: { orderId: string; orderLineId: string }, label?: string) => saasStep('releaseInstance', { instanceId, ...order }, label);

const CREATE = 'newInstance of a new order: 000000 (or 000004, then queryInstance until ready) with an instanceId; queryInstance lists it';

const LIFECYCLES: Lifecycle[] = [
  {
    productType: 'yearly-monthly',
    name: 'yearly',
    title: 'yearly/monthly product: create, query, renew, freeze, unfreeze, renewal change, upgrade, cancel renewal, release',
    steps: [
      CREATE,
      'refreshInstance RENEWAL with a renewal order and a new expireTime: 000000',
      'updateInstanceStatus FREEZE, then UNFREEZE: 000000 each',
      'changeInstanceCheck with the target productInfo: 000000 (allowed) or 000100 (refused)',
      'when allowed, refreshInstance RENEWAL_CHANGE with the change order: 000000',
      'upgradeInstance with an upgrade order: 000000',
      'refreshInstance UNSUBSCRIBE_RENEWAL_PERIOD: 000000',
      'releaseInstance with the unsubscribe order: 000000',
    ],
    async then(run, id) {
      await run.succeed(renewal(run, id, 'RENEWAL'));
      await run.succeed(status(id, 'FREEZE'));
      await run.succeed(status(id, 'UNFREEZE'));
      const check = await run.expect(saasStep('changeInstanceCheck', { instanceId: id, productInfo: { skuCode: `SKU${run.ids.tag}`, productId: `PR${run.ids.tag}`, linearValue: '10' } }), ['000000', '000100']);
      if (check.code === '000000') await run.succeed(renewal(run, id, 'RENEWAL_CHANGE', 2));
      await run.succeed(upgrade(run, id));
      await run.succeed(renewal(run, id, 'UNSUBSCRIBE_RENEWAL_PERIOD'));
      await run.succeed(release(id, run.ids.order()));
    },
  },
  {
    productType: 'one-time',
    name: 'one-time',
    title: 'one-time product: create, query, upgrade, release',
    steps: [CREATE, 'upgradeInstance with an upgrade order: 000000', 'releaseInstance: 000000'],
    async then(run, id) {
      await run.succeed(upgrade(run, id));
      await run.succeed(release(id));
    },
  },
  {
    productType: 'pay-per-use',
    name: 'pay-per-use',
    title: 'pay-per-use product: create, query, freeze on arrears, unfreeze, release',
    steps: [CREATE, 'updateInstanceStatus FREEZE (arrears), then UNFREEZE (topped up): 000000 each', 'queryInstance: 000000 (usageInfo allowed)', 'releaseInstance: 000000'],
    async then(run, id) {
      await run.succeed(status(id, 'FREEZE'));
      await run.succeed(status(id, 'UNFREEZE'));
      await queryListed(run, id);
      await run.succeed(release(id));
    },
  },
  {
    productType: 'package',
    name: 'package',
    title: 'pay-per-use package: create, query, renew the package, release',
    steps: [CREATE, 'refreshInstance RENEWAL of the package: 000000', 'releaseInstance: 000000'],
    async then(run, id) {
      await run.succeed(renewal(run, id, 'RENEWAL'));
      await run.succeed(release(id));
    },
  },
  {
    productType: 'trial',
    name: 'trial',
    title: 'trial: create, query, freeze at trial end, convert to formal, unfreeze, release',
    steps: [CREATE, 'updateInstanceStatus FREEZE (trial ended): 000000', 'refreshInstance TRIAL_TO_FORMAL with the conversion order: 000000', 'updateInstanceStatus UNFREEZE: 000000', 'releaseInstance: 000000'],
    async then(run, id) {
      await run.succeed(status(id, 'FREEZE'));
      await run.succeed(renewal(run, id, 'TRIAL_TO_FORMAL'));
      await run.succeed(status(id, 'UNFREEZE'));
      await run.succeed(release(id));
    },
  },
];

const lifecycles = lifecycleCases(FAMILY, LIFECYCLES, (run) => createInstance(run));

const resentOrder: ConformanceCase = {
  id: `${FAMILY}.idempotency.resent-order`,
  family: FAMILY,
  productType: 'any',
  kind: 'idempotency',
  title: 'the same order resent (new businessId each time, three at once too) gets the same instanceId',
  steps: ['newInstance of a new order', 'the marketplace resends it with another businessId: the same instanceId', 'three resends at once: the same instanceId each', 'queryInstance lists that one instance'],
  async run(run) {
    const order = run.ids.order();
    const first = await createInstance(run, order);
    const resend = async (label: string) => {
      const reply = await run.succeed(saasStep('newInstance', { ...order, businessId: run.ids.businessId() }, label), { accept: ['000004'] });
      const got = reply.field('instanceId');
      run.check(got === first, `resent order ${order.orderLineId} got instanceId ${String(got)}, first call got ${first}`);
    };
    await resend('newInstance resent');
    await Promise.all([1, 2, 3].map((n) => resend(`newInstance resent at once #${n}`)));
    await queryListed(run, first);
  },
};

const repeatedChanges: ConformanceCase = {
  id: `${FAMILY}.idempotency.repeated-changes`,
  family: FAMILY,
  productType: 'yearly-monthly',
  kind: 'idempotency',
  title: 'every change resent answers success again: renewal, freeze, unfreeze, upgrade, release twice',
  steps: [CREATE, 'the same refreshInstance twice: 000000 both', 'FREEZE twice, UNFREEZE twice: 000000 each', 'the same upgradeInstance twice: 000000 both', 'releaseInstance twice: 000000 both'],
  async run(run) {
    const id = await createInstance(run);
    const twice = async (step: Step) => {
      await run.succeed({ ...step, label: `${step.label ?? step.handler} (first)` });
      await run.succeed({ ...step, label: `${step.label ?? step.handler} (resent)` });
    };
    await twice(renewal(run, id, 'RENEWAL'));
    await twice(status(id, 'FREEZE'));
    await twice(status(id, 'UNFREEZE'));
    await twice(upgrade(run, id));
    await twice(release(id, undefined, 'releaseInstance'));
  },
};

const unknownInstance: ConformanceCase = {
  id: `${FAMILY}.any.unknown-instance`,
  family: FAMILY,
  productType: 'any',
  kind: 'lifecycle',
  title: 'calls about an instance that never existed answer 000003 and create nothing',
  steps: [
    'queryInstance, refreshInstance, updateInstanceStatus, upgradeInstance, changeInstanceCheck of an unknown instanceId: 000003',
    'releaseInstance of it: 000003 or 000000',
    'queryInstance of it afterwards: still 000003',
  ],
  async run(run) {
    const id = `unknown-${run.ids.businessId()}`;
    await run.expect(saasStep('queryInstance', { instanceId: id }), ['000003'], { stop: false });
    await run.expect(renewal(run, id, 'RENEWAL'), ['000003'], { stop: false });
    await run.expect(status(id, 'FREEZE'), ['000003'], { stop: false });
    await run.expect(upgrade(run, id), ['000003'], { stop: false });
    await run.expect(saasStep('changeInstanceCheck', { instanceId: id, productInfo: { skuCode: 'SKU1' } }), ['000003'], { stop: false });
    await run.expect(release(id), ['000003', '000000'], { stop: false });
    await run.expect(saasStep('queryInstance', { instanceId: id }, 'queryInstance afterwards'), ['000003'], { stop: false });
  },
};

const probing = probingCase({
  family: FAMILY,
  productType: 'yearly-monthly',
  alsoSuccess: { newInstance: ['000004'] },
  async savedCases(run) {
    const order = run.ids.order();
    const businessId = run.ids.businessId();
    const id = await createInstance(run, order, businessId);
    return [
      saasStep('newInstance', { ...order, businessId }),
      saasStep('queryInstance', { instanceId: id }),
      renewal(run, id, 'RENEWAL'),
      status(id, 'FREEZE'),
      status(id, 'UNFREEZE'),
      upgrade(run, id),
      release(id),
    ];
  },
});

/** A query that must not find `instanceId`: 000003, or an answer whose `info` does not list it. */
export async function expectNotFound(run: CaseRun, step: Step, instanceId: string, what: string): Promise<void> {
  const reply = await run.send(step);
  const info = reply.field('info');
  const listed = Array.isArray(info) && info.some((entry) => (entry as { instanceId?: unknown }).instanceId === instanceId);
  if (reply.code === '000004' || listed) run.fail(`${what} created instance ${instanceId}: a later queryInstance answered ${reply.describe()}${listed ? ' and lists it' : ''}`);
}

const security = securityCases({
  family: FAMILY,
  productType: 'any',
  probeTitle: 'newInstance of a fresh order',
  async probe(run) {
    const order = run.ids.order();
    const businessId = run.ids.businessId();
    return {
      step: saasStep('newInstance', { ...order, businessId }),
      async nothingCreated(run) {
        await expectNotFound(run, saasStep('queryInstance', { instanceId: businessId }, 'queryInstance of the refused businessId'), businessId, 'the refused newInstance');
        const reply = await run.succeed(saasStep('newInstance', { ...order, businessId: run.ids.businessId() }, 'newInstance of the same order, properly signed'), { accept: ['000004'] });
        run.check(reply.field('instanceId') !== businessId, `the refused newInstance created instance ${businessId}: the order's proper newInstance answered it`);
      },
    };
  },
});

const badInput = badInputCases({
  family: FAMILY,
  productType: 'any',
  async base(run, handler) {
    if (handler === 'newInstance') return saasStep('newInstance', { ...run.ids.order(), businessId: run.ids.businessId() }).body;
    const instanceId = await createInstance(run);
    const bodies: Record<string, Step> = {
      queryInstance: saasStep('queryInstance', { instanceId }),
      refreshInstance: saasStep('refreshInstance', { instanceId, ...run.ids.order(), scene: 'RENEWAL', productId: `PR${run.ids.tag}`, expireTime: expireTime() }),
      updateInstanceStatus: status(instanceId, 'FREEZE'),
      releaseInstance: release(instanceId, run.ids.order()),
      upgradeInstance: upgrade(run, instanceId),
      changeInstanceCheck: saasStep('changeInstanceCheck', { instanceId, productInfo: { skuCode: 'SKU1', productId: 'PR1', linearValue: '10' } }),
    };
    return bodies[handler]!.body;
  },
  malformed: {
    handler: 'newInstance',
    inputs: [
      { label: 'a body that is not JSON', raw: 'activity=newInstance', request: 'unparseable', judgedAs: '' },
      { label: 'a JSON array', raw: '[]', request: 'violating', judgedAs: '' },
      { label: 'an empty JSON object', body: {}, request: 'violating', judgedAs: '' },
      { label: 'an unknown activity', body: { activity: 'deleteEverything', testFlag: '1' }, request: 'violating', judgedAs: 'deleteEverything' },
      { label: 'a newInstance without activity', body: { orderId: 'CS1', orderLineId: 'CS1-000001', businessId: 'b1', testFlag: '1' }, request: 'violating', judgedAs: '' },
      { label: 'a 100 KB body', body: { activity: 'newInstance', orderId: 'CS1', orderLineId: 'CS1-000001', businessId: 'b1', testFlag: '1', padding: 'A'.repeat(100_000) }, request: 'violating', judgedAs: 'newInstance' },
    ],
  },
});

export const saasV2Cases: ConformanceCase[] = [...lifecycles, resentOrder, repeatedChanges, unknownInstance, probing, ...security, ...badInput];
