import type { Kysely } from 'kysely';
import { SqlInstanceRepository } from '../../src/store/instances.js';
import type { Database } from '../../src/store/schema.js';
import { UsageMeter, type UsageMeterOptions } from '../../src/usage/meter.js';
import { TEST_DATA_KEYS } from '../support/server.js';

export const HOUR = 3_600_000;
export const MINUTE = 60_000;
export const DAY = 86_400_000;
/** 2026-03-02T00:00:00Z, a Monday. */
export const T0 = Date.UTC(2026, 2, 2, 0, 0, 0);

/** An ACTIVE instance created at `createdAt`, RELEASED at `releasedAt` when given. */
export async function addInstance(db: Kysely<Database>, instanceId: string, life: { createdAt: number; releasedAt?: number }): Promise<void> {
  const repo = new SqlInstanceRepository(db, TEST_DATA_KEYS);
  await repo.insertProvisioning({
    instanceId,
    orderId: `O-${instanceId}`,
    orderLineId: `O-${instanceId}-1`,
    businessId: instanceId,
    test: false,
    leaseUntil: life.createdAt,
    now: life.createdAt,
  });
  await repo.completeProvisioning(instanceId, { frontEndUrl: 'https://app.example.com' }, life.createdAt);
  if (life.releasedAt !== undefined) await repo.markReleased(instanceId, life.releasedAt);
}

export interface Clock {
  now: number;
}

export function meterOn(db: Kysely<Database>, clock: Clock, options: Partial<UsageMeterOptions> = {}): UsageMeter {
  return new UsageMeter({ db, now: () => clock.now, random: () => 0.5, ...options });
}

/** Every row of the usage tables, to show that a refused call stored nothing. */
export async function usageRows(db: Kysely<Database>) {
  return {
    events: await db.selectFrom('usage_events').selectAll().orderBy('event_id').execute(),
    records: await db.selectFrom('usage_records').selectAll().orderBy('metering_sn').execute(),
  };
}
