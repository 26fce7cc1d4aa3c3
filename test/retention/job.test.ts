import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type LogFields, jsonLogger } from '../../src/log.js';
import { MIN_USAGE_DAYS } from '../../src/retention/policy.js';
import { rememberNonce } from '../../src/store/nonces.js';
import { SqlSsoStore } from '../../src/store/sso-store.js';
import { DAY_MS, RECORD_AGE_LIMIT_MS } from '../../src/usage/windows.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { DAY, NOW, POLICY, auditEvent, countOf, jobOn, ssoSession } from './seed.js';
import { TEST_DATA_KEYS } from '../support/server.js';

type Line = LogFields & { level: string; msg: string };

describe.each(DIALECTS)('the retention job on %s', (dialect) => {
  let store: TestStore;
  let lines: Line[];
  const logger = () => jsonLogger('debug', (line) => lines.push(JSON.parse(line) as Line));

  beforeEach(async () => {
    store = await openTestStore(dialect);
    lines = [];
  });
  afterEach(async () => {
    vi.useRealTimers();
    await store.dispose();
  });

  it('logs one info line a run with the rows pruned per table, and nothing when nothing was pruned', async () => {
    await auditEvent(store.db, 'old', NOW - 11 * DAY);
    await rememberNonce(store.db, 'basic', 'expired', NOW - 1);
    const job = jobOn(store, () => NOW, { logger: logger() });
    await job.runOnce();
    expect(lines).toEqual([{ time: expect.any(String), level: 'info', msg: 'retention: pruned old rows', pruned: { events: 1, nonces: 1 }, durationMs: 0 }]);
    await job.runOnce();
    expect(lines).toHaveLength(1);
  });

  it('logs a failing table as a warning, prunes the others, and tries it again on the next run', async () => {
    const sso = new SqlSsoStore(store.db, TEST_DATA_KEYS);
    await sso.saveSession(ssoSession('expired', 0, NOW - 1));
    await auditEvent(store.db, 'old', NOW - 11 * DAY);
    const job = jobOn(store, () => NOW, { logger: logger() });
    await sql`alter table sso_sessions rename to sso_sessions_away`.execute(store.db);
    const report = await job.runOnce();
    await sql`alter table sso_sessions_away rename to sso_sessions`.execute(store.db);

    expect(report.failed).toEqual(['sso_sessions']);
    expect(lines.map((line) => [line.level, line.msg, line.table ?? line.pruned])).toEqual([
      ['warn', 'retention: pruning failed; the next run tries again', 'sso_sessions'],
      ['info', 'retention: pruned old rows', { events: 1 }],
    ]);
    expect((await job.runOnce()).pruned.sso_sessions).toBe(1);
  });

  it('runs on a jittered interval, and once stopped starts no batch and no run', async () => {
    await rememberNonce(store.db, 'basic', 'expired', NOW - 1);
    for (let i = 0; i < 5; i += 1) await auditEvent(store.db, `old-${i}`, NOW - 11 * DAY);
    // Every statement's result waits for the gate: the test decides when the run's first batch is over.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let held = 0;
    const db = store.db.withPlugin({ transformQuery: (args) => args.node, transformResult: async (args) => ((held += 1), await gate, args.result) });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    // random() = 0: the earliest the jitter allows, four fifths of the interval.
    const job = jobOn({ db, dialect }, () => NOW, { logger: logger(), random: () => 0, batchSize: 1 });
    const stop = job.start(10_000);
    await vi.advanceTimersByTimeAsync(7_999);
    expect(held).toBe(0);

    await vi.advanceTimersByTimeAsync(1);
    while (held === 0) await new Promise((resolve) => setImmediate(resolve));
    // The run's first batch (the expired nonce) is in flight: stopping waits for it, and no other batch starts.
    const stopped = stop();
    open();
    await stopped;
    expect(held).toBe(1);
    expect([await countOf(store.db, 'nonces'), await countOf(store.db, 'events')]).toEqual([0, 5]);
    expect(lines.map((line) => [line.level, line.pruned])).toEqual([['info', { nonces: 1 }]]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(held).toBe(1);
  });

  it('refuses a policy that would prune what is still needed', () => {
    expect(() => jobOn(store, () => NOW, { policy: { ...POLICY, usageDays: 21 } })).toThrow(
      `usageDays must be 0 (keep forever) or an integer from ${MIN_USAGE_DAYS}`,
    );
    expect(() => jobOn(store, () => NOW, { policy: { ...POLICY, auditDays: -1 } })).toThrow(/auditDays/);
    expect(() => jobOn(store, () => NOW, { batchSize: 0 })).toThrow(/batchSize/);
  });
});

it('keeps usage longer than the 21 days in which a record may still be pushed, plus a daily window', () => {
  expect(MIN_USAGE_DAYS * DAY_MS).toBeGreaterThan(RECORD_AGE_LIMIT_MS + DAY_MS);
});
