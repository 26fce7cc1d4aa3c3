import { type ConformanceCase, MODES, type Mode, type Step } from '../case.js';
import { badInputCases } from './bad-input.js';
import { securityCases } from './security.js';

// Order notification (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0000002091799149.html): the
// marketplace tells the seller an order was paid; the seller looks it up with Query Order. Retried for 3 h, so a resend
// must be answered like the first.

const FAMILY = 'order-notify';

/** testFlag is mandatory here: "1" for a debug call, "0" for a production one. */
const notify = (order: { orderId: string; orderLineId: string }, label?: string, mode: Mode = 'production'): Step => ({
  handler: 'orderNotify',
  body: { activity: 'orderNotify', ...order, testFlag: mode === 'debug' ? '1' : '0' },
  ...(label ? { label } : {}),
});

const lifecycles = MODES.map(
  (mode): ConformanceCase => ({
    id: `${FAMILY}.any.${mode}`,
    family: FAMILY,
    productType: 'any',
    kind: 'lifecycle',
    title: `a paid order is notified: 000000 (${mode === 'debug' ? 'debug call, testFlag "1"' : 'production call, testFlag "0"'})`,
    steps: [`orderNotify of a new order (testFlag "${mode === 'debug' ? '1' : '0'}"): 000000`],
    async run(run) {
      await run.succeed(notify(run.ids.order(), undefined, mode));
    },
  }),
);

const idempotency: ConformanceCase = {
  id: `${FAMILY}.idempotency.resent-notification`,
  family: FAMILY,
  productType: 'any',
  kind: 'idempotency',
  title: 'the same notification resent, also three at once, answers 000000 every time',
  steps: ['orderNotify of a new order: 000000', 'the same notification again: 000000', 'three resends at once: 000000 each'],
  async run(run) {
    const order = run.ids.order();
    const again = { rule: run.rules.repeatable };
    await run.succeed(notify(order));
    await run.succeed(notify(order, 'orderNotify (resent)'), again);
    await Promise.all([1, 2, 3].map((n) => run.succeed(notify(order, `orderNotify (resent at once #${n})`), again)));
  },
};

const security = securityCases({
  family: FAMILY,
  productType: 'any',
  probeTitle: 'orderNotify of a fresh order',
  async probe(run) {
    return { step: notify(run.ids.order()) };
  },
});

const badInput = badInputCases({
  family: FAMILY,
  productType: 'any',
  async base(run) {
    return notify(run.ids.order()).body;
  },
  malformed: {
    handler: 'orderNotify',
    inputs: [
      { label: 'a body that is not JSON', raw: 'activity=orderNotify', request: 'unparseable', judgedAs: '' },
      { label: 'a JSON array', raw: '[]', request: 'violating', judgedAs: '' },
      { label: 'an empty JSON object', body: {}, request: 'violating', judgedAs: '' },
      {
        label: 'an unknown activity',
        body: { activity: 'newInstance', orderId: 'CS1', orderLineId: 'CS1-000001', testFlag: '0' },
        request: 'violating',
        judgedAs: 'newInstance',
      },
    ],
  },
});

export const orderNotifyCases: ConformanceCase[] = [...lifecycles, idempotency, ...security, ...badInput];
