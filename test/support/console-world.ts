import { expect } from 'vitest';
import { familyMounts } from '../../src/server/app.js';
import { SqlLicenseRequestStore } from '../../src/store/license-requests.js';
import { requestOrderLookup } from '../../src/store/order-lookups.js';
import { UsageMeter } from '../../src/usage/meter.js';
import type { PushOutcome } from '../../src/usage/push.js';
import { KIT_RSA_PRIVATE_KEY, kitPath, xSignHeaders } from './kit.js';
import { allOrgs, application, auth, tenant, unit, users } from './kit-bodies.js';
import { KEYS, type TestServer, startTestServer } from './server.js';
import type { TestStore } from './stores.js';
import { type DoubleInstance, type Fault, type UsageDouble, usageDouble } from './usage-double.js';

export const CONSOLE_TOKEN = 'console-test-token-0123456789-abcdef';
/** When the world's clock starts: 01:00 UTC, so that the seeded usage windows fall on one day. */
export const WORLD_START = Date.UTC(2026, 10, 21, 1, 0, 0);
const HOUR_MS = 3_600_000;

/** The marketplace refusing a record because it does not know its instance yet (a record-level code: the record is rejected). */
export const INSTANCE_UNKNOWN: PushOutcome = { kind: 'refused', status: 500, code: 'MKT.9001', message: 'The instance does not exist.' };

/**
 * A kgkit server with every family, the kgkit API (KGKIT_API_TOKEN set), the console, a usage meter and a marketplace
 * double for the usage push whose next answers a test plans (`plan`; an empty plan accepts).
 */
export interface ConsoleWorld extends TestServer {
  store: TestStore;
  meter: UsageMeter;
  double: UsageDouble;
  /** What the double answers next, one entry a push call. */
  plan: Fault[];
  /** The instances the double knows, as the marketplace would. */
  marketplaceInstances: Map<string, DoubleInstance>;
}

export function consoleWorld(store: TestStore): ConsoleWorld {
  const plan: Fault[] = [];
  const marketplaceInstances = new Map<string, DoubleInstance>();
  let server: TestServer | undefined;
  const now = () => server!.clock.now;
  const meter = new UsageMeter({ db: store.db, now });
  const double = usageDouble({ now, instances: marketplaceInstances, fault: () => plan.shift() });
  server = startTestServer(store, {
    now: WORLD_START,
    config: { apiToken: CONSOLE_TOKEN, kit: { accessKey: KEYS.kit, rsaPrivateKeyPem: KIT_RSA_PRIVATE_KEY } },
    families: familyMounts({ meter }),
  });
  return { ...server, store, meter, double, plan, marketplaceInstances };
}

/** What `seed` made, for tests to look for. */
export const SEEDED = {
  payPerUse: 'ppu-1',
  yearly: 'yearly-1',
  frozen: 'frozen-1',
  released: 'gone-1',
  refusedReason: 'expireTime',
  tenantId: '68cbc86abc2018ab880d92f36422fa0e',
  kitInstance: 'huaiweitest123456',
} as const;

let orders = 0;
const order = () => {
  orders += 1;
  const orderId = `CS2611210100W${String(orders).padStart(4, '0')}`;
  return { orderId, orderLineId: `${orderId}-000001` };
};

/**
 * Fills the store through kgkit's own code paths: signed SaaS V2.0 and Kit V2 calls (instances, a frozen and a released
 * one, a refused refresh, an unknown instance, a tenant with its directory), usage recorded, sealed and pushed to the
 * double (eight windows sent; then one refused for an instance the marketplace does not know, and one still pending after
 * an internal error), a License waiting for upload and an order lookup. Leaves the clock at WORLD_START + 11 h.
 */
export async function seed(world: ConsoleWorld): Promise<void> {
  // A second between calls, so that the audit trail's order is the order of the calls.
  const call = async (body: Record<string, unknown>, code = '000000') => {
    world.clock.now += 1_000;
    expect((await world.call(body)).json).toMatchObject({ resultCode: code });
  };
  const kit = async (operation: Parameters<typeof kitPath>[1], body: object) => {
    world.clock.now += 1_000;
    const text = JSON.stringify(body);
    const response = await world.app.request(kitPath('v2', operation), {
      method: 'POST',
      body: text,
      headers: { 'content-type': 'application/json;charset=utf8', ...xSignHeaders(text, { timestamp: world.clock.now }) },
    });
    expect(await response.json()).toMatchObject({ resultCode: '000000' });
  };

  const created = new Map<string, ReturnType<typeof order>>();
  for (const id of [SEEDED.payPerUse, SEEDED.yearly, SEEDED.frozen, SEEDED.released]) {
    created.set(id, order());
    await call({ activity: 'newInstance', ...created.get(id)!, businessId: id });
  }
  await call({
    activity: 'refreshInstance',
    instanceId: SEEDED.yearly,
    ...order(),
    scene: 'RENEWAL',
    expireTime: '20271121010000000',
    productId: 'OFFI820112655598186496',
  });
  await call({ activity: 'refreshInstance', instanceId: SEEDED.yearly, ...order(), scene: 'RENEWAL', expireTime: 'tomorrow' }, '000002');
  await call({ activity: 'updateInstanceStatus', instanceId: SEEDED.frozen, status: 'FREEZE' });
  await call({ activity: 'releaseInstance', instanceId: SEEDED.released });
  await call({ activity: 'queryInstance', instanceId: 'nope-1' }, '000003');

  await kit('tenantSync', tenant());
  await kit('applicationSync', application());
  await kit('authSync', auth(users(3)));
  await kit('allOrgSync', allOrgs([unit('10000', '总部'), unit('10001', '研发部', '10000'), unit('10002', '市场部', '10000')]));

  await new SqlLicenseRequestStore(world.store.db).recordOnce({
    eventId: 'lic-evt-0001',
    fingerprintKey: '',
    deviceFingerprint: null,
    instanceId: SEEDED.yearly,
    effectiveAt: WORLD_START,
    expiresAt: WORLD_START + 365 * 24 * HOUR_MS,
    license: 'eyJhbGciOiJFZERTQSJ9.e30.c2ln',
    test: false,
    now: world.clock.now,
  });
  await requestOrderLookup(world.store.db, { ...created.get(SEEDED.yearly)!, instanceId: SEEDED.yearly, reason: 'newInstance', now: world.clock.now });

  world.marketplaceInstances.set(SEEDED.payPerUse, { createdAt: WORLD_START });
  const usageIn = async (hours: number[]) => {
    const results = await world.meter.record(
      hours.map((h) => ({
        eventId: `use-${h}`,
        instanceId: SEEDED.payPerUse,
        quantity: String(10 + ((h * 7) % 13)),
        occurredAt: WORLD_START + h * HOUR_MS + 60_000,
      })),
    );
    expect(results.every((r) => r.status === 'recorded')).toBe(true);
  };
  world.clock.now = WORLD_START + 8.5 * HOUR_MS;
  await usageIn([0, 1, 2, 3, 4, 5, 6, 7]);
  await world.meter.aggregate();
  expect((await world.meter.deliver(world.double.push)).sent).toBe(8);
  world.clock.now = WORLD_START + 10.5 * HOUR_MS;
  await usageIn([8, 9]);
  await world.meter.aggregate();
  // The first call carries both records and is refused; halved, the first is refused again (rejected), the second meets an
  // internal error (pending, with a retry time).
  world.plan.push(INSTANCE_UNKNOWN, INSTANCE_UNKNOWN, 'fail');
  expect(await world.meter.deliver(world.double.push)).toMatchObject({ sent: 0, rejected: 1, retried: 1 });
  world.clock.now = WORLD_START + 11 * HOUR_MS;
}
