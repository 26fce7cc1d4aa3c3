import { describe, expect, it } from 'vitest';
import type { SellerAnswer, SellerCall } from '../../src/conformance/driver.js';
import { virtualClock } from '../../src/simulator/clock.js';
import type { SimCall } from '../../src/simulator/model.js';
import { retryPlanOf } from '../../src/simulator/retry-schedule.js';
import { SIMULATOR_AK_SK } from '../../src/simulator/server.js';
import type { SellerLink } from '../../src/simulator/seller.js';
import { createSimulator } from '../../src/simulator/simulator.js';

// The marketplace's retry schedule (docs/decisions.md#marketplace-retries), on a virtual clock: time jumps from one attempt to the
// next, so three hours of hourly retries take milliseconds and every attempt lands exactly on its minute. The seller
// is a stand-in answering from a script: `000005` (or no answer, or an answer outside the contract) is a failure.
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

type Reply = { code?: string; status?: number; problems?: string[]; body?: Record<string, unknown> };
/** Answers the n-th call (1-based, per handler) of `handler`; everything not scripted succeeds. */
type Script = (handler: string, n: number, call: SellerCall) => Reply | undefined;

function scriptedLink(script: Script): SellerLink & { sent: SellerCall[] } {
  const counts = new Map<string, number>();
  const sent: SellerCall[] = [];
  return {
    sent,
    async send(endpoint, call): Promise<SellerAnswer> {
      sent.push(call);
      const n = (counts.get(call.handler) ?? 0) + 1;
      counts.set(call.handler, n);
      const reply = script(call.handler, n, call) ?? {};
      const request = { method: 'POST', url: endpoint.url, headers: {}, body: JSON.stringify(call.body) };
      if (reply.status === 0) return { request, status: 0, headers: {}, text: '', durationMs: 5000, error: 'no answer within 5000 ms' };
      const json = {
        resultCode: reply.code ?? '000000',
        resultMsg: 'scripted',
        ...(call.handler === 'newInstance' ? { instanceId: `inst-${sent.length}` } : {}),
        ...reply.body,
      };
      return { request, status: reply.status ?? 200, headers: { 'content-type': 'application/json' }, text: JSON.stringify(json), json, durationMs: 3 };
    },
    check: (_endpoint, call) => script(call.handler, counts.get(call.handler) ?? 0, call)?.problems ?? [],
  };
}

function simulatorWith(script: Script) {
  const clock = virtualClock();
  const link = scriptedLink(script);
  const base = 'http://seller.invalid';
  const simulator = createSimulator({
    seller: {
      saasUrl: `${base}/saas`,
      key: 'scripted-key-0123',
      saasV1Url: `${base}/saas-v1`,
      licenseCodeUrl: `${base}/license-code`,
      onlineLicenseUrl: `${base}/license`,
      orderNotifyUrl: `${base}/order-notify`,
    },
    akSk: SIMULATOR_AK_SK,
    clock,
    link,
    waitMs: 10 * MINUTE,
  });
  const offsets = (call: SimCall) => call.attempts.map((a) => a.at - call.attempts[0]!.at);
  const callOf = (run: string, handler: string) => simulator.model.callsOf(run).find((c) => c.handler === handler)!;
  return { simulator, clock, link, offsets, callOf };
}

const everyMinutes = (count: number, minutes: number) => Array.from({ length: count }, (_, i) => i * minutes * MINUTE);

describe('the retry schedule', () => {
  it.each([
    ['saas-v2', 'newInstance', HOUR, 3, 'order-failed'],
    ['saas-v2', 'upgradeInstance', HOUR, 3, 'order-failed'],
    ['saas-v1', 'upgrade', HOUR, 3, 'order-failed'],
    ['saas-v2', 'refreshInstance', HOUR, 1, 'call-failed'],
    ['saas-v2', 'updateInstanceStatus', HOUR, 1, 'call-failed'],
    ['saas-v2', 'releaseInstance', HOUR, 1, 'call-failed'],
    ['saas-v1', 'expireInstance', HOUR, 1, 'call-failed'],
    ['saas-v2', 'queryInstance', 0, 0, 'call-failed'],
    ['online-license', 'newInstance', 2 * MINUTE, 60, 'order-failed'],
    ['online-license', 'refreshInstance', 2 * MINUTE, 60, 'call-failed'],
    ['online-license', 'getLicenseAsync', 2 * MINUTE, 60, 'call-failed'],
    ['license-code', 'releaseLicenseCode', 2 * MINUTE, 60, 'call-failed'],
    ['order-notify', 'orderNotify', HOUR, 3, 'call-failed'],
    ['kit-v2', 'tenantSync', 0, 0, 'call-failed'],
    ['kit-v1', 'authSync', 0, 0, 'call-failed'],
  ] as const)('%s %s: every %d ms, %d retries, then %s', (family, handler, everyMs, retries, exhausted) => {
    expect(retryPlanOf(family, handler)).toMatchObject({ everyMs, retries, exhausted });
  });

  it('newInstance that keeps failing: hourly for 3 h (4 attempts, a new businessId each), then the order fails and is unsubscribed', async () => {
    const { simulator, offsets, callOf } = simulatorWith((handler) => (handler === 'newInstance' ? { code: '000005' } : undefined));
    const run = simulator.runScenario('one-time');
    await simulator.settle();
    const create = callOf(run.id, 'newInstance');
    expect(offsets(create)).toEqual([0, HOUR, 2 * HOUR, 3 * HOUR]);
    expect(new Set(create.attempts.map((a) => JSON.parse(a.request.body).businessId)).size).toBe(4);
    expect(create).toMatchObject({ state: 'failed', failure: 'resultCode 000005' });
    const order = [...simulator.model.orders.values()][0]!;
    expect(order).toMatchObject({ state: 'failed', unsubscribedAt: create.attempts[0]!.at + 3 * HOUR });
    expect(run).toMatchObject({ state: 'failed', error: 'newInstance failed: resultCode 000005' });
    expect(simulator.model.instances.size).toBe(0);
  });

  it('a seller that recovers: no answer, then HTTP 500, then success — the order completes at the third attempt', async () => {
    const { simulator, offsets, callOf } = simulatorWith((handler, n) =>
      handler !== 'newInstance' ? undefined : n === 1 ? { status: 0 } : n === 2 ? { status: 500 } : undefined,
    );
    const run = simulator.runScenario('one-time');
    await simulator.settle();
    const create = callOf(run.id, 'newInstance');
    expect(offsets(create)).toEqual([0, HOUR, 2 * HOUR]);
    expect(create.attempts.map((a) => a.ok)).toEqual([false, false, true]);
    expect(create.attempts[0]!.error).toBe('no answer within 5000 ms');
    expect(run.state).toBe('done');
    expect([...simulator.model.orders.values()].map((o) => o.state)).toEqual(['completed']);
  });

  it('an answer outside the contract is a failure even with 000000', async () => {
    const { simulator, callOf } = simulatorWith((handler, n) =>
      handler === 'newInstance' && n === 1 ? { problems: ['body has an undeclared field "extra"'] } : undefined,
    );
    const run = simulator.runScenario('one-time');
    await simulator.settle();
    const create = callOf(run.id, 'newInstance');
    expect(create.attempts.map((a) => [a.resultCode, a.ok, a.problems])).toEqual([
      ['000000', false, ['body has an undeclared field "extra"']],
      ['000000', true, []],
    ]);
  });

  it('newInstance answering 000004: queryInstance is asked every 5 minutes until the instance is ready', async () => {
    const { simulator, offsets, callOf } = simulatorWith((handler, n) =>
      handler === 'newInstance' ? { code: '000004' } : handler === 'queryInstance' && n <= 3 ? { code: '000004' } : undefined,
    );
    const run = simulator.runScenario('one-time');
    await simulator.settle();
    expect(offsets(callOf(run.id, 'queryInstance'))).toEqual(everyMinutes(4, 5));
    expect(run.state).toBe('done');
  });

  it('a refresh that fails: once more after 1 h, then the call and its renewal order fail (no unsubscription)', async () => {
    const { simulator, offsets, callOf } = simulatorWith((handler) => (handler === 'refreshInstance' ? { code: '000005' } : undefined));
    const run = simulator.runScenario('yearly');
    await simulator.settle();
    expect(offsets(callOf(run.id, 'refreshInstance'))).toEqual([0, HOUR]);
    const renewal = [...simulator.model.orders.values()].find((o) => o.orderType === 'RENEW')!;
    expect(renewal.state).toBe('failed');
    expect(renewal.unsubscribedAt).toBeUndefined();
    expect(run).toMatchObject({ state: 'failed', error: 'refreshInstance failed: resultCode 000005' });
  });

  it('online License newInstance: every 2 minutes for 2 hours (61 attempts), the order unsubscribed 3 hours after the first', async () => {
    const { simulator, offsets, callOf } = simulatorWith((handler) => (handler === 'newInstance' ? { code: '000005' } : undefined));
    const run = simulator.runScenario('online-license');
    await simulator.settle();
    const create = callOf(run.id, 'newInstance');
    expect(offsets(create)).toEqual(everyMinutes(61, 2));
    const order = [...simulator.model.orders.values()][0]!;
    expect(order.unsubscribedAt! - create.attempts[0]!.at).toBe(3 * HOUR);
  });

  it('license codes: 60 more times, every 2 minutes', async () => {
    const { simulator, offsets, callOf } = simulatorWith((handler) => (handler === 'refreshLicenseCode' ? { code: '000005' } : undefined));
    const run = simulator.runScenario('license-code');
    await simulator.settle();
    expect(offsets(callOf(run.id, 'refreshLicenseCode'))).toEqual(everyMinutes(61, 2));
  });

  it('orderNotify: hourly for 3 hours', async () => {
    const { simulator, offsets, callOf } = simulatorWith((handler) => (handler === 'orderNotify' ? { code: '000005' } : undefined));
    const run = simulator.runScenario('order-notify');
    await simulator.settle();
    expect(offsets(callOf(run.id, 'orderNotify'))).toEqual(everyMinutes(4, 60));
  });

  it('Kit syncs are not retried; the buyer resends by hand, and the resend succeeds', async () => {
    const { simulator, callOf } = simulatorWith((handler, n) => (handler === 'tenantSync' && n === 1 ? { code: '000005' } : undefined));
    const run = simulator.runScenario('joint-op');
    await simulator.settle();
    const sync = callOf(run.id, 'tenantSync');
    expect(sync.attempts).toHaveLength(1);
    expect(run).toMatchObject({ state: 'failed', error: 'tenantSync failed: resultCode 000005' });
    const resent = await simulator.resend(sync.id);
    expect(resent).toMatchObject({ handler: 'tenantSync', state: 'succeeded', resendOf: sync.id, body: sync.body });
  });

  it('stopping the simulator ends the waits at once: the pending retry is marked failed', async () => {
    const { simulator, clock, callOf } = simulatorWith((handler) => (handler === 'newInstance' ? { code: '000005' } : undefined));
    const run = simulator.runScenario('one-time');
    while (clock.waiting === 0) await new Promise((resolve) => setImmediate(resolve));
    await simulator.stop();
    expect(run.state).toBe('stopped');
    expect(callOf(run.id, 'newInstance')).toMatchObject({ state: 'failed', failure: expect.stringContaining('stopped') });
  });
});
