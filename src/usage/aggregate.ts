import { randomUUID } from 'node:crypto';
import { closedOpenWindows, markUnbillable, moveOpenEvents } from '../store/usage-events.js';
import { type SealRequest, sealWindows, usageKeyId } from '../store/usage-records.js';
import { openWindowsOf, sealedSpans } from '../store/usage-seals.js';
import { type MeterContext, instancesById, lifeOf } from './context.js';
import { SECOND_MS, recordBounds, targetWindow, windowEndOf } from './windows.js';

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

/** Seal now (docs/decisions.md#25): the open windows too, each ending now; of one instance, or of every instance. */
export interface SealNow {
  instanceId?: string;
}

const GROUPS_PER_PASS = 5_000;
const MAX_PASSES = 20;
const SEALS_PER_TRANSACTION = 500;

/**
 * Seals every window that is closed (grace included) and still has open events into one usage record per instance,
 * package and window; with `now`, the windows still open as well, each record ending at the current second. Safe on
 * several replicas at once: a window's record is inserted under a unique key, together with the marking of the events
 * it sums (src/store/usage-records.ts sealWindows).
 */
export async function aggregateWindows(ctx: MeterContext, rules: AggregateRules, now?: SealNow): Promise<AggregateReport> {
  const report: AggregateReport = { sealed: 0, moved: 0, unbillable: 0 };
  const newSn = rules.newMeteringSn ?? randomUUID;
  for (let pass = 0; pass < MAX_PASSES; pass += 1) {
    const at = ctx.now();
    // A window is closed once it ended and the grace passed: it lies before the window that holds (now - grace). The
    // rest of a window sealed early starts within its window, so the test is on the window it lies in.
    const closedBefore = ctx.windows.startOf(at - rules.graceMs);
    const latestStart = now ? at : closedBefore - 1;
    const groups =
      now?.instanceId !== undefined
        ? await openWindowsOf(ctx.db, now.instanceId, latestStart, GROUPS_PER_PASS)
        : await closedOpenWindows(ctx.db, latestStart, GROUPS_PER_PASS);
    if (groups.length === 0) break;
    const instances = await instancesById(
      ctx.db,
      groups.map((group) => group.instanceId),
    );
    const sealed = await sealedSpans(ctx.db, [...instances.keys()], groups[0]!.windowStart);
    let changed = 0;
    const seals: SealRequest[] = [];
    for (const group of groups) {
      const instance = instances.get(group.instanceId);
      if (instance === undefined) {
        report.unbillable += await markUnbillable(ctx.db, group, group.windowStart, 'the instance is not known to kgkit');
        continue;
      }
      const life = lifeOf(instance);
      const target = targetWindow(group.windowStart, sealed.get(usageKeyId(group)) ?? new Map(), ctx.windows, life);
      if (target === undefined) {
        const count = await markUnbillable(ctx.db, group, group.windowStart, 'its window was reported before it came and the instance was released since');
        ctx.logger.warn('usage: late events can no longer be billed', { instanceId: group.instanceId, events: count });
        report.unbillable += count;
      } else if (target !== group.windowStart) {
        const moved = await moveOpenEvents(ctx.db, group, group.windowStart, target);
        report.moved += moved;
        changed += moved;
      } else {
        const windowEnd = windowEndOf(group.windowStart, ctx.windows);
        const recordAt = Math.floor(at / SECOND_MS) * SECOND_MS;
        const closed = ctx.windows.startOf(group.windowStart) < closedBefore;
        const bounds = recordBounds(group.windowStart, closed ? windowEnd : Math.min(windowEnd, recordAt), life);
        // Sealed now within the second its window (or instance) began: nothing to report yet, it stays open.
        if (bounds === undefined) continue;
        seals.push({ ...group, meteringSn: newSn(), windowEnd, ...bounds, recordAt });
      }
    }
    for (let from = 0; from < seals.length; from += SEALS_PER_TRANSACTION) {
      const made = await sealWindows(ctx.db, seals.slice(from, from + SEALS_PER_TRANSACTION));
      report.sealed += made.size;
      changed += made.size;
    }
    // Moved events may land in a window that is itself closed: another pass seals it. A pass that changed nothing
    // means the rest belongs to another replica's work in progress.
    if (changed === 0) break;
  }
  return report;
}
