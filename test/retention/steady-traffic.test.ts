import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import type { MarketplaceAnswer } from '../../src/marketplace/answer.js';
import { LicenseUploads } from '../../src/license-uploads/license-uploads.js';
import { OrderLookups } from '../../src/orders/order-lookups.js';
import { RetentionJob } from '../../src/retention/job.js';
import type { RetentionPolicy } from '../../src/retention/policy.js';
import { sqlNonceRegistry } from '../../src/security/nonce-registry.js';
import { SqlInstanceRepository } from '../../src/store/instances.js';
import { SqlLicenseRequestStore } from '../../src/store/license-requests.js';
import { SqlSsoStore } from '../../src/store/sso-store.js';
import { formatUnits } from '../../src/usage/quantity.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { T0, addInstance, meterOn } from '../usage/helpers.js';
import { auditEvent, countOf, ssoSession } from './seed.js';
import { TEST_DATA_KEYS } from '../support/server.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const STEP = DAY;
const STEPS_A_DAY = DAY / STEP;
const DAYS = 90;
const POLICY: RetentionPolicy = { auditDays: 4, usageDays: 30, jobsDays: 3 };
/** How long after creation each order's instance is released. */
const LIFE = 2 * DAY;

const TABLES = [
  'events',
  'nonces',
  'sso_login_attempts',
  'sso_sessions',
  'usage_events',
  'usage_records',
  'order_lookups',
  'license_requests',
  'instances',
] as const;

/**
 * The most rows each table may hold: what one step writes, times the steps of its retention, plus the time a row takes
 * to become prunable (usage is sealed and delivered one step later; an order's instance lives LIFE), plus one step.
 */
const BOUNDS: Record<Exclude<(typeof TABLES)[number], 'instances'>, number> = {
  events: 3 * STEPS_A_DAY * (POLICY.auditDays + 1),
  nonces: 3 * 2,
  sso_login_attempts: 1 * 2,
  sso_sessions: 1 * 2,
  usage_events: 2 * STEPS_A_DAY * (POLICY.usageDays + 2),
  usage_records: 1 * STEPS_A_DAY * (POLICY.usageDays + 2),
  order_lookups: 1 * STEPS_A_DAY * (POLICY.jobsDays + LIFE / DAY + 1),
  license_requests: 1 * STEPS_A_DAY * (POLICY.jobsDays + 1),
};

type Answer = MarketplaceAnswer<{ orderInfo?: Record<string, unknown> }>;
const found = (orderId: string, orderLineId: string): Answer => ({
  ok: true,
  status: 200,
  code: 'MKT.0000',
  data: {
    orderInfo: { orderId, orderType: 'NEW', orderLine: [{ orderLineId, chargingMode: 'ON_DEMAND', productInfo: [{ productId: 'OFFI1', skuCode: 'sku-1' }] }] },
  },
});

// Steady traffic through the real code paths, with the clock moving a day a step over 90 days (22 audit periods,
// 3 usage periods, 30 job periods) and the retention job running every step: no table grows past its bound, while
// the cumulative usage queryInstance answers keeps counting every event ever recorded.
describe.each(DIALECTS)('steady traffic on %s', (dialect) => {
  let store: TestStore;
  let clock: { now: number };

  beforeEach(async () => {
    store = await openTestStore(dialect);
    clock = { now: T0 };
  });
  afterEach(async () => store.dispose());

  it('keeps every table bounded over many retention periods', async () => {
    const now = () => clock.now;
    const db = store.db;
    const meter = meterOn(db, clock);
    let lookupsAnswered = 0;
    // Every fourth order cannot be found: its lookup gives up (failed) after one attempt.
    const queryOrder = async (orderId: string, orderLineId: string): Promise<Answer> =>
      (lookupsAnswered += 1) % 4 === 0 ? { ok: false, status: 200, code: 'MKT.0199', message: 'no such order' } : found(orderId, orderLineId);
    const lookups = new OrderLookups({ db, queryOrder, logger: silentLogger, now, maxAttempts: 1 });
    const uploads = new LicenseUploads({ db, upload: async () => ({ ok: true, status: 200, code: 'CBC.0000', data: {} }), logger: silentLogger, now });
    const licenses = new SqlLicenseRequestStore(db);
    const instances = new SqlInstanceRepository(db, TEST_DATA_KEYS);
    const sso = new SqlSsoStore(db, TEST_DATA_KEYS);
    const nonces = sqlNonceRegistry(db);
    const job = new RetentionJob({ db, dialect, policy: POLICY, logger: silentLogger, now });
    await addInstance(db, 'pay-steady', { createdAt: T0 });

    const most: Record<string, number> = {};
    let units = 0;
    let created = 0;
    for (let step = 0; step < DAYS * STEPS_A_DAY; step += 1) {
      clock.now = T0 + step * STEP;
      const at = clock.now;
      for (let call = 0; call < 3; call += 1) {
        await auditEvent(db, `inst-${step}`, at);
        await nonces.remember('basic', `nonce-${step}-${call}`, at + 2 * 60_000);
      }
      await sso.saveAttempt({
        stateHash: `state-${step}`,
        tenantId: 't',
        redirectUri: 'https://app.example.com/cb',
        createdAt: at,
        expiresAt: at + 10 * 60_000,
      });
      await sso.saveSession(ssoSession(`session-${step}`, at, at + 8 * HOUR));

      const results = await meter.record([
        { eventId: `use-${step}-a`, instanceId: 'pay-steady', quantity: '1.5' },
        { eventId: `use-${step}-b`, instanceId: 'pay-steady', quantity: '0.0001' },
      ]);
      expect(results.map((result) => result.status)).toEqual(['recorded', 'recorded']);
      units += 15_001;
      await meter.aggregate();
      await meter.deliver(async () => ({ kind: 'accepted' }));

      // One order a step, its instance released after LIFE; its online License issued and uploaded.
      const instanceId = `inst-${step}`;
      await addInstance(db, instanceId, { createdAt: at });
      created += 1;
      await lookups.track({ orderId: `ORDER-${step}`, orderLineId: `ORDER-${step}-000001`, instanceId, reason: 'newInstance' });
      const released = step - LIFE / STEP;
      if (released >= 0) await instances.markReleased(`inst-${released}`, at);
      await licenses.recordOnce({
        eventId: `event-${step}`,
        fingerprintKey: '',
        deviceFingerprint: null,
        instanceId,
        effectiveAt: at,
        expiresAt: null,
        license: `LICENSE-${step}`,
        test: false,
        now: at,
      });
      await uploads.runDue();
      await lookups.settle();

      expect((await job.runOnce()).failed).toEqual([]);
      for (const table of TABLES) most[table] = Math.max(most[table] ?? 0, await countOf(db, table));
    }

    const { instances: everyInstance, ...bounded } = most;
    for (const [table, count] of Object.entries(bounded)) expect([table, count <= BOUNDS[table as keyof typeof BOUNDS]]).toEqual([table, true]);
    // The bounds are not met by pruning everything: each table still holds its recent rows.
    for (const table of ['events', 'usage_events', 'usage_records', 'order_lookups', 'license_requests'] as const)
      expect(await countOf(db, table)).toBeGreaterThan(0);
    // Instances are never pruned, and the cumulative usage still counts every event recorded since T0.
    expect(everyInstance).toBe(created + 1);
    expect((await meter.usageInfo(['pay-steady'])).get('pay-steady')).toEqual([{ usageValue: formatUnits(units), statisticalTime: expect.any(String) }]);
  });
});
