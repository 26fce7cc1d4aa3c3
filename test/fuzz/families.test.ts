import { afterEach, describe, expect, it } from 'vitest';
import { FUZZ_FAMILIES } from './contracts.js';
import { type FuzzServer, startFuzzServer } from './harness.js';
import { describeReport } from './report.js';
import { fuzzFamily } from './run.js';
import { DIALECTS } from '../support/stores.js';

// Every family kgkit serves, fuzzed from its contract on every database: valid and invalid bodies and query strings,
// malformed bodies, mutations of signed requests (signed again and not), replays, other keys, other clocks. The run is
// small and its seed fixed (printed with the counts); `make fuzz` runs long ones with a random seed.

const SEED = 20260601;
/** Cases per family and database; the time limit cuts a run short on a slow machine instead of failing it. */
const RUNS = { sqlite: 150, postgres: 100 } as const;
const TIME_LIMIT_MS = 20_000;

describe.each(DIALECTS)('fuzzing every family on %s', (dialect) => {
  let server: FuzzServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it.each(FUZZ_FAMILIES)('%s: no 5xx, every answer inside the contract, no state change on a refusal, no error logged', { timeout: 60_000 }, async (family) => {
    server = await startFuzzServer(dialect);
    const report = await fuzzFamily(server, family, { runs: RUNS[dialect], seed: SEED, timeLimitMs: TIME_LIMIT_MS });
    console.log(describeReport(report, dialect));
    expect(report.failure).toBeUndefined();
    // Not a vacuous run: requests got through the signature to the handlers, and some were served.
    expect(report.valid).toBeGreaterThan(0);
    expect(report.accepted).toBeGreaterThan(0);
    if (family !== 'kgkit') expect(report.reachedHandler).toBeGreaterThan(0);
  });
});
