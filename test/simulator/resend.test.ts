import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SellerAnswer, SellerCall } from '../../src/conformance/call.js';
import { scaledClock, virtualClock } from '../../src/simulator/clock.js';
import { type RunningSimulator, SIMULATOR_AK_SK, startSimulator } from '../../src/simulator/server.js';
import { createSimulator } from '../../src/simulator/simulator.js';
import type { SellerLink } from '../../src/simulator/seller.js';
import { INDEPENDENT_KEYS, type IndependentSeller, startIndependentSeller } from '../support/independent-seller.js';
import { freePort } from '../support/ports.js';
import { DIALECTS } from '../support/stores.js';
import { startKgkitServer } from './kgkit-server.js';

// A create the marketplace sends again for the same order line (its answer was lost, or someone pressed "resend") must
// leave exactly one instance in the simulator's state: the simulator tracks the instance the seller answered and
// reconciles every resend to the order line (src/simulator/creates.ts).
const SELLER = { saasUrl: 'http://seller.invalid/saas', key: 'seller-basic-key-0123' };

/** A seller in memory: `online` answers, `idempotent` answers the first instance of an order line to every create of it. */
function stubSeller(options: { online: boolean; idempotent: boolean }) {
  const made: string[] = [];
  const byLine = new Map<string, string>();
  const answer = (call: SellerCall, json: Record<string, unknown>): SellerAnswer => ({
    request: { method: 'POST', url: SELLER.saasUrl, headers: {}, body: JSON.stringify(call.body) },
    status: 200,
    headers: {},
    text: JSON.stringify(json),
    json,
    durationMs: 1,
  });
  const link: SellerLink = {
    async send(_endpoint, call) {
      if (!options.online)
        return { request: { method: 'POST', url: SELLER.saasUrl, headers: {}, body: '' }, status: 0, headers: {}, text: '', durationMs: 0, error: 'offline' };
      if (call.handler !== 'newInstance') return answer(call, { resultCode: '000000', resultMsg: 'success' });
      const line = `${call.body.orderId}/${call.body.orderLineId}`;
      let instanceId = options.idempotent ? byLine.get(line) : undefined;
      if (!instanceId) {
        instanceId = `inst-${randomUUID()}`;
        made.push(instanceId);
        byLine.set(line, instanceId);
      }
      return answer(call, { resultCode: '000000', resultMsg: 'success', instanceId });
    },
    check: () => [],
  };
  return { link, made, options };
}

const simulatorOn = (seller: ReturnType<typeof stubSeller>) =>
  createSimulator({ seller: SELLER, akSk: SIMULATOR_AK_SK, clock: virtualClock(), link: seller.link });

describe('a resent create, against a seller in memory', () => {
  it('resent-create: an idempotent seller answers the same instance, and the order line has one instance', async () => {
    const seller = stubSeller({ online: true, idempotent: true });
    const simulator = simulatorOn(seller);
    const run = simulator.runScenario('resent-create');
    await simulator.settle();
    expect({ state: run.state, error: run.error }).toEqual({ state: 'done', error: undefined });
    const creates = simulator.model.calls.filter((c) => c.handler === 'newInstance');
    expect(creates.map((c) => [c.state, c.resendOf])).toEqual([
      ['succeeded', undefined],
      ['succeeded', creates[0]!.id],
    ]);
    expect(creates[0]!.body.businessId).not.toBe(creates[1]!.body.businessId);
    expect([...simulator.model.instances.keys()]).toEqual(seller.made);
    expect([...simulator.model.instances.values()][0]!.state).toBe('released');
    expect(run.log.map((l) => l.text)).toContain(
      `the resent newInstance answered the same instance ${seller.made[0]}: one instance for order line ${[...simulator.model.orders.values()][0]!.orderLineId}`,
    );
  });

  it('resent-create: a seller that makes a new instance fails, naming the orphan; the simulator still holds one instance', async () => {
    const seller = stubSeller({ online: true, idempotent: false });
    const simulator = simulatorOn(seller);
    const run = simulator.runScenario('resent-create');
    await simulator.settle();
    expect(seller.made).toHaveLength(2);
    const [orphan, answered] = seller.made as [string, string];
    expect(run.state).toBe('failed');
    expect(run.error).toContain(`answered instance ${answered}, the first ${orphan}: ${orphan} is an orphan the marketplace never learns of`);
    expect(run.error).toContain('the same orderId + orderLineId gets the same instanceId and no new instance');
    expect([...simulator.model.instances.keys()]).toEqual([answered]);
    const resent = simulator.model.calls.find((c) => c.resendOf !== undefined)!;
    expect(resent.attempts.at(-1)!.problems).toEqual([expect.stringContaining(`${orphan} is an orphan`)]);
  });

  it('a failed create resent by hand makes the order line’s instance; a second resend answers it again: still one instance', async () => {
    const seller = stubSeller({ online: false, idempotent: true });
    const simulator = simulatorOn(seller);
    const run = simulator.runScenario('one-time');
    await simulator.settle();
    const order = [...simulator.model.orders.values()][0]!;
    expect({ run: run.state, order: order.state, unsubscribed: order.unsubscribedAt !== undefined, instances: simulator.model.instances.size }).toEqual({
      run: 'failed',
      order: 'failed',
      unsubscribed: true,
      instances: 0,
    });
    const failed = simulator.model.calls.find((c) => c.handler === 'newInstance')!;

    seller.options.online = true;
    const first = await simulator.resend(failed.id);
    expect(first).toMatchObject({ state: 'succeeded', resendOf: failed.id });
    expect(first!.body.businessId).not.toBe(failed.body.businessId);
    expect([...simulator.model.instances.keys()]).toEqual(seller.made);
    expect(order).toMatchObject({ state: 'completed', instanceId: seller.made[0] });
    expect(order.unsubscribedAt).toBeUndefined();

    const second = await simulator.resend(first!.id);
    expect(second).toMatchObject({ state: 'succeeded' });
    expect(second!.attempts.at(-1)!.problems).toEqual([]);
    expect([...simulator.model.instances.keys()]).toEqual(seller.made);
    expect(seller.made).toHaveLength(1);
    expect(run.log.map((l) => l.text).slice(-2)).toEqual([
      `order ${order.orderId}: the resent newInstance (#${first!.id}) made instance ${seller.made[0]}`,
      `order ${order.orderId}: the resent newInstance (#${second!.id}) answered the same instance ${seller.made[0]}`,
    ]);
  });

  it('a resend answered with another instance is refused on the call, and never becomes a second instance', async () => {
    const seller = stubSeller({ online: true, idempotent: false });
    const simulator = simulatorOn(seller);
    await simulator.settle();
    const run = simulator.runScenario('one-time');
    await simulator.settle();
    expect(run.state).toBe('done');
    const create = simulator.model.calls.find((c) => c.handler === 'newInstance')!;
    const again = await simulator.resend(create.id);
    expect(again!.state).toBe('succeeded');
    expect(again!.attempts.at(-1)!.problems).toEqual([
      expect.stringMatching(
        new RegExp(`^answered instance ${seller.made[1]} for order line .*, which is instance ${seller.made[0]} — Huawei: the same orderId`),
      ),
    ]);
    expect([...simulator.model.instances.keys()]).toEqual([seller.made[0]]);
  });
});

// The same against kgkit's own server, on each store: the resent create, with a new businessId, is answered with the
// instance of the first, and both sides hold one instance for the order line.
describe.each(DIALECTS)('a resent create against kgkit’s own server on %s', (dialect) => {
  let simulator: RunningSimulator;
  let server: Awaited<ReturnType<typeof startKgkitServer>>;

  beforeAll(async () => {
    const port = await freePort();
    simulator = await startSimulator({
      seller: { saasUrl: `http://127.0.0.1:${port}/saas`, key: SELLER.key },
      akSk: SIMULATOR_AK_SK,
      clock: scaledClock({ speed: 3000 }),
    });
    server = await startKgkitServer({
      now: Date.now,
      accessKey: SELLER.key,
      akSk: SIMULATOR_AK_SK,
      marketplaceUrl: simulator.url,
      port,
      pushIntervalMs: 60_000,
      dialect,
    });
  });
  afterAll(async () => {
    await simulator?.close();
    await server?.close();
  });

  it('resent-create ends done with exactly one instance, in the simulator and in kgkit', async () => {
    const run = simulator.runScenario('resent-create');
    await simulator.settle();
    expect({ state: run.state, error: run.error }).toEqual({ state: 'done', error: undefined });
    const order = [...simulator.model.orders.values()].find((o) => o.orderType === 'NEW')!;
    const creates = simulator.model.calls.filter((c) => c.handler === 'newInstance');
    expect(creates).toHaveLength(2);
    const answered = creates.map((c) => (JSON.parse(c.attempts.at(-1)!.text) as { instanceId: string }).instanceId);
    expect(answered[1]).toBe(answered[0]);
    expect([...simulator.model.instances.values()].filter((i) => i.orderId === order.orderId).map((i) => i.instanceId)).toEqual([answered[0]]);
    const rows = await server.db.selectFrom('instances').select(['instance_id', 'status']).where('order_id', '=', order.orderId).execute();
    expect(rows).toEqual([{ instance_id: answered[0], status: 'RELEASED' }]);

    // Resent once more by hand, after the release: the same instance again, nothing new on either side.
    const again = await simulator.resend(creates[1]!.id);
    expect(again).toMatchObject({ state: 'succeeded' });
    expect(again!.attempts.at(-1)!.problems).toEqual([]);
    expect(simulator.model.instances.size).toBe(1);
    expect(await server.db.selectFrom('instances').select('instance_id').where('order_id', '=', order.orderId).execute()).toHaveLength(1);
  });
});

// And against a seller kgkit did not write (test/independent-seller/seller.py): a good one answers the same instance;
// its broken switch `new-id-on-resend` makes a new instance for a resend, which the scenario names as the orphan.
describe('a resent create against the independent seller', () => {
  let seller: IndependentSeller | undefined;
  let simulator: RunningSimulator | undefined;
  afterEach(async () => {
    await simulator?.close();
    await seller?.close();
  });

  it.each([
    ['good', [], 'done'],
    ['broken: new-id-on-resend', ['new-id-on-resend'], 'failed'],
  ] as const)(
    '%s',
    async (_, faults, outcome) => {
      seller = await startIndependentSeller('good', [...faults]);
      simulator = await startSimulator({
        seller: { saasUrl: seller.endpoints['saas-v2']!.url, key: INDEPENDENT_KEYS.basic },
        akSk: SIMULATOR_AK_SK,
        clock: scaledClock({ speed: 3000 }),
      });
      const run = simulator.runScenario('resent-create');
      await simulator.settle();
      expect(run.state).toBe(outcome);
      const answered = simulator.model.calls
        .filter((c) => c.handler === 'newInstance')
        .map((c) => (JSON.parse(c.attempts.at(-1)!.text) as { instanceId: string }).instanceId);
      expect(answered).toHaveLength(2);
      expect([...simulator.model.instances.keys()]).toEqual([answered[1]]);
      if (outcome === 'failed') {
        expect(answered[1]).not.toBe(answered[0]);
        expect(run.error).toContain(`${answered[0]} is an orphan the marketplace never learns of`);
      } else expect(answered[1]).toBe(answered[0]);
    },
    30_000,
  );
});
