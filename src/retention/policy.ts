import { MAX_RETENTION_DAYS, MIN_RETENTION_DAYS, MIN_USAGE_DAYS, RETENTION_DEFAULTS, type RetentionPolicy } from '../config.js';
import { DAY_MS } from '../usage/windows.js';

// The settings and their bounds are configuration (src/config.ts); what they mean for the rows is here.
export { MAX_RETENTION_DAYS, MIN_RETENTION_DAYS, MIN_USAGE_DAYS, RETENTION_DEFAULTS, type RetentionPolicy };

/** What is wrong with a policy, one sentence each (none: it is valid). */
export function retentionProblems(policy: RetentionPolicy): string[] {
  const problems: string[] = [];
  for (const [name, min] of Object.entries(MIN_RETENTION_DAYS) as [keyof RetentionPolicy, number][]) {
    const days = policy[name];
    if (!Number.isInteger(days) || (days !== 0 && (days < min || days > MAX_RETENTION_DAYS)))
      problems.push(`${name} must be 0 (keep forever) or an integer from ${min} to ${MAX_RETENTION_DAYS}`);
  }
  return problems;
}

/** Rows older than this go; undefined: kept forever. */
export function cutoff(now: number, days: number): number | undefined {
  return days === 0 ? undefined : now - days * DAY_MS;
}
