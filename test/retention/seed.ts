import type { Kysely } from 'kysely';
import { silentLogger } from '../../src/log.js';
import { type RetentionJobOptions, RetentionJob } from '../../src/retention/job.js';
import type { RetentionPolicy } from '../../src/retention/policy.js';
import type { Dialect } from '../../src/store/connect.js';
import { appendEvent } from '../../src/store/events.js';
import type { Database } from '../../src/store/schema.js';
import type { UsageRecordState } from '../../src/store/tables/usage.js';
import type { OrderLookupState } from '../../src/store/tables/orders.js';
import type { Session } from '../../src/store/sso-store.js';

export const DAY = 86_400_000;
/** A clock far enough from the epoch that every cutoff is a real date. */
export const NOW = Date.UTC(2027, 5, 1, 12, 0, 0);
export const POLICY: RetentionPolicy = { auditDays: 10, usageDays: 30, jobsDays: 5 };

export function jobOn(store: { db: Kysely<Database>; dialect: Dialect }, now: () => number, options: Partial<RetentionJobOptions> = {}): RetentionJob {
  return new RetentionJob({ db: store.db, dialect: store.dialect, policy: POLICY, logger: silentLogger, now, ...options });
}

export async function auditEvent(db: Kysely<Database>, instanceId: string, receivedAt: number): Promise<void> {
  await appendEvent(db, {
    received_at: receivedAt,
    family: 'saas-v2',
    activity: 'queryInstance',
    order_id: null,
    order_line_id: null,
    instance_id: instanceId,
    test_flag: 0,
    request: '{}',
    result_code: '000000',
    result_msg: 'success',
    duration_ms: 1,
  });
}

/** A sealed usage record in `state`, last changed at `updatedAt`, with its events (quantities in units). */
export async function usageRecord(
  db: Kysely<Database>,
  record: {
    sn: string;
    instanceId: string;
    packageInstanceId?: string;
    state: UsageRecordState;
    updatedAt: number;
    events: { id: string; units: number; occurredAt: number }[];
  },
): Promise<void> {
  const windowStart = Math.min(...record.events.map((event) => event.occurredAt));
  const pkg = record.packageInstanceId ?? '';
  await db
    .insertInto('usage_records')
    .values({
      metering_sn: record.sn,
      instance_id: record.instanceId,
      package_instance_id: pkg,
      window_start: windowStart,
      window_end: windowStart + 3_600_000,
      begin_at: windowStart,
      end_at: windowStart + 3_600_000,
      record_at: windowStart + 3_600_000,
      usage: record.events.reduce((sum, event) => sum + event.units, 0),
      state: record.state,
      attempts: 1,
      next_attempt_at: record.updatedAt,
      lease_owner: null,
      lease_until: null,
      last_code: null,
      last_error: null,
      sent_at: record.state === 'sent' ? record.updatedAt : null,
      updated_at: record.updatedAt,
    })
    .execute();
  for (const event of record.events) await usageEvent(db, { ...event, instanceId: record.instanceId, packageInstanceId: pkg, sn: record.sn });
}

export async function usageEvent(
  db: Kysely<Database>,
  event: {
    id: string;
    instanceId: string;
    packageInstanceId?: string;
    units: number;
    occurredAt: number;
    sn?: string;
    unbillable?: string;
    recordedAt?: number;
  },
): Promise<void> {
  await db
    .insertInto('usage_events')
    .values({
      event_id: event.id,
      instance_id: event.instanceId,
      package_instance_id: event.packageInstanceId ?? '',
      quantity: event.units,
      occurred_at: event.occurredAt,
      occurred_at_given: 1,
      recorded_at: event.recordedAt ?? event.occurredAt,
      window_start: event.occurredAt,
      metering_sn: event.sn ?? null,
      unbillable: event.unbillable ?? null,
    })
    .execute();
}

export async function orderLookup(
  db: Kysely<Database>,
  lookup: { orderId: string; instanceId: string | null; state: OrderLookupState; updatedAt: number; foundAt?: number },
): Promise<void> {
  await db
    .insertInto('order_lookups')
    .values({
      order_id: lookup.orderId,
      order_line_id: `${lookup.orderId}-000001`,
      instance_id: lookup.instanceId,
      reason: 'newInstance',
      state: lookup.state,
      attempts: 1,
      next_attempt_at: lookup.updatedAt,
      created_at: lookup.updatedAt,
      updated_at: lookup.updatedAt,
      found_at: lookup.state === 'found' ? (lookup.foundAt ?? lookup.updatedAt) : null,
      charging_mode: lookup.state === 'found' ? 'ON_DEMAND' : null,
    })
    .execute();
}

export async function licenseUpload(
  db: Kysely<Database>,
  upload: { eventId: string; state: 'pending' | 'uploaded' | 'rejected' | 'skipped'; requestedAt: number; uploadedAt?: number },
): Promise<void> {
  await db
    .insertInto('license_requests')
    .values({
      event_id: upload.eventId,
      fingerprint_key: '',
      device_fingerprint: null,
      instance_id: 'inst-license',
      effective_at: upload.requestedAt,
      expires_at: null,
      license: `LICENSE-OF-${upload.eventId}`,
      upload_state: upload.state,
      uploaded_at: upload.uploadedAt ?? null,
      test_flag: upload.state === 'skipped' ? 1 : 0,
      requested_at: upload.requestedAt,
    })
    .execute();
}

/** The keys left in a table, sorted. */
export async function keysOf(
  db: Kysely<Database>,
  table: 'events' | 'nonces' | 'sso_login_attempts' | 'sso_sessions' | 'usage_events' | 'usage_records' | 'order_lookups' | 'license_requests',
): Promise<string[]> {
  const column = {
    events: 'instance_id',
    nonces: 'nonce',
    sso_login_attempts: 'state_hash',
    sso_sessions: 'id_hash',
    usage_events: 'event_id',
    usage_records: 'metering_sn',
    order_lookups: 'order_id',
    license_requests: 'event_id',
  }[table];
  const rows = (await db
    .selectFrom(table)
    .select(column as never)
    .execute()) as Record<string, string>[];
  return rows.map((row) => row[column]!).sort();
}

export async function countOf(db: Kysely<Database>, table: keyof Database): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** An SSO session of one made-up user, for the rows the job prunes once `expiresAt` has passed. */
export function ssoSession(idHash: string, createdAt: number, expiresAt: number): Session {
  return {
    idHash,
    tenantId: 't',
    tenantName: 'T',
    userName: 'u',
    name: 'U',
    role: 'user',
    orgCode: 'o',
    email: null,
    mobile: null,
    refreshToken: null,
    createdAt,
    expiresAt,
  };
}
