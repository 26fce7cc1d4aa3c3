import { randomUUID } from 'node:crypto';
import { closedOpenWindows, markUnbillable, moveOpenEvents } from '../store/usage-events.js';
import { type SealRequest, sealWindows, sealedWindows, usageKeyId } from '../store/usage-records.js';
import { type MeterContext, instancesById, lifeOf } from './context.js';
import { SECOND_MS, recordBounds, targetWindow } from './windows.js';

export interface AggregateRules {
  /** How long after a window ends it is sealed: late reports of the product still count in it. */
  graceMs: number;
  /** metering_sn of a new record: random, at most 64 characters. */
  newMeteringSn?: () => string;
}

export interface AggregateReport {
  /** Records made. */
  sealed: number;
  /** Late events moved on to a later window, because theirs had been sealed. */
  moved: number;
  /** Late events that fit no window any more (their instance was released since). */
  unbillable: number;
}

const GROUPS_PER_PASS = 5_000;
const MAX_PASSES = 20;
const SEALS_PER_TRANSACTION = 500;

/**
 * Seals every window that is closed (grace included) and still has open events into one usage record per instance,
 * package and window. Safe on several replicas at once: a window's record is inserted under a unique key, together
 * with the marking of the events it sums (src/store/usage-records.ts sealWindows).
 */
export async function aggregateWindows(ctx: MeterContext, rules: AggregateRules): Promise<AggregateReport> {
  const report: AggregateReport = { sealed: 0, moved: 0, unbillable: 0 };
  const newSn = rules.newMeteringSn ?? randomUUID;
  for (let pass = 0; pass < MAX_PASSES; pass += 1) {
    const now = ctx.now();
    const groups = await closedOpenWindows(ctx.db, now - rules.graceMs - ctx.windows.lengthMs, GROUPS_PER_PASS);
    if (groups.length === 0) break;
    const instances = await instancesById(
      ctx.db,
      groups.map((group) => group.instanceId),
    );
    const sealed = await sealedWindows(ctx.db, [...instances.keys()], groups[0]!.windowStart);
    let changed = 0;
    const seals: SealRequest[] = [];
    for (const group of groups) {
      const instance = instances.get(group.instanceId);
      if (instance === undefined) {
        report.unbillable += await markUnbillable(ctx.db, group, group.windowStart, 'the instance is not known to kgkit');
        continue;
      }
      const life = lifeOf(instance);
      const target = targetWindow(group.windowStart, sealed.get(usageKeyId(group)) ?? new Set(), ctx.windows, life);
      if (target === undefined) {
        const count = await markUnbillable(ctx.db, group, group.windowStart, 'its window was reported before it came and the instance was released since');
        ctx.logger.warn('usage: late events can no longer be billed', { instanceId: group.instanceId, events: count });
        report.unbillable += count;
      } else if (target !== group.windowStart) {
        const moved = await moveOpenEvents(ctx.db, group, group.windowStart, target);
        report.moved += moved;
        changed += moved;
      } else {
        const windowEnd = group.windowStart + ctx.windows.lengthMs;
        const recordAt = Math.floor(now / SECOND_MS) * SECOND_MS;
        seals.push({ ...group, meteringSn: newSn(), windowEnd, ...recordBounds(group.windowStart, windowEnd, life)!, recordAt });
      }
    }
    for (let at = 0; at < seals.length; at += SEALS_PER_TRANSACTION) {
      const made = await sealWindows(ctx.db, seals.slice(at, at + SEALS_PER_TRANSACTION));
      report.sealed += made.size;
      changed += made.size;
    }
    // Moved events may land in a window that is itself closed: another pass seals it. A pass that changed nothing
    // means the rest belongs to another replica's work in progress.
    if (changed === 0) break;
  }
  return report;
}
