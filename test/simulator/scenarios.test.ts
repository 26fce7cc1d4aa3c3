import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scaledClock } from '../../src/simulator/clock.js';
import { SCENARIO_NAMES } from '../../src/simulator/scenarios/index.js';
import { type RunningSimulator, SIMULATOR_AK_SK, startSimulator } from '../../src/simulator/server.js';
import { freePort } from '../support/ports.js';
import { startKgkitServer } from './kgkit-server.js';

// Every scenario, driven through the marketplace driver against kgkit's own server (real ports, real time for the
// seller): each must end `done`, every call answered at its first attempt, every answer inside its contract. The
// marketplace's schedule runs 3000× real time (a 5-minute gap between steps is 0.1 s).
const ACCESS_KEY = 'simulator-basic-key-0123456789';
const KIT_RSA = new URL('../fixtures/crypto/kit-rsa-3072', import.meta.url).pathname;

describe('every scenario against kgkit’s own server', () => {
  let simulator: RunningSimulator;
  let server: Awaited<ReturnType<typeof startKgkitServer>>;

  beforeAll(async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    simulator = await startSimulator({
      seller: {
        saasUrl: `${base}/saas`,
        key: ACCESS_KEY,
        saasV1Url: `${base}/saas-v1`,
        licenseCodeUrl: `${base}/license-code`,
        onlineLicenseUrl: `${base}/license`,
        orderNotifyUrl: `${base}/order-notify`,
      },
      akSk: SIMULATOR_AK_SK,
      clock: scaledClock({ speed: 3000 }),
      kitPublicKeyPem: readFileSync(`${KIT_RSA}.pub.pem`, 'utf8'),
      waitMs: 6 * 60 * 60_000,
    });
    server = await startKgkitServer({
      now: Date.now,
      accessKey: ACCESS_KEY,
      akSk: SIMULATOR_AK_SK,
      marketplaceUrl: simulator.url,
      port,
      pushIntervalMs: 1_000,
      env: { KIT_RSA_PRIVATE_KEY_FILE: `${KIT_RSA}.pem` },
    });
  });
  afterAll(async () => {
    await simulator?.close();
    await server?.close();
  });

  it.each(SCENARIO_NAMES.filter((name) => name !== 'pay-per-use'))(
    '%s ends done, each call accepted at once and inside its contract',
    async (name) => {
      const run = simulator.runScenario(name);
      await simulator.settle();
      expect({ state: run.state, error: run.error }).toEqual({ state: 'done', error: undefined });
      const calls = simulator.model.callsOf(run.id);
      expect(calls.length).toBeGreaterThan(0);
      for (const call of calls) {
        expect({
          call: `${call.family} ${call.handler}`,
          state: call.state,
          attempts: call.attempts.length,
          problems: call.attempts.flatMap((a) => a.problems),
        }).toEqual({ call: `${call.family} ${call.handler}`, state: 'succeeded', attempts: 1, problems: [] });
      }
      const instances = [...simulator.model.instances.values()].filter((i) => simulator.model.orders.get(i.orderId)?.run === run.id);
      for (const instance of instances) expect(instance.state).toBe('released');
      expect(simulator.marketplace.state.violations).toEqual([]);
    },
    30_000,
  );

  it('the online License scenario sees the License the seller uploaded for its getLicenseAsync', () => {
    const run = [...simulator.model.runs.values()].find((r) => r.scenario === 'online-license')!;
    const ask = simulator.model.callsOf(run.id).find((c) => c.handler === 'getLicenseAsync')!;
    const upload = simulator.marketplace.state.uploads.find((u) => u.eventId === ask.body.eventId);
    expect(upload?.content).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(run.log.map((l) => l.text)).toContain(`License of event ${String(ask.body.eventId)} uploaded`);
  });

  it('the joint-operation scenarios send every Kit sync, applicationSync with a clientSecret the seller decrypts', () => {
    for (const scenario of ['joint-op', 'joint-op-v1']) {
      const run = [...simulator.model.runs.values()].find((r) => r.scenario === scenario)!;
      expect(simulator.model.callsOf(run.id).map((c) => c.handler)).toEqual([
        'newInstance',
        'queryInstance',
        'tenantSync',
        'applicationSync',
        'authSync',
        'allOrgSync',
        'singleOrgSync',
        'tenantSync',
        'releaseInstance',
      ]);
    }
  });
});
