import { DAY_MS } from '../usage/windows.js';

/**
 * How long kgkit keeps what it no longer needs, in days; 0 keeps it forever. The defaults and their reasons are
 * docs/decisions.md#20. Expired nonces and SSO login attempts and sessions go as soon as they expire.
 */
export interface RetentionPolicy {
  /** The audit trail (`events`), by when the call was received. */
  auditDays: number;
  /** Usage events and records once their record was delivered, refused for good or expired. */
  usageDays: number;
  /** Order lookups and License uploads once they are over (found or given up, uploaded or refused). */
  jobsDays: number;
}

export const RETENTION_DEFAULTS: RetentionPolicy = { auditDays: 400, usageDays: 120, jobsDays: 120 };

/**
 * The shortest usage retention: a record may still be pushed, and a late event still land in a window, up to 21 days
 * after its begin_time (MKT.9004, https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649410.html),
 * so a sealed window must stay known for 21 days plus a daily window; 30 leaves a margin.
 */
export const MIN_USAGE_DAYS = 30;
export const MIN_RETENTION_DAYS: RetentionPolicy = { auditDays: 1, usageDays: MIN_USAGE_DAYS, jobsDays: 1 };
export const MAX_RETENTION_DAYS = 36_500;

/** What is wrong with a policy, one sentence each (none: it is valid). */
export function retentionProblems(policy: RetentionPolicy): string[] {
  const problems: string[] = [];
  for (const [name, min] of Object.entries(MIN_RETENTION_DAYS) as [keyof RetentionPolicy, number][]) {
    const days = policy[name];
    if (!Number.isInteger(days) || (days !== 0 && (days < min || days > MAX_RETENTION_DAYS))) problems.push(`${name} must be 0 (keep forever) or an integer from ${min} to ${MAX_RETENTION_DAYS}`);
  }
  return problems;
}

/** Rows older than this go; undefined: kept forever. */
export function cutoff(now: number, days: number): number | undefined {
  return days === 0 ? undefined : now - days * DAY_MS;
}
