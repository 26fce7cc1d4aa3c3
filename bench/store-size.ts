import { runLoad } from './load.js';
import type { ServerProcess } from './servers.js';
import { SignedPool } from './signed-requests.js';
import { bulkInsertInstances, storedInstanceId } from './stores.js';
import { type Workload, isSuccess } from './workloads.js';

export interface StoreSizeRow {
  stored: number;
  /** Per query workload (×1, ×100): p50 and p99 in ms. */
  latency: Record<string, { p50: number; p99: number; problems: string[] }>;
}

const MIX = 1_000;

/** The same 1,000 positions spread evenly over whatever is stored: the fixed ID mix every store size is asked. */
export function idMix(stored: number): string[] {
  const count = Math.min(MIX, stored);
  return Array.from({ length: count }, (_, k) => storedInstanceId(Math.floor(((k + 0.5) * stored) / count)));
}

/**
 * queryInstance latency as the store grows: the server keeps running while rows are added straight in SQL between
 * measurements; each measurement is one connection asking the fixed ID mix one call after another, so the numbers
 * are the time of a call, not of a queue.
 */
export async function measureStoreSizes(
  server: ServerProcess,
  store: { sqlitePath: string } | { postgresUrl: string },
  sizes: readonly number[],
  seconds: number,
  queries: readonly Workload[],
): Promise<StoreSizeRow[]> {
  const rows: StoreSizeRow[] = [];
  let stored = 0;
  for (const size of [...sizes].sort((a, b) => a - b)) {
    await bulkInsertInstances(store, stored, size);
    stored = size;
    const ids = idMix(size);
    const latency: StoreSizeRow['latency'] = {};
    for (const workload of queries) {
      const amount = (workload.name.endsWith('×1') ? 300 : 60) * seconds;
      const call = (count: number) =>
        runLoad({
          url: server.url,
          path: '/saas',
          pool: new SignedPool(workload.bodies(ids), count + 10),
          connections: 1,
          amount: count,
          expect: isSuccess,
        });
      // Warm-up: the pages of the mix in the caches, and on the first size the JIT of a server just started.
      await call(rows.length === 0 ? amount : Math.ceil(amount / 5));
      const { p50, p99, problems } = await call(amount);
      latency[workload.name] = { p50, p99, problems };
    }
    rows.push({ stored: size, latency });
  }
  return rows;
}
