import type { Kysely } from 'kysely';
import type { Logger } from '../log.js';
import { type InstanceWithoutAccess, findInstancesWithoutAccess } from '../store/instances.js';
import type { Database } from '../store/schema.js';
import type { BillingWindows, InstanceLife } from './windows.js';

/** What every step of the meter shares: the store, the clock and the window rules. */
export interface MeterContext {
  db: Kysely<Database>;
  now: () => number;
  windows: BillingWindows;
  logger: Logger;
}

/**
 * The instance's life as usage records must respect it. A RELEASED instance's `updated_at` is its release time:
 * markReleased sets it once, and the lifecycle answers every later call about a released instance without writing to
 * it, except for debug instances, whose saved cases the seller console re-runs (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649414.html).
 */
export function lifeOf(instance: InstanceWithoutAccess): InstanceLife {
  return instance.status === 'RELEASED' ? { createdAt: instance.createdAt, releasedAt: instance.updatedAt } : { createdAt: instance.createdAt };
}

export async function instancesById(db: Kysely<Database>, instanceIds: Iterable<string>): Promise<Map<string, InstanceWithoutAccess>> {
  const found = await findInstancesWithoutAccess(db, [...new Set(instanceIds)]);
  return new Map(found.map((instance) => [instance.instanceId, instance]));
}
