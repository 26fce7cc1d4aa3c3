/**
 * `make fuzz`: the long run of the contract fuzzer (test/fuzz/), every family on SQLite, and on PostgreSQL too when
 * DATABASE_URL=postgres://…. Each family gets a fresh store and the same seed, so one family replays on its own.
 *
 *   FUZZ_RUNS      runs per family and database (default 5000)
 *   FUZZ_SECONDS   time budget of the whole run, shared evenly by families and databases (default 600)
 *   FUZZ_SEED      the seed to replay (default: a random one, printed first)
 *   FUZZ_FAMILIES  comma-separated families (default all: saas-v2,saas-v1,kit-v2,kit-v1,license-code,online-license,order-notify,kgkit)
 *   FUZZ_PATH      fast-check's path of a counterexample, printed with a failure: replays just that case
 *   FUZZ_TRANSPORT http (default): every request over a loopback port, through @hono/node-server as in production;
 *                  fetch: straight to app.fetch in this process
 */
import { randomInt } from 'node:crypto';
import { FUZZ_FAMILIES, type FuzzFamily } from '../test/fuzz/contracts.js';
import { type Via, startFuzzServer } from '../test/fuzz/harness.js';
import { describeReport } from '../test/fuzz/report.js';
import { fuzzFamily } from '../test/fuzz/run.js';
import { DIALECTS } from '../test/support/stores.js';

function integer(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) {
    process.stderr.write(`fuzz: ${name} must be a non-negative integer, not ${JSON.stringify(text)}\n`);
    process.exit(2);
  }
  return value;
}

const runs = integer('FUZZ_RUNS', 5_000);
const seconds = integer('FUZZ_SECONDS', 600);
const seed = integer('FUZZ_SEED', randomInt(2 ** 31 - 1));
const path = process.env.FUZZ_PATH || undefined;
const via = (process.env.FUZZ_TRANSPORT || 'http') as Via;
if (via !== 'http' && via !== 'fetch') {
  process.stderr.write(`fuzz: FUZZ_TRANSPORT must be http or fetch, not ${JSON.stringify(via)}\n`);
  process.exit(2);
}
const families = (process.env.FUZZ_FAMILIES || FUZZ_FAMILIES.join(',')).split(',').map((name) => name.trim()) as FuzzFamily[];
const unknown = families.filter((name) => !(FUZZ_FAMILIES as readonly string[]).includes(name));
if (unknown.length > 0) {
  process.stderr.write(`fuzz: unknown families ${unknown.join(', ')}; known: ${FUZZ_FAMILIES.join(', ')}\n`);
  process.exit(2);
}
const timeLimitMs = Math.floor((seconds * 1000) / (families.length * DIALECTS.length));
process.stdout.write(
  `fuzz: seed ${seed} (replay with FUZZ_SEED=${seed}), up to ${runs} runs or ${Math.round(timeLimitMs / 1000)} s per family, on ${DIALECTS.join(' and ')}, ${via === 'http' ? 'over HTTP' : 'through app.fetch'}\n`,
);

let failed = 0;
for (const dialect of DIALECTS) {
  for (const family of families) {
    const server = await startFuzzServer(dialect, { via });
    try {
      const report = await fuzzFamily(server, family, { runs, seed, timeLimitMs, ...(path ? { path } : {}) });
      process.stdout.write(`${describeReport(report, dialect)}\n`);
      if (report.failure) {
        failed += 1;
        const settings = [
          `FUZZ_SEED=${seed}`,
          `FUZZ_FAMILIES=${family}`,
          ...(report.failurePath ? [`FUZZ_PATH=${report.failurePath}`] : []),
          ...(via === 'fetch' ? ['FUZZ_TRANSPORT=fetch'] : []),
          ...(DIALECTS.length > 1 ? [`DATABASE_URL=${dialect === 'sqlite' ? '' : process.env.DATABASE_URL}`] : []),
        ];
        process.stdout.write(`${report.failure}\nreplay the minimal case: ${settings.join(' ')} make fuzz\n`);
      }
    } finally {
      await server.close();
    }
  }
}
process.stdout.write(failed === 0 ? 'fuzz: no failure\n' : `fuzz: ${failed} ${failed === 1 ? 'family' : 'families'} failed\n`);
process.exit(failed === 0 ? 0 : 1);
