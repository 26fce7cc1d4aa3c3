import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scaledClock } from '../../src/simulator/clock.js';
import type { Snapshot } from '../../src/simulator/snapshot.js';
import { type RunningSimulator, SIMULATOR_AK_SK, startSimulator } from '../../src/simulator/server.js';
import { freePort } from '../support/ports.js';
import { DIALECTS } from '../support/stores.js';
import { NO_CHROMIUM, findChromium, pngSize, screenshot } from './browser.js';
import { KGKIT_API_TOKEN, startKgkitServer } from './kgkit-server.js';

// `kgkit simulate` runs a pay-per-use purchase end to end against kgkit's own server, as with a seller started by
// `make serve`: the seller on real time, the marketplace's schedule 600× faster (a 5-minute step is half a second). The
// simulator plays the seller's product on kgkit's API (its token given): it records usage, kgkit seals it now
// (docs/decisions.md#25) and pushes it to the simulator, which checks each record into an SDR state; the scenario
// checks the records, the pushes and the seller's view of them. kgkit's own push loop is set to an hour, so what
// arrives was pushed by the seal.
const ACCESS_KEY = 'simulator-basic-key-0123456789';
type InstanceView = Snapshot['instances'][number];

describe.each(DIALECTS)('kgkit simulate: pay-per-use against kgkit’s own server on %s', (dialect) => {
  let simulator: RunningSimulator;
  let server: Awaited<ReturnType<typeof startKgkitServer>>;
  let instance: InstanceView;

  beforeAll(async () => {
    const serverPort = await freePort();
    simulator = await startSimulator({
      seller: { saasUrl: `http://127.0.0.1:${serverPort}/saas`, key: ACCESS_KEY, apiToken: KGKIT_API_TOKEN },
      akSk: SIMULATOR_AK_SK,
      clock: scaledClock({ speed: 600 }),
    });
    server = await startKgkitServer({
      now: Date.now,
      accessKey: ACCESS_KEY,
      akSk: SIMULATOR_AK_SK,
      marketplaceUrl: simulator.url,
      port: serverPort,
      pushIntervalMs: 3_600_000,
      dialect,
    });
  });
  afterAll(async () => {
    await simulator?.close();
    await server?.close();
  });

  it('buys, records usage, seals it now; the records arrive valid, carry the usage, are shown sent; queryInstance agrees; release', async () => {
    const run = simulator.runScenario('pay-per-use');
    await simulator.settle();
    expect({ state: run.state, error: run.error }).toEqual({ state: 'done', error: undefined });

    const state = (await (await simulator.app.request('/simulator/state')).json()) as Snapshot;
    expect(state.product).toEqual({ url: `${new URL('/kgkit/v1/', server.url).href}` });
    expect(JSON.stringify(state)).not.toContain(KGKIT_API_TOKEN);
    expect(state.instances).toHaveLength(1);
    instance = state.instances[0]!;
    expect(instance).toMatchObject({ chargingMode: 'ON_DEMAND', state: 'released' });

    // The marketplace's side: every record valid, carrying what the product recorded, each in an accepted push.
    const { records, deliveries, validTotal } = instance.usage;
    expect(validTotal).toBe('19.75');
    expect(records.length).toBeGreaterThan(0);
    for (const record of records) expect(record).toMatchObject({ instance_id: instance.instanceId, state: 'valid', deliveries: [expect.any(Number)] });
    expect(deliveries.length).toBeGreaterThan(0);
    for (const delivery of deliveries) expect(delivery).toMatchObject({ outcome: 'accepted', status: 200, code: 'MKT.0000' });
    expect(new Set(deliveries.flatMap((d) => d.meteringSns))).toEqual(new Set(records.map((r) => r.metering_sn)));
    expect(state.deliveries.map((d) => d.id)).toEqual(expect.arrayContaining(deliveries.map((d) => d.id)));
    expect(state.usage.map((u) => u.metering_sn).sort()).toEqual(records.map((r) => r.metering_sn).sort());

    // The seller's side: kgkit shows each of those records sent.
    const seller = (await server.api(`usage-records?instanceId=${instance.instanceId}`)) as { records: { meteringSn: string; state: string }[] };
    expect(seller.records.map((r) => [r.meteringSn, r.state]).sort()).toEqual(records.map((r) => [r.metering_sn, 'sent']).sort());

    expect((instance.info as { usageInfo?: { usageValue: number }[] }).usageInfo).toEqual([expect.objectContaining({ usageValue: 19.75 })]);
    const log = run.log.map((l) => l.text).join('\n');
    expect(log).toMatch(/the product recorded usage 12\.5 of /);
    expect(log).toMatch(/seal now: (\d+) records? sealed, \1 sent/); // two records when the run straddles an hour
    expect(log).toMatch(/delivered: \d valid record\(s\) carrying 19\.75, each shown sent by the seller/);
    expect(simulator.model.callsOf(run.id).map((c) => `${c.handler}:${c.state}`)).toEqual([
      'newInstance:succeeded',
      'queryInstance:succeeded',
      'queryInstance:succeeded',
      'releaseInstance:succeeded',
    ]);
    expect(simulator.model.calls.flatMap((c) => c.attempts.flatMap((a) => a.problems))).toEqual([]);
    expect(simulator.marketplace.state.violations).toEqual([]);
    expect(simulator.marketplace.state.conflicts).toEqual([]);
  }, 60_000);

  const chromium = findChromium();
  it.skipIf(!chromium || dialect !== 'sqlite')(
    chromium ? 'the page shows the instance with its usage records and pushes (screenshot)' : `the page screenshot — skipped: ${NO_CHROMIUM}`,
    async () => {
      const sn = instance.usage.records[0]!.metering_sn;
      const shot = await screenshot(
        chromium!,
        `${simulator.url}/`,
        [
          `#instances tr[data-instance="${instance.instanceId}"] .badge.released`,
          `#usage tr[data-sn="${sn}"] .badge.valid`,
          '#calls tr[data-call] .badge.succeeded',
          '.run .badge.done',
        ],
        async (page) => {
          await page.click(`#instances details[data-instance-id="${instance.instanceId}"] summary`);
          await page.waitForSelector(`#instances tr[data-instance="${instance.instanceId}"] .metering table.deliveries .badge.accepted`);
        },
      );
      const size = pngSize(shot.png);
      expect(size).toBeDefined();
      expect(size!.width).toBeGreaterThanOrEqual(1000);
      expect(size!.height).toBeGreaterThan(600);
      expect(shot.png.length).toBeGreaterThan(20_000);
      expect(shot.text).toContain(instance.instanceId);
      expect(shot.text).toMatch(/\d record\(s\), valid 19\.75 · \d push\(es\)/);
      expect(shot.text).toContain('MKT.0000');
      expect(shot.text).toMatch(/queryInstance shows usage 19\.75/);
      if (process.env.KEEP_SCREENSHOT) console.log(`screenshot: ${shot.path}`);
    },
    30_000,
  );
});
