import type { Kysely } from 'kysely';
import type { JobItem, JobStore } from '../../src/jobs/job-store.js';
import type { JobKey, JobTable } from '../../src/store/job-leases.js';
import { SqlLicenseRequestStore } from '../../src/store/license-requests.js';
import { licenseUploadLeases, markLicenseUploadsFailed, markLicensesUploaded } from '../../src/store/license-uploads.js';
import { findOrderLookup, markOrderLookupsFailed, markOrderLookupsFound, orderLookupLeases, requestOrderLookup } from '../../src/store/order-lookups.js';
import type { Database } from '../../src/store/schema.js';
import { expireRecords, markRecordsFailed, markRecordsSent, usageRecordLeases } from '../../src/store/usage-records.js';

/** A job of the runner's tests: its key is the name the test gave it. */
export type TestItem = JobItem;

/** A job's row as the tests read it, whatever its table calls the columns. */
export interface JobRowView {
  state: string;
  attempts: number;
  nextAttemptAt: number | null;
  leaseOwner: string | null;
  code: string | null;
}

/**
 * One table of jobs (src/store/job-leases.ts) bound to the runner's port the way its kind binds it: the runner's tests
 * run on each, since each has its own columns (and order lookups and License uploads a key of two columns).
 */
export interface JobTableFixture {
  name: JobTable;
  /** The states of a job that succeeded and of one given up after a failure. */
  done: string;
  gaveUp: string;
  add(db: Kysely<Database>, key: string, now: number): Promise<void>;
  read(db: Kysely<Database>, key: string): Promise<JobRowView>;
  store(db: Kysely<Database>): JobStore<TestItem, void>;
}

const claimed = <Row>(rows: Row[], keyOf: (row: Row) => string, attemptsOf: (row: Row) => number): TestItem[] =>
  rows.map((row) => ({ key: keyOf(row), attempts: attemptsOf(row) }));

const orderLookups: JobTableFixture = {
  name: 'order_lookups',
  done: 'found',
  gaveUp: 'failed',
  add: async (db, key, now) => void (await requestOrderLookup(db, { orderId: key, orderLineId: `${key}-1`, instanceId: null, reason: 'orderNotify', now })),
  async read(db, key) {
    const row = (await findOrderLookup(db, key, `${key}-1`))!;
    return { state: row.state, attempts: Number(row.attempts), nextAttemptAt: row.next_attempt_at, leaseOwner: row.lease_owner, code: row.last_code };
  },
  store(db) {
    const keys = (items: readonly TestItem[]): JobKey[] => items.map((item) => [item.key, `${item.key}-1`]);
    const found = {
      order_type: 'NEW',
      charging_mode: null,
      product_id: null,
      sku_code: null,
      period_type: null,
      period_number: null,
      expire_time: null,
      customer_id: null,
      buyer: null,
      extend_params: null,
      order_info: '{}',
    };
    return {
      claim: async ({ key, ...claim }) =>
        claimed(
          await orderLookupLeases.claim(db, { ...claim, ...(key === undefined ? {} : { key: [key, `${key}-1`] }) }),
          (row) => row.order_id,
          (row) => Number(row.attempts),
        ),
      extend: (items, lease) => orderLookupLeases.extend(db, keys(items), lease),
      release: (items, holder) => orderLookupLeases.release(db, keys(items), holder),
      succeed: (items, holder) => markOrderLookupsFound(db, keys(items), holder, found),
      retry: (items, failure) => markOrderLookupsFailed(db, keys(items), { ...failure, state: 'pending' }),
      giveUp: (items, failure) => markOrderLookupsFailed(db, keys(items), { ...failure, state: 'failed' }),
    };
  },
};

const licenseUploads: JobTableFixture = {
  name: 'license_requests',
  done: 'uploaded',
  gaveUp: 'rejected',
  add: async (db, key, now) =>
    void (await new SqlLicenseRequestStore(db).recordOnce({
      eventId: key,
      fingerprintKey: 'fp',
      deviceFingerprint: null,
      instanceId: 'inst',
      effectiveAt: now,
      expiresAt: null,
      license: 'L',
      test: false,
      now,
    })),
  async read(db, key) {
    const row = await db.selectFrom('license_requests').selectAll().where('event_id', '=', key).executeTakeFirstOrThrow();
    return {
      state: row.upload_state,
      attempts: Number(row.upload_attempts),
      nextAttemptAt: row.upload_next_at,
      leaseOwner: row.upload_lease_owner,
      code: row.upload_code,
    };
  },
  store(db) {
    const keys = (items: readonly TestItem[]): JobKey[] => items.map((item) => [item.key, 'fp']);
    return {
      claim: async ({ key, ...claim }) =>
        claimed(
          await licenseUploadLeases.claim(db, { ...claim, ...(key === undefined ? {} : { key: [key, 'fp'] }) }),
          (row) => row.event_id,
          (row) => Number(row.upload_attempts),
        ),
      extend: (items, lease) => licenseUploadLeases.extend(db, keys(items), lease),
      release: (items, holder) => licenseUploadLeases.release(db, keys(items), holder),
      succeed: (items, holder) => markLicensesUploaded(db, keys(items), { ...holder, code: 'CBC.0000' }),
      retry: (items, failure) => markLicenseUploadsFailed(db, keys(items), { ...failure, state: 'pending' }),
      giveUp: (items, failure) => markLicenseUploadsFailed(db, keys(items), { ...failure, state: 'rejected' }),
    };
  },
};

let window = 0;
export const usageRecords: JobTableFixture & {
  store(db: Kysely<Database>): JobStore<TestItem, void> & { expire: NonNullable<JobStore<TestItem, void>['expire']> };
} = {
  name: 'usage_records',
  done: 'sent',
  gaveUp: 'rejected',
  async add(db, key, now) {
    window += 1;
    await db
      .insertInto('usage_records')
      .values({
        metering_sn: key,
        instance_id: 'inst',
        package_instance_id: '',
        window_start: window,
        window_end: window + 1,
        begin_at: now,
        end_at: now,
        record_at: now,
        usage: 1,
        state: 'pending',
        attempts: 0,
        next_attempt_at: now,
        updated_at: now,
      })
      .execute();
  },
  async read(db, key) {
    const row = await db.selectFrom('usage_records').selectAll().where('metering_sn', '=', key).executeTakeFirstOrThrow();
    return { state: row.state, attempts: Number(row.attempts), nextAttemptAt: row.next_attempt_at, leaseOwner: row.lease_owner, code: row.last_code };
  },
  store(db) {
    const sns = (items: readonly TestItem[]) => items.map((item) => item.key);
    return {
      claim: async ({ key, ...claim }) =>
        claimed(
          await usageRecordLeases.claim(db, { ...claim, ...(key === undefined ? {} : { key: [key] }) }),
          (row) => row.metering_sn,
          (row) => Number(row.attempts),
        ),
      extend: (items, lease) =>
        usageRecordLeases.extend(
          db,
          sns(items).map((sn) => [sn]),
          lease,
        ),
      release: (items, holder) =>
        usageRecordLeases.release(
          db,
          sns(items).map((sn) => [sn]),
          holder,
        ),
      succeed: (items, holder) => markRecordsSent(db, sns(items), holder),
      retry: (items, failure) => markRecordsFailed(db, sns(items), { ...failure, state: 'pending' }),
      giveUp: (items, failure) => markRecordsFailed(db, sns(items), { ...failure, state: 'rejected' }),
      expire: (before, now) => expireRecords(db, before, now, 'too old'),
    };
  },
};

export const JOB_TABLES: JobTableFixture[] = [orderLookups, licenseUploads, usageRecords];
