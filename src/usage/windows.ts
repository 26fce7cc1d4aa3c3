/** Billing windows and the time rules of usage records (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649410.html). */
export const SECOND_MS = 1_000;
const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
/** The marketplace refuses a record whose begin_time is older than this (MKT.9004). */
export const RECORD_AGE_LIMIT_MS = 21 * DAY_MS;
/** Pending records older than this are flagged at risk: three days are left to deliver them. */
export const AT_RISK_AGE_MS = 18 * DAY_MS;

export type WindowKind = 'hourly' | 'daily';

export interface BillingWindows {
  kind: WindowKind;
  lengthMs: number;
  /** Start of the window that holds `at`. */
  startOf(at: number): number;
}

/**
 * Hourly windows start on the hour (UTC). Daily windows start at midnight of `dailyUtcOffsetMinutes` (default 480,
 * Beijing time: the marketplace's reporting deadlines "00:00–00:15 next day, never after 01:00" are read as Beijing
 * time — UNCONFIRMED; set 0 for UTC days).
 */
export function billingWindows(kind: WindowKind = 'hourly', dailyUtcOffsetMinutes = 480): BillingWindows {
  const lengthMs = kind === 'hourly' ? HOUR_MS : DAY_MS;
  const offsetMs = kind === 'hourly' ? 0 : dailyUtcOffsetMinutes * 60_000;
  return { kind, lengthMs, startOf: (at) => Math.floor((at + offsetMs) / lengthMs) * lengthMs - offsetMs };
}

export interface InstanceLife {
  createdAt: number;
  /** Undefined while the instance runs. */
  releasedAt?: number;
}

/**
 * `begin_time` ≥ resource start and `end_time` ≤ close time, in whole seconds (the wire format has no milliseconds):
 * the start is rounded up, the end down. Undefined when nothing of the window lies within the instance's life.
 */
export function recordBounds(windowStart: number, windowEnd: number, life: InstanceLife): { beginAt: number; endAt: number } | undefined {
  const beginAt = Math.max(windowStart, Math.ceil(life.createdAt / SECOND_MS) * SECOND_MS);
  const endAt = life.releasedAt === undefined ? windowEnd : Math.min(windowEnd, Math.floor(life.releasedAt / SECOND_MS) * SECOND_MS);
  return beginAt < endAt ? { beginAt, endAt } : undefined;
}

/**
 * The window a late event goes into: its own if that one was not sealed yet, else the earliest later window not sealed
 * for its instance. The marketplace treats two records of an instance with the same begin_time and end_time as
 * duplicates and bills only the first (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649410.html), so a sealed window is never reopened.
 * A window sealed early (seal now, docs/decisions.md#25) leaves its rest open: the rest starts where that record ended
 * and ends with the window (a window start that is not on the hour). `sealed` maps each sealed start to its record's
 * end. Whether relate_pkg_instance is part of that duplicate key is UNCONFIRMED: kgkit keys windows by instance and
 * package, so an instance used with and without a package in one hour sends two records with the same times.
 * Undefined when that window would start after the instance's release: the usage can no longer be billed.
 */
export function targetWindow(windowStart: number, sealed: ReadonlyMap<number, number>, windows: BillingWindows, life: InstanceLife): number | undefined {
  let start = windowStart;
  for (let end = sealed.get(start); end !== undefined; end = sealed.get(start)) {
    const windowEnd = windowEndOf(start, windows);
    start = end > start && end < windowEnd ? end : windowEnd;
  }
  return recordBounds(start, windowEndOf(start, windows), life) === undefined ? undefined : start;
}

/** The end of the window that `start` lies in: the next hour (or day), also for the rest of a window sealed early. */
export function windowEndOf(start: number, windows: BillingWindows): number {
  return windows.startOf(start) + windows.lengthMs;
}

/** `yyyyMMdd'T'HHmmss'Z'` (UTC), the time format of usage records. */
export function wireTime(at: number): string {
  return new Date(at)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

/** `yyyyMMddHHmmssSSS` (UTC), the `statisticalTime` of queryInstance usage info (https://support.huaweicloud.com/intl/en-us/accessg-marketplace/topic_0070649093.html). */
export function statisticalTime(at: number): string {
  return new Date(at).toISOString().replace(/[-:T.Z]/g, '');
}
