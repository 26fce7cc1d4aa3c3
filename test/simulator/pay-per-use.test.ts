import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scaledClock } from '../../src/simulator/clock.js';
import type { SimInstance } from '../../src/simulator/model.js';
import { type RunningSimulator, SIMULATOR_AK_SK, startSimulator } from '../../src/simulator/server.js';
import { freePort } from '../support/ports.js';
import { NO_CHROMIUM, findChromium, pngSize, screenshot } from './browser.js';
import { startKgkitServer } from './kgkit-server.js';

// Issue 5's done-when: `kgkit simulate` runs a pay-per-use purchase end to end against kgkit's own server. Both run in
// this process on real ports and share one clock running 120× real time, started three minutes before an hour: the
// usage window the test records into closes (plus kgkit's 5-minute grace) about 4 real seconds later.
const SPEED = 120;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const START = Math.ceil(Date.now() / HOUR) * HOUR - 3 * MINUTE;
const ACCESS_KEY = 'simulator-basic-key-0123456789';

const waitFor = async <T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

describe('kgkit simulate: a pay-per-use purchase against kgkit’s own server', () => {
  const clock = scaledClock({ speed: SPEED, start: START });
  const tolerance = 15 * MINUTE; // of compressed time: 7.5 real seconds
  let simulator: RunningSimulator;
  let server: Awaited<ReturnType<typeof startKgkitServer>>;
  let instance: SimInstance;

  beforeAll(async () => {
    const serverPort = await freePort();
    simulator = await startSimulator({
      seller: { saasUrl: `http://127.0.0.1:${serverPort}/saas`, key: ACCESS_KEY },
      akSk: SIMULATOR_AK_SK,
      clock,
      wallNow: clock.now,
      clockToleranceMs: { usagePush: tolerance, apig: tolerance },
      stepGapMs: MINUTE,
      waitMs: HOUR,
      sdrDelayMs: 2 * MINUTE,
    });
    server = await startKgkitServer({
      now: clock.now,
      accessKey: ACCESS_KEY,
      akSk: SIMULATOR_AK_SK,
      marketplaceUrl: simulator.url,
      port: serverPort,
      pushIntervalMs: 200,
    });
  });
  afterAll(async () => {
    await simulator?.close();
    await server?.close();
  });

  it('creates the order, calls newInstance; kgkit looks the order up; usage is pushed and valid; queryInstance shows it; release', async () => {
    const run = simulator.runScenario('pay-per-use');
    instance = await waitFor('the instance', () => [...simulator.model.instances.values()][0]);
    const order = simulator.model.orders.get(instance.orderId)!;
    expect(order).toMatchObject({ orderType: 'NEW', chargingMode: 'ON_DEMAND', state: 'completed', instanceId: instance.instanceId });

    // The seller's product records usage with kgkit's API, at once (the hour it falls in closes a few minutes of
    // compressed time later); kgkit seals the hour and pushes it to the simulator.
    const recorded = await server.api('usage-events', {
      events: [{ eventId: 'sim-e1', instanceId: instance.instanceId, quantity: '12.5', occurredAt: new Date(clock.now()).toISOString() }],
    });
    expect(recorded).toMatchObject({ resultCode: '000000', results: [{ status: 'recorded' }] });

    // kgkit looked the order up on the simulator (Query Order, APIG-signed) and kept it.
    const lookup = await waitFor('the order lookup', async () => {
      const answer = (await server.api(`order-lookups?orderId=${order.orderId}`)) as {
        lookups?: { state: string; instanceId?: string; order?: { chargingMode?: string; productId?: string } }[];
      };
      return answer.lookups?.find((l) => l.state === 'found');
    });
    expect(lookup).toMatchObject({ instanceId: instance.instanceId, order: { chargingMode: 'ON_DEMAND', productId: order.productId } });
    expect(simulator.marketplace.state.requests.some((r) => r.operationId === 'queryOrder' && r.code === 'MKT.0000')).toBe(true);

    await waitFor('the end of the run', () => (run.state === 'running' ? undefined : run), 25_000);
    expect({ state: run.state, error: run.error }).toEqual({ state: 'done', error: undefined });

    const usage = [...simulator.marketplace.state.usage.values()].filter((u) => u.record.instance_id === instance.instanceId);
    expect(usage.map((u) => [u.record.usage_value, u.sdr])).toEqual([['12.5', { state: 'valid' }]]);
    expect((instance.info as { usageInfo?: { usageValue: number }[] }).usageInfo).toEqual([expect.objectContaining({ usageValue: 12.5 })]);
    expect(instance.state).toBe('released');

    const calls = simulator.model.callsOf(run.id);
    expect(calls.map((c) => `${c.handler}:${c.state}`)).toEqual([
      'newInstance:succeeded',
      'queryInstance:succeeded',
      'queryInstance:succeeded',
      'releaseInstance:succeeded',
    ]);
    expect(calls.flatMap((c) => c.attempts.flatMap((a) => a.problems))).toEqual([]);
    expect(simulator.marketplace.state.violations).toEqual([]);
  }, 40_000);

  const chromium = findChromium();
  it.skipIf(!chromium)(
    chromium ? 'the page shows the order, the instance, the calls and the valid usage record (screenshot)' : `the page screenshot — skipped: ${NO_CHROMIUM}`,
    async () => {
      const sn = [...simulator.marketplace.state.usage.keys()][0]!;
      const shot = await screenshot(chromium!, `${simulator.url}/`, [
        `#instances tr[data-instance="${instance.instanceId}"] .badge.released`,
        `#usage tr[data-sn="${sn}"] .badge.valid`,
        '#calls tr[data-call] .badge.succeeded',
        '.run .badge.done',
      ]);
      const size = pngSize(shot.png);
      expect(size).toBeDefined();
      expect(size!.width).toBeGreaterThanOrEqual(1000);
      expect(size!.height).toBeGreaterThan(600);
      expect(shot.png.length).toBeGreaterThan(20_000);
      expect(shot.text).toContain(instance.instanceId);
      expect(shot.text).toContain('releaseInstance');
      expect(shot.text).toMatch(/queryInstance shows usage 12\.5/);
      if (process.env.KEEP_SCREENSHOT) console.log(`screenshot: ${shot.path}`);
    },
    30_000,
  );
});
