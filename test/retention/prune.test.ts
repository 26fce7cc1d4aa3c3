import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqlInstanceRepository } from '../../src/store/instances.js';
import { rememberNonce } from '../../src/store/nonces.js';
import { SqlSsoStore } from '../../src/store/sso-store.js';
import { UsageMeter } from '../../src/usage/meter.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { addInstance } from '../usage/helpers.js';
import { DAY, NOW, POLICY, auditEvent, countOf, jobOn, keysOf, licenseUpload, orderLookup, usageEvent, usageRecord, ssoSession } from './seed.js';
import { TEST_DATA_KEYS } from '../support/server.js';

// What one run of the retention job prunes, table by table, at the boundaries of each rule (docs/decisions.md#20):
// older than the cutoff goes, the cutoff itself and newer stay, and nothing still needed goes, however old.
describe.each(DIALECTS)('retention rules on %s', (dialect) => {
  let store: TestStore;
  const audit = NOW - POLICY.auditDays * DAY;
  const usage = NOW - POLICY.usageDays * DAY;
  const jobs = NOW - POLICY.jobsDays * DAY;
  const run = () => jobOn(store, () => NOW).runOnce();

  beforeEach(async () => {
    store = await openTestStore(dialect);
  });
  afterEach(async () => store.dispose());

  it('prunes nonces, SSO login attempts and sessions once they have expired, not before', async () => {
    for (const [nonce, expiresAt] of [
      ['expired', NOW - 1],
      ['expiring-now', NOW],
      ['live', NOW + 1],
    ] as const)
      await rememberNonce(store.db, 'basic', nonce, expiresAt);
    const sso = new SqlSsoStore(store.db, TEST_DATA_KEYS);
    for (const [hash, expiresAt] of [
      ['expired', NOW - 1],
      ['expiring-now', NOW],
      ['live', NOW + 60_000],
    ] as const) {
      await sso.saveAttempt({ stateHash: hash, tenantId: 't', redirectUri: 'https://app.example.com/cb', createdAt: NOW - DAY, expiresAt });
      await sso.saveSession(ssoSession(hash, NOW - DAY, expiresAt));
    }
    expect((await run()).pruned).toMatchObject({ nonces: 1, sso_login_attempts: 1, sso_sessions: 1 });
    for (const table of ['nonces', 'sso_login_attempts', 'sso_sessions'] as const) expect(await keysOf(store.db, table)).toEqual(['expiring-now', 'live']);
  });

  it('prunes the audit trail by when each call was received', async () => {
    await auditEvent(store.db, 'just-older', audit - 1);
    await auditEvent(store.db, 'at-cutoff', audit);
    await auditEvent(store.db, 'newer', audit + 1);
    expect((await run()).pruned.events).toBe(1);
    expect(await keysOf(store.db, 'events')).toEqual(['at-cutoff', 'newer']);
  });

  it('keeps the audit trail forever with RETENTION_AUDIT_DAYS=0', async () => {
    await auditEvent(store.db, 'ancient', 0);
    const report = await jobOn(store, () => NOW, { policy: { ...POLICY, auditDays: 0 } }).runOnce();
    expect(report.pruned.events).toBeUndefined();
    expect(await keysOf(store.db, 'events')).toEqual(['ancient']);
  });

  it('prunes usage only once its record is finished and old, and queryInstance usage stays the same', async () => {
    const at = usage - 2 * DAY;
    await usageRecord(store.db, {
      sn: 'sent-older',
      instanceId: 'pay-1',
      state: 'sent',
      updatedAt: usage - 1,
      events: [
        { id: 'e1', units: 15_000, occurredAt: at },
        { id: 'e2', units: 2, occurredAt: at + 60_000 },
      ],
    });
    await usageRecord(store.db, {
      sn: 'rejected-older',
      instanceId: 'pay-1',
      state: 'rejected',
      updatedAt: usage - 1,
      events: [{ id: 'e3', units: 7, occurredAt: at + 3_600_000 }],
    });
    await usageRecord(store.db, {
      sn: 'expired-older',
      instanceId: 'pay-1',
      packageInstanceId: 'pkg-1',
      state: 'expired',
      updatedAt: usage - 1,
      events: [{ id: 'e4', units: 9, occurredAt: at + 7_200_000 }],
    });
    await usageRecord(store.db, {
      sn: 'sent-at-cutoff',
      instanceId: 'pay-1',
      state: 'sent',
      updatedAt: usage,
      events: [{ id: 'e5', units: 100, occurredAt: at + 10_800_000 }],
    });
    await usageRecord(store.db, {
      sn: 'pending-ancient',
      instanceId: 'pay-1',
      state: 'pending',
      updatedAt: 0,
      events: [{ id: 'e6', units: 1_000, occurredAt: at + 14_400_000 }],
    });
    await usageEvent(store.db, { id: 'open-ancient', instanceId: 'pay-1', units: 3, occurredAt: 1_000 });
    await usageEvent(store.db, { id: 'unbillable-older', instanceId: 'pay-1', units: 50, occurredAt: at, recordedAt: usage - 1, unbillable: 'released' });
    await usageEvent(store.db, { id: 'unbillable-at-cutoff', instanceId: 'pay-1', units: 60, occurredAt: at, recordedAt: usage, unbillable: 'released' });
    const meter = new UsageMeter({ db: store.db, now: () => NOW });
    const before = await meter.usageInfo(['pay-1', 'pkg-1']);

    expect((await run()).pruned).toMatchObject({ usage_events: 5, usage_records: 3 });
    expect(await keysOf(store.db, 'usage_records')).toEqual(['pending-ancient', 'sent-at-cutoff']);
    expect(await keysOf(store.db, 'usage_events')).toEqual(['e5', 'e6', 'open-ancient', 'unbillable-at-cutoff']);
    expect(await meter.usageInfo(['pay-1', 'pkg-1'])).toEqual(before);
    expect(before.get('pay-1')).toEqual([{ usageValue: '1.6121', statisticalTime: expect.any(String) }]);
    expect(before.get('pkg-1')).toEqual([{ relatedInstanceId: 'pay-1', usageValue: '0.0009', statisticalTime: expect.any(String) }]);

    // A second run finds nothing more, and the totals are not counted twice.
    expect((await run()).pruned).toMatchObject({ usage_events: 0, usage_records: 0 });
    expect(await meter.usageInfo(['pay-1', 'pkg-1'])).toEqual(before);
  });

  it('keeps usage forever with RETENTION_USAGE_DAYS=0', async () => {
    await usageRecord(store.db, { sn: 'sent-ancient', instanceId: 'pay-1', state: 'sent', updatedAt: 0, events: [{ id: 'e1', units: 1, occurredAt: 0 }] });
    await jobOn(store, () => NOW, { policy: { ...POLICY, usageDays: 0 } }).runOnce();
    expect(await keysOf(store.db, 'usage_records')).toEqual(['sent-ancient']);
  });

  it('prunes order lookups that are over and that nothing reads, never the order of a live instance', async () => {
    const repo = new SqlInstanceRepository(store.db, TEST_DATA_KEYS);
    await addInstance(store.db, 'live', { createdAt: 0 });
    await addInstance(store.db, 'released-older', { createdAt: 0, releasedAt: jobs - 1 });
    await addInstance(store.db, 'released-at-cutoff', { createdAt: 0, releasedAt: jobs });
    await addInstance(store.db, 'upgraded', { createdAt: 0 });
    await repo.insertProvisioning({
      instanceId: 'failed',
      orderId: 'O-failed',
      orderLineId: 'O-failed-1',
      businessId: 'failed',
      test: false,
      leaseUntil: 0,
      now: 0,
    });
    await repo.failProvisioning('failed', 'no capacity', jobs - 1);
    const old = jobs - 1;
    await orderLookup(store.db, { orderId: 'failed-older', instanceId: 'live', state: 'failed', updatedAt: old });
    await orderLookup(store.db, { orderId: 'failed-at-cutoff', instanceId: 'live', state: 'failed', updatedAt: jobs });
    await orderLookup(store.db, { orderId: 'pending-ancient', instanceId: 'live', state: 'pending', updatedAt: 0 });
    await orderLookup(store.db, { orderId: 'found-of-live', instanceId: 'live', state: 'found', updatedAt: 0 });
    await orderLookup(store.db, { orderId: 'found-of-released-older', instanceId: 'released-older', state: 'found', updatedAt: old });
    await orderLookup(store.db, { orderId: 'found-of-released-at-cutoff', instanceId: 'released-at-cutoff', state: 'found', updatedAt: old });
    await orderLookup(store.db, { orderId: 'found-of-failed', instanceId: 'failed', state: 'found', updatedAt: old });
    await orderLookup(store.db, { orderId: 'found-without-instance', instanceId: null, state: 'found', updatedAt: old });
    await orderLookup(store.db, { orderId: 'found-without-instance-newer', instanceId: null, state: 'found', updatedAt: jobs });
    await orderLookup(store.db, { orderId: 'found-superseded', instanceId: 'upgraded', state: 'found', updatedAt: old, foundAt: 1 });
    await orderLookup(store.db, { orderId: 'found-upgrade', instanceId: 'upgraded', state: 'found', updatedAt: old, foundAt: 2 });

    expect((await run()).pruned.order_lookups).toBe(5);
    expect(await keysOf(store.db, 'order_lookups')).toEqual([
      'failed-at-cutoff',
      'found-of-live',
      'found-of-released-at-cutoff',
      'found-upgrade',
      'found-without-instance-newer',
      'pending-ancient',
    ]);
    expect(await countOf(store.db, 'instances')).toBe(5);
  });

  it('prunes License uploads once they are over and old, never one still being retried', async () => {
    await licenseUpload(store.db, { eventId: 'uploaded-older', state: 'uploaded', requestedAt: jobs - DAY, uploadedAt: jobs - 1 });
    await licenseUpload(store.db, { eventId: 'uploaded-at-cutoff', state: 'uploaded', requestedAt: jobs - DAY, uploadedAt: jobs });
    await licenseUpload(store.db, { eventId: 'rejected-older', state: 'rejected', requestedAt: jobs - 1 });
    await licenseUpload(store.db, { eventId: 'skipped-older', state: 'skipped', requestedAt: jobs - 1 });
    await licenseUpload(store.db, { eventId: 'skipped-at-cutoff', state: 'skipped', requestedAt: jobs });
    await licenseUpload(store.db, { eventId: 'pending-ancient', state: 'pending', requestedAt: 0 });
    expect((await run()).pruned.license_requests).toBe(3);
    expect(await keysOf(store.db, 'license_requests')).toEqual(['pending-ancient', 'skipped-at-cutoff', 'uploaded-at-cutoff']);
  });

  it('deletes in batches: a backlog goes batch after batch, and at most maxBatches batches a run', async () => {
    for (let i = 0; i < 7; i += 1) await auditEvent(store.db, `old-${i}`, audit - 1 - i);
    expect((await jobOn(store, () => NOW, { batchSize: 2, maxBatches: 2 }).runOnce()).pruned.events).toBe(4);
    expect((await jobOn(store, () => NOW, { batchSize: 2 }).runOnce()).pruned.events).toBe(3);
    expect(await countOf(store.db, 'events')).toBe(0);
  });
});
