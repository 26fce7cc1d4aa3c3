import type { ConformanceCase, Step } from '../case.js';
import { badInputCases } from './bad-input.js';
import { securityCases } from './security.js';

// Order notification (license-kit-openapi.md §E): the marketplace tells the seller an order was paid; the seller looks
// it up with Query Order. Retried for 3 h, so a resend must be answered like the first.

const FAMILY = 'order-notify';

const notify = (order: { orderId: string; orderLineId: string }, label?: string): Step => ({
  handler: 'orderNotify',
  body: { activity: 'orderNotify', ...order, testFlag: '1' },
  ...(label ? { label } : {}),
});

const lifecycle: ConformanceCase = {
  id: `${FAMILY}.any.notify`,
  family: FAMILY,
  productType: 'any',
  kind: 'lifecycle',
  title: 'a paid order is notified: 000000',
  steps: ['orderNotify of a new order (testFlag "1"): 000000'],
  async run(run) {
    await run.succeed(notify(run.ids.order()));
  },
};

const idempotency: ConformanceCase = {
  id: `${FAMILY}.idempotency.resent-notification`,
  family: FAMILY,
  productType: 'any',
  kind: 'idempotency',
  title: 'the same notification resent, also three at once, answers 000000 every time',
  steps: ['orderNotify of a new order: 000000', 'the same notification again: 000000', 'three resends at once: 000000 each'],
  async run(run) {
    const order = run.ids.order();
    await run.succeed(notify(order));
    await run.succeed(notify(order, 'orderNotify (resent)'));
    await Promise.all([1, 2, 3].map((n) => run.succeed(notify(order, `orderNotify (resent at once #${n})`))));
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
      { label: 'an unknown activity', body: { activity: 'newInstance', orderId: 'CS1', orderLineId: 'CS1-000001', testFlag: '1' }, request: 'violating', judgedAs: 'newInstance' },
    ],
  },
});

export const orderNotifyCases: ConformanceCase[] = [lifecycle, idempotency, ...security, ...badInput];
