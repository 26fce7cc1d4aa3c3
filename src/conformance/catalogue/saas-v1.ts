import { type CaseRun, type ConformanceCase, MODES, type Mode, type ProductType, type Step } from '../case.js';
import { expireTime } from '../ids.js';
import { badInputCases } from './bad-input.js';
import { probingCase } from './probing.js';
import { createProbe, lists, securityCases } from './security.js';

// SaaS V1.0 (deprecated, https://support.huaweicloud.com/intl/en-us/accessg-marketplace/en-us_topic_0070649013.html):
// GET with every parameter in the query, authToken + timeStamp, Body-Sign and AES-encrypted credentials on every answer
// (the driver's checks). The V1.0 debug cases: period products "new (period) / renew / expire / release", by-times
// "new (by times) / release", plus on-demand and trial.

const FAMILY = 'saas-v1';

/** V1.0 pages document testFlag "1" (debug) and "0" (production, the default). */
const v1Step = (activity: string, params: Record<string, string>, label?: string, mode: Mode = 'production'): Step => ({
  handler: activity,
  body: { activity, ...params, testFlag: mode === 'debug' ? '1' : '0' },
  ...(label ? { label } : {}),
});

/** Base64 of the JSON array of extension parameters the buyer entered (saasExtendParams). */
const EXTEND_PARAMS = Buffer.from(JSON.stringify([{ name: 'region', value: 'cn-north-4' }]), 'utf8').toString('base64');

function newInstanceParams(run: CaseRun, orderId: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    customerId: run.ids.customer(),
    customerName: 'conformance buyer',
    businessId: run.ids.businessId(),
    orderId,
    productId: `PR${run.ids.tag}`,
    skuCode: `SKU${run.ids.tag}`,
    saasExtendParams: EXTEND_PARAMS,
    ...extra,
  };
}

const PERIOD = (years = 1) => ({ chargingMode: '1', periodType: 'year', periodNumber: '1', orderAmount: '100.00', expireTime: expireTime(years) });

/** newInstance (its answer carries the encrypted appInfo), then queryInstance lists it; the instanceId. */
async function createV1(run: CaseRun, orderId = run.ids.order().orderId, extra: Record<string, string> = PERIOD(), mode: Mode = 'production'): Promise<string> {
  const reply = await run.succeed(v1Step('newInstance', newInstanceParams(run, orderId, extra), undefined, mode), { accept: ['000004'] });
  const instanceId = reply.field('instanceId');
  if (typeof instanceId !== 'string' || instanceId === '')
    run.fail(run.rules.answerFields, `newInstance of ${orderId} answered ${reply.describe()} without an instanceId`);
  const query = await run.succeed(v1Step('queryInstance', { instanceId }, undefined, mode), { attempts: 10, rule: run.rules.listsInstance });
  if (!lists(query, instanceId)) run.fail(run.rules.listsInstance, `queryInstance of ${instanceId} answered 000000 without it in \`info\``);
  return instanceId;
}

const renew = (run: CaseRun, instanceId: string, extra: Record<string, string> = {}, label = 'refreshInstance', mode: Mode = 'production') =>
  v1Step(
    'refreshInstance',
    { instanceId, orderId: run.ids.order().orderId, expireTime: expireTime(2), periodType: 'year', periodNumber: '1', ...extra },
    label,
    mode,
  );

const CREATE =
  'newInstance with the order details (customer, SKU, period, saasExtendParams): 000000 with instanceId and encrypted appInfo; queryInstance lists it';

interface Lifecycle {
  productType: ProductType;
  name: string;
  title: string;
  extra: () => Record<string, string>;
  steps: string[];
  then(run: CaseRun, instanceId: string, orderId: string, mode: Mode): Promise<void>;
}

const LIFECYCLES: Lifecycle[] = [
  {
    productType: 'yearly-monthly',
    name: 'yearly',
    title: 'period product: new, query, renew, expire, renew again, upgrade, release',
    extra: () => PERIOD(),
    steps: [
      CREATE,
      'refreshInstance with a renewal order: 000000',
      'expireInstance (the period ended): 000000',
      'refreshInstance with another renewal order: 000000',
      'upgrade with the new skuCode/productId and linear values: 000000',
      'releaseInstance: 000000',
    ],
    async then(run, id, orderId, mode) {
      await run.succeed(renew(run, id, {}, 'refreshInstance', mode));
      await run.succeed(v1Step('expireInstance', { instanceId: id, orderId }, undefined, mode));
      await run.succeed(renew(run, id, {}, 'refreshInstance after expiry', mode));
      await run.succeed(
        v1Step(
          'upgrade',
          { instanceId: id, orderId: run.ids.order().orderId, skuCode: `SKU2${run.ids.tag}`, productId: `PR2${run.ids.tag}`, amount: '20' },
          undefined,
          mode,
        ),
      );
      await run.succeed(v1Step('releaseInstance', { instanceId: id, orderId }, undefined, mode));
    },
  },
  {
    productType: 'one-time',
    name: 'one-time',
    title: 'by-times product: new, query, release',
    extra: () => ({ chargingMode: '3', orderAmount: '30.00' }),
    steps: [CREATE, 'releaseInstance: 000000'],
    async then(run, id, orderId, mode) {
      await run.succeed(v1Step('releaseInstance', { instanceId: id, orderId }, undefined, mode));
    },
  },
  {
    productType: 'pay-per-use',
    name: 'pay-per-use',
    title: 'on-demand product: new, query, instanceStatus FREEZE and NORMAL, release',
    extra: () => ({}),
    steps: [CREATE, 'instanceStatus FREEZE (arrears), then NORMAL: 000000 each', 'releaseInstance: 000000'],
    async then(run, id, orderId, mode) {
      await run.succeed(v1Step('instanceStatus', { instanceId: id, instanceStatus: 'FREEZE' }, 'instanceStatus FREEZE', mode));
      await run.succeed(v1Step('instanceStatus', { instanceId: id, instanceStatus: 'NORMAL' }, 'instanceStatus NORMAL', mode));
      await run.succeed(v1Step('releaseInstance', { instanceId: id, orderId }, undefined, mode));
    },
  },
  {
    productType: 'trial',
    name: 'trial',
    title: 'trial: new (trialFlag 1), query, convert to formal (trialToFormal 1), release',
    extra: () => ({ ...PERIOD(), trialFlag: '1' }),
    steps: [CREATE, 'refreshInstance with trialToFormal=1 and the conversion order: 000000', 'releaseInstance: 000000'],
    async then(run, id, orderId, mode) {
      await run.succeed(renew(run, id, { trialToFormal: '1' }, 'refreshInstance trialToFormal', mode));
      await run.succeed(v1Step('releaseInstance', { instanceId: id, orderId }, undefined, mode));
    },
  },
];

const lifecycleCases = LIFECYCLES.flatMap((lifecycle) =>
  MODES.map(
    (mode): ConformanceCase => ({
      id: `${FAMILY}.${lifecycle.name}.${mode}`,
      family: FAMILY,
      productType: lifecycle.productType,
      kind: 'lifecycle',
      title: `${lifecycle.title} (${mode === 'debug' ? 'debug calls, testFlag "1"' : 'production calls, testFlag "0"'})`,
      steps: lifecycle.steps,
      async run(run) {
        const { orderId } = run.ids.order();
        await lifecycle.then(run, await createV1(run, orderId, lifecycle.extra(), mode), orderId, mode);
      },
    }),
  ),
);

const idempotency: ConformanceCase = {
  id: `${FAMILY}.idempotency.resent-order`,
  family: FAMILY,
  productType: 'yearly-monthly',
  kind: 'idempotency',
  title: 'the same order resent gets the same instanceId; renewal, expiry and release resent answer success again',
  steps: [
    CREATE,
    'newInstance of the same order with another businessId: the same instanceId',
    'the same refreshInstance twice, expireInstance twice: 000000 each',
    'releaseInstance twice: 000000 both',
  ],
  async run(run) {
    const { orderId } = run.ids.order();
    const first = await createV1(run, orderId);
    const again = await run.succeed(v1Step('newInstance', newInstanceParams(run, orderId, PERIOD()), 'newInstance resent'), { accept: ['000004'] });
    run.check(
      again.field('instanceId') === first,
      run.rules.sameInstance,
      `resent order ${orderId} got instanceId ${String(again.field('instanceId'))}, the first call got ${first}`,
    );
    const renewal = renew(run, first);
    for (const step of [
      renewal,
      renewal,
      v1Step('expireInstance', { instanceId: first, orderId }),
      v1Step('expireInstance', { instanceId: first, orderId }, 'expireInstance resent'),
    ]) {
      await run.succeed(step, { rule: run.rules.repeatable });
    }
    await run.succeed(v1Step('releaseInstance', { instanceId: first, orderId }));
    await run.succeed(v1Step('releaseInstance', { instanceId: first, orderId }, 'releaseInstance resent'), { rule: run.rules.repeatable });
  },
};

const probing = probingCase({
  family: FAMILY,
  productType: 'yearly-monthly',
  alsoSuccess: { newInstance: ['000004'] },
  async savedCases(run) {
    const { orderId } = run.ids.order();
    const params = newInstanceParams(run, orderId, PERIOD());
    const created = await run.succeed(v1Step('newInstance', params, undefined, 'debug'), { accept: ['000004'] });
    const id = String(created.field('instanceId'));
    return [
      v1Step('newInstance', params, undefined, 'debug'),
      v1Step('queryInstance', { instanceId: id }, undefined, 'debug'),
      renew(run, id, {}, 'refreshInstance', 'debug'),
      v1Step('expireInstance', { instanceId: id, orderId }, undefined, 'debug'),
      v1Step('upgrade', { instanceId: id, orderId: run.ids.order().orderId, skuCode: 'SKU2', productId: 'PR2' }, undefined, 'debug'),
      v1Step('releaseInstance', { instanceId: id, orderId }, undefined, 'debug'),
    ];
  },
});

const security = securityCases({
  family: FAMILY,
  productType: 'any',
  probeTitle: 'newInstance of a fresh order',
  async probe(run) {
    const { orderId } = run.ids.order();
    const params = newInstanceParams(run, orderId, PERIOD());
    const businessId = params.businessId!;
    return createProbe({
      businessId,
      create: v1Step('newInstance', params),
      query: (instanceId, label) => v1Step('queryInstance', { instanceId }, label),
      resend: () => v1Step('newInstance', { ...params, businessId: run.ids.businessId() }, 'newInstance of the refused order, properly signed'),
    });
  },
});

const badInput = badInputCases({
  family: FAMILY,
  productType: 'any',
  async base(run, handler) {
    const { orderId } = run.ids.order();
    if (handler === 'newInstance') return v1Step('newInstance', newInstanceParams(run, orderId, { ...PERIOD(), amount: '10' })).body;
    const instanceId = await createV1(run, orderId);
    const bodies: Record<string, Step> = {
      queryInstance: v1Step('queryInstance', { instanceId }),
      refreshInstance: renew(run, instanceId, { productId: 'PR1', orderAmount: '10.00', trialToFormal: '1' }),
      expireInstance: v1Step('expireInstance', { instanceId, orderId }),
      releaseInstance: v1Step('releaseInstance', { instanceId, orderId, orderAmount: '10.00' }),
      upgrade: v1Step('upgrade', {
        instanceId,
        orderId: run.ids.order().orderId,
        skuCode: 'SKU2',
        productId: 'PR2',
        amount: '20',
        diskSize: '100',
        bandWidth: '10',
      }),
      instanceStatus: v1Step('instanceStatus', { instanceId, instanceStatus: 'FREEZE' }),
    };
    return bodies[handler]!.body;
  },
  malformed: {
    handler: 'queryInstance',
    inputs: [
      { label: 'a query without activity', body: { instanceId: 'abc', testFlag: '0' }, request: 'violating', judgedAs: '' },
      { label: 'an unknown activity', body: { activity: 'deleteEverything', testFlag: '0' }, request: 'violating', judgedAs: 'deleteEverything' },
      { label: 'no parameters but the signature', body: {}, request: 'violating', judgedAs: '' },
    ],
  },
});

export const saasV1Cases: ConformanceCase[] = [...lifecycleCases, idempotency, probing, ...security, ...badInput];
