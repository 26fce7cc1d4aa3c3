import autocannon, { type AutocannonResult } from 'autocannon';
import type { SignedPool } from './signed-requests.js';

export interface LoadOptions {
  /** Base URL of the server and the path of the workload on it. */
  url: string;
  path: string;
  headers?: Record<string, string>;
  pool: SignedPool;
  connections: number;
  /** Run for this long, or until `amount` answers. */
  seconds?: number;
  amount?: number;
  /** Requests per second over all connections (autocannon's overallRate, or wrk paced: wrk-pacing.ts); unlimited when absent. */
  overallRate?: number;
  /** True for an answer of the kind the workload expects (a success code): anything else spoils the run. */
  expect: (body: string) => boolean;
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  answered: number;
  /** Why the numbers cannot be trusted (refusals, errors, a pool that ran dry); empty when they can. */
  problems: string[];
  /** Paced wrk runs only: of the calls sent, those that left after their slot (every connection busy), the worst delay. */
  late?: { calls: number; sent: number; worstMs: number };
}

/**
 * One autocannon run. rps counts the answers that passed `expect`, over the run's wall time; p50/p99 are exact
 * percentiles of every response time (ms, sub-millisecond), not autocannon's integer-millisecond histogram.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { url, path, headers = {}, pool, connections, seconds, amount, overallRate, expect } = options;
  const latencies: number[] = [];
  let accepted = 0;
  let firstRefusal: string | undefined;
  const started = performance.now();
  const instance = autocannon({
    url,
    connections,
    ...(amount !== undefined ? { amount } : { duration: seconds ?? 5 }),
    ...(overallRate !== undefined ? { overallRate } : {}),
    timeout: 10,
    requests: [
      {
        setupRequest: (request) => {
          const call = pool.take();
          return {
            ...request,
            method: 'POST',
            path: `${path}?${call.query}`,
            body: call.body,
            headers: { 'content-type': 'application/json;charset=UTF-8', ...headers },
          };
        },
      },
    ],
    // Counted here rather than as autocannon's mismatches, to keep the first unexpected answer for the report.
    verifyBody: (body) => {
      if (expect(body)) accepted += 1;
      else firstRefusal ??= body.slice(0, 200);
      return true;
    },
  });
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => latencies.push(responseTime));
  const result = await new Promise<AutocannonResult>((resolve, reject) => {
    instance.once('done', resolve);
    instance.once('error', reject);
  });
  const elapsedS = (performance.now() - started) / 1000;

  const problems: string[] = [];
  if (result.non2xx > 0) problems.push(`${result.non2xx} non-2xx (${JSON.stringify(result.statusCodeStats)})`);
  if (result.errors > 0) problems.push(`${result.errors} errors (${result.timeouts} timeouts)`);
  if (accepted < latencies.length) problems.push(`${latencies.length - accepted} unexpected answers, first: ${firstRefusal}`);
  if (pool.signedLate > 0) problems.push(`${pool.signedLate} calls signed during the run (pool too small)`);
  latencies.sort((a, b) => a - b);
  return { rps: accepted / elapsedS, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), answered: latencies.length, problems };
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}
