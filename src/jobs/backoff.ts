/** How long a job waits after a failed attempt: doubling from `baseMs` up to `capMs`, then part of it left to chance. */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
  /**
   * The share of the wait that is random, from 0 to 1: 0 waits exactly the doubled delay; 0.5 waits from half of it to
   * all of it, so that replicas that failed together do not all come back together.
   */
  jitter: number;
}

/** The wait after the `attempts`-th failed attempt (1 for the first). */
export function retryDelay(attempts: number, policy: BackoffPolicy, random: () => number): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(Math.max(attempts - 1, 0), 30));
  return Math.round(ceiling * (1 - policy.jitter) + random() * ceiling * policy.jitter);
}

export function backoffProblems({ baseMs, capMs, jitter }: BackoffPolicy): string[] {
  const problems: string[] = [];
  if (!(Number.isInteger(baseMs) && baseMs >= 0)) problems.push('backoff baseMs must be a non-negative integer');
  if (!(Number.isInteger(capMs) && capMs >= 0)) problems.push('backoff capMs must be a non-negative integer');
  if (!(jitter >= 0 && jitter <= 1)) problems.push('backoff jitter must be from 0 to 1');
  return problems;
}
