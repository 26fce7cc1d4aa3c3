import type { InstanceWithoutAccess } from '../store/instances.js';
import { type UsageEventRow, findUsageEvents, insertUsageEvents, openWindowSums } from '../store/usage-events.js';
import { usageKeyId } from '../store/usage-records.js';
import { sealedSpans } from '../store/usage-seals.js';
import { type MeterContext, instancesById, lifeOf } from './context.js';
import { MAX_UNITS, parseQuantity } from './quantity.js';
import { type BillingWindows, RECORD_AGE_LIMIT_MS, recordBounds, targetWindow } from './windows.js';

/** One usage event of the seller's product. */
export interface UsageEventInput {
  /** The caller's idempotency id (at most 128 characters): a resend with the same id is counted once. */
  eventId: string;
  /** The pay-per-use instance (the instanceId kgkit answered newInstance with). */
  instanceId: string;
  /** How much was used: > 0, at most 4 decimals, at most 99999999.9999. A string is exact; a number is read as printed. */
  quantity: string | number;
  /** When the usage happened, epoch ms; now by default. */
  occurredAt?: number;
  /** The package instance this usage is deducted from (`relate_pkg_instance`, stop-before-excess packages). */
  packageInstanceId?: string;
}

export type RecordCode = '000000' | '000002' | '000003';

export interface RecordResult {
  eventId: string;
  /** recorded: counted now; duplicate: this id was counted before with the same content; refused: not counted. */
  status: 'recorded' | 'duplicate' | 'refused';
  code: RecordCode;
  message?: string;
}

export interface RecordRules {
  /** How far ahead of kgkit's clock an occurredAt may be (the product's clock may run a little fast). */
  maxSkewMs: number;
  /** The instance's charging mode (from its order), or undefined when not known; anything but pay-per-use is refused. */
  chargingModeOf?: (instanceId: string) => Promise<string | undefined>;
}

const MAX_EVENTS_PER_CALL = 1000;
const PAY_PER_USE_MODES = new Set(['ON_DEMAND', 'ON_DEMAND_PKG']);

interface Candidate {
  eventId: string;
  instanceId: string;
  packageInstanceId: string;
  units: number;
  occurredAt: number;
  occurredAtGiven: boolean;
  windowStart: number;
}

const refused = (eventId: string, code: '000002' | '000003', message: string): RecordResult => ({ eventId, status: 'refused', code, message });
const recorded = (eventId: string): RecordResult => ({ eventId, status: 'recorded', code: '000000' });
const iso = (at: number) => new Date(at).toISOString();

/** Records a call's events (see UsageMeter.record); one result per event, in order. */
export async function recordEvents(ctx: MeterContext, rules: RecordRules, events: readonly unknown[]): Promise<RecordResult[]> {
  if (!Array.isArray(events)) return [refused('', '000002', 'events must be a list of usage events')];
  if (events.length > MAX_EVENTS_PER_CALL) {
    return events.map((event) => refused(eventIdOf(event), '000002', `a call records at most ${MAX_EVENTS_PER_CALL} events (got ${events.length})`));
  }
  const now = ctx.now();
  const results: RecordResult[] = new Array(events.length);
  const firsts = new Map<string, { index: number; candidate: Candidate }>();
  const repeats: { index: number; candidate: Candidate; first: { index: number; candidate: Candidate } }[] = [];
  events.forEach((event, index) => {
    const parsed = parseEvent(ctx, event, now);
    if ('status' in parsed) results[index] = parsed;
    else if (firsts.has(parsed.eventId)) repeats.push({ index, candidate: parsed, first: firsts.get(parsed.eventId)! });
    else firsts.set(parsed.eventId, { index, candidate: parsed });
  });

  const stored = new Map((await findUsageEvents(ctx.db, [...firsts.keys()])).map((row) => [row.event_id, row]));
  const fresh: { index: number; candidate: Candidate }[] = [];
  for (const first of firsts.values()) {
    const row = stored.get(first.candidate.eventId);
    if (row === undefined) fresh.push(first);
    else results[first.index] = compare(first.candidate, row);
  }

  const accepted = await checkNewEvents(ctx, rules, now, fresh, results);
  const inserted = await insertUsageEvents(
    ctx.db,
    accepted.map(({ candidate }) => toRow(candidate, now)),
  );
  const lost = accepted.filter(({ candidate }) => !inserted.has(candidate.eventId));
  const raced = new Map(
    (
      await findUsageEvents(
        ctx.db,
        lost.map(({ candidate }) => candidate.eventId),
      )
    ).map((row) => [row.event_id, row]),
  );
  for (const { index, candidate } of accepted) {
    const row = raced.get(candidate.eventId);
    results[index] = inserted.has(candidate.eventId)
      ? recorded(candidate.eventId)
      : row
        ? compare(candidate, row)
        : refused(candidate.eventId, '000002', 'not recorded: try again');
  }

  // The same id twice in one call: the later one is a resend of the first.
  for (const { index, candidate, first } of repeats) {
    const earlier = results[first.index]!;
    results[index] = earlier.status === 'refused' ? earlier : compare(candidate, toRow(first.candidate, now));
  }
  return results;
}

function eventIdOf(event: unknown): string {
  const id = (event as { eventId?: unknown } | null)?.eventId;
  return typeof id === 'string' ? id : '';
}

function parseEvent(ctx: MeterContext, event: unknown, now: number): Candidate | RecordResult {
  const eventId = eventIdOf(event);
  if (event === null || typeof event !== 'object') return refused(eventId, '000002', 'a usage event must be an object');
  const input = event as Record<string, unknown>;
  if (typeof input.eventId !== 'string' || input.eventId.length === 0 || input.eventId.length > 128) {
    return refused(eventId, '000002', 'eventId must be a string of 1 to 128 characters');
  }
  if (typeof input.instanceId !== 'string' || input.instanceId.length === 0 || input.instanceId.length > 64) {
    return refused(eventId, '000002', 'instanceId must be a string of 1 to 64 characters');
  }
  // JSON callers may send null for an optional field: it means the same as leaving it out.
  const packageInstanceId = input.packageInstanceId ?? '';
  if (
    typeof packageInstanceId !== 'string' ||
    packageInstanceId.length > 64 ||
    (input.packageInstanceId !== undefined && input.packageInstanceId !== null && packageInstanceId === '')
  ) {
    return refused(eventId, '000002', 'packageInstanceId, when given, must be a string of 1 to 64 characters');
  }
  const quantity = parseQuantity(input.quantity);
  if ('error' in quantity) return refused(eventId, '000002', quantity.error);
  const occurredAtGiven = input.occurredAt !== undefined && input.occurredAt !== null;
  const occurredAt = input.occurredAt ?? now;
  if (typeof occurredAt !== 'number' || !Number.isSafeInteger(occurredAt) || occurredAt < 0) {
    return refused(eventId, '000002', 'occurredAt must be a time in epoch milliseconds');
  }
  return {
    eventId,
    instanceId: input.instanceId,
    packageInstanceId,
    units: quantity.units,
    occurredAt,
    occurredAtGiven,
    windowStart: ctx.windows.startOf(occurredAt),
  };
}

function toRow(candidate: Candidate, now: number): UsageEventRow {
  return {
    event_id: candidate.eventId,
    instance_id: candidate.instanceId,
    package_instance_id: candidate.packageInstanceId,
    quantity: candidate.units,
    occurred_at: candidate.occurredAt,
    occurred_at_given: candidate.occurredAtGiven ? 1 : 0,
    recorded_at: now,
    window_start: candidate.windowStart,
    metering_sn: null,
    unbillable: null,
  };
}

/** A resend matches when its content is the same; an occurredAt counts only when both the resend and the original gave one. */
function compare(candidate: Candidate, row: UsageEventRow): RecordResult {
  const same =
    row.instance_id === candidate.instanceId &&
    row.package_instance_id === candidate.packageInstanceId &&
    Number(row.quantity) === candidate.units &&
    (!candidate.occurredAtGiven || row.occurred_at_given === 0 || Number(row.occurred_at) === candidate.occurredAt);
  return same
    ? { eventId: candidate.eventId, status: 'duplicate', code: '000000' }
    : refused(candidate.eventId, '000002', 'eventId reused with different content');
}

/** The rules a new event must meet; writes the refusals into `results` and answers the events that pass. */
async function checkNewEvents(
  ctx: MeterContext,
  rules: RecordRules,
  now: number,
  fresh: { index: number; candidate: Candidate }[],
  results: RecordResult[],
): Promise<{ index: number; candidate: Candidate }[]> {
  const instances = await instancesById(
    ctx.db,
    fresh.map(({ candidate }) => candidate.instanceId),
  );
  const modes = await chargingModes(ctx, rules, [...instances.keys()]);
  let passing = fresh.filter(({ index, candidate }) => {
    const instance = instances.get(candidate.instanceId);
    const refusal =
      instance === undefined
        ? refused(candidate.eventId, '000003', `instance ${candidate.instanceId} is not known to kgkit`)
        : timeRefusal({ rules, windows: ctx.windows, now, modes }, candidate, instance);
    if (refusal) results[index] = refusal;
    return refusal === undefined;
  });

  // A late event of a released instance needs a window that is not sealed and still within the instance's life.
  const released = [...new Set(passing.map(({ candidate }) => candidate.instanceId))].filter((id) => instances.get(id)!.status === 'RELEASED');
  if (released.length > 0) {
    const earliest = Math.min(...passing.map(({ candidate }) => candidate.windowStart));
    const sealed = await sealedSpans(ctx.db, released, earliest);
    passing = passing.filter(({ index, candidate }) => {
      const instance = instances.get(candidate.instanceId)!;
      if (instance.status !== 'RELEASED') return true;
      const windows = sealed.get(usageKeyId(candidate)) ?? new Map<number, number>();
      if (targetWindow(candidate.windowStart, windows, ctx.windows, lifeOf(instance)) !== undefined) return true;
      results[index] = refused(
        candidate.eventId,
        '000002',
        'the billing window of occurredAt was already reported and the instance was released since: the usage can no longer be billed',
      );
      return false;
    });
  }
  return withinWindowLimit(ctx, passing, results);
}

async function chargingModes(ctx: MeterContext, rules: RecordRules, instanceIds: string[]): Promise<Map<string, string | undefined>> {
  const modes = new Map<string, string | undefined>();
  if (rules.chargingModeOf === undefined) return modes;
  for (const instanceId of instanceIds) {
    try {
      modes.set(instanceId, await rules.chargingModeOf(instanceId));
    } catch (error) {
      // The order lookup failing must not lose usage: record it, the marketplace checks the mode again (SDR code 012).
      ctx.logger.warn('usage: charging mode lookup failed; recording without the check', { instanceId, error: (error as Error).message });
    }
  }
  return modes;
}

function timeRefusal(
  { rules, windows, now, modes }: { rules: RecordRules; windows: BillingWindows; now: number; modes: Map<string, string | undefined> },
  candidate: Candidate,
  instance: InstanceWithoutAccess,
): RecordResult | undefined {
  const { eventId, occurredAt } = candidate;
  const mode = modes.get(candidate.instanceId);
  if (mode !== undefined && !PAY_PER_USE_MODES.has(mode)) return refused(eventId, '000002', `instance is not pay-per-use (charging mode ${mode})`);
  if (occurredAt > now + rules.maxSkewMs) return refused(eventId, '000002', `occurredAt ${iso(occurredAt)} is in the future (kgkit's clock reads ${iso(now)})`);
  if (occurredAt < now - RECORD_AGE_LIMIT_MS) {
    return refused(eventId, '000002', `occurredAt ${iso(occurredAt)} is more than 21 days ago: the marketplace no longer accepts usage that old (MKT.9004)`);
  }
  const life = lifeOf(instance);
  if (occurredAt < life.createdAt)
    return refused(eventId, '000002', `occurredAt ${iso(occurredAt)} is before the instance was created (${iso(life.createdAt)})`);
  if (life.releasedAt !== undefined && occurredAt >= life.releasedAt) {
    return refused(eventId, '000002', `occurredAt ${iso(occurredAt)} is at or after the instance was released (${iso(life.releasedAt)})`);
  }
  if (recordBounds(candidate.windowStart, candidate.windowStart + windows.lengthMs, life) === undefined) {
    return refused(
      eventId,
      '000002',
      `occurredAt ${iso(occurredAt)} cannot be reported: a usage record needs a whole second of the instance's life in its window`,
    );
  }
  return undefined;
}

/**
 * One record carries at most 99999999.9999 (Double(12,4)): an event that would take its window past that is refused.
 * This reads the window's open sum first, so two callers racing on one window may still pass it together; the
 * marketplace then refuses that record (MKT.0100) and status shows it.
 */
async function withinWindowLimit(ctx: MeterContext, passing: { index: number; candidate: Candidate }[], results: RecordResult[]) {
  if (passing.length === 0) return passing;
  const earliest = Math.min(...passing.map(({ candidate }) => candidate.windowStart));
  const sums = new Map<string, bigint>();
  for (const sum of await openWindowSums(ctx.db, [...new Set(passing.map(({ candidate }) => candidate.instanceId))], earliest)) {
    sums.set(`${usageKeyId(sum)}\n${sum.windowStart}`, sum.units);
  }
  return passing.filter(({ index, candidate }) => {
    const key = `${usageKeyId(candidate)}\n${candidate.windowStart}`;
    const total = (sums.get(key) ?? 0n) + BigInt(candidate.units);
    if (total > BigInt(MAX_UNITS)) {
      results[index] = refused(candidate.eventId, '000002', 'the usage of one billing window may not exceed 99999999.9999');
      return false;
    }
    sums.set(key, total);
    return true;
  });
}
