import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Store, openStore } from '../../src/store/connect.js';
import { type Replica, spread, startReplica, stopAll } from '../support/replicas.js';
import { orderIdOf, resendUntilDone, streamCreates } from './create-stream.js';

// kill -9 of the only server, on the embedded SQLite default, in the middle of a stream of creates; then the process is
// started again on the same file. Every create acknowledged before the kill must be there, once, and the creates that
// died with the process complete when the marketplace resends them.
const KEY = 'kill-sqlite-access-key-0123';
const SLOW_PROVISIONER = new URL('./fixtures/slow-provisioner.ts', import.meta.url).pathname;
const PREFIX = 'CSSQLKILL';
const ORDERS = 120;
const REPORT = process.env.FAULTS_REPORT !== undefined;

const instanceIdOf = (json: unknown) => (json as { instanceId: string }).instanceId;

describe('kill -9 of the server on SQLite, then a restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kgkit-kill-'));
  const env = { DATABASE_URL: `file:${join(dir, 'kgkit.sqlite')}`, KOOGALLERY_ACCESS_KEY: KEY, PROVISIONER: 'module', PROVISIONER_MODULE: SLOW_PROVISIONER };
  let first: Replica;
  let second: Replica | undefined;
  let store: Store | undefined;

  beforeAll(async () => {
    first = await startReplica('first', env);
  }, 60_000);
  afterAll(async () => {
    await stopAll([first, second]);
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('keeps every acknowledged create once and completes the ones in flight after the restart', async () => {
    const { attempts, killedAtMs } = await streamCreates({
      prefix: PREFIX,
      key: KEY,
      orders: ORDERS,
      workers: 8,
      killAfterAnswers: 40,
      route: () => first,
      victim: first,
    });
    const answered = attempts.filter((attempt) => attempt.result.answer.status !== 0);
    const lost = attempts.filter((attempt) => attempt.result.answer.status === 0);
    expect(answered.flatMap((attempt) => attempt.result.problems)).toEqual([]);
    expect(lost.length).toBeGreaterThan(0);

    second = await startReplica('second', env);
    store = await openStore({ dialect: 'sqlite', target: join(dir, 'kgkit.sqlite') });
    const stored = new Map((await store.db.selectFrom('instances').select(['order_id', 'instance_id', 'status']).execute()).map((row) => [row.order_id, row]));
    for (const attempt of answered.filter((a) => a.result.code === '000000')) {
      expect(stored.get(orderIdOf(PREFIX, attempt.order))).toMatchObject({ instance_id: instanceIdOf(attempt.result.answer.json), status: 'ACTIVE' });
    }

    // The marketplace resends what got no answer and sends what it had not sent yet.
    const unsent = Array.from({ length: ORDERS }, (_, order) => order).filter((order) => !attempts.some((attempt) => attempt.order === order));
    const { resent, stranded, retaken } = await resendUntilDone(store.db, second, KEY, PREFIX, [...lost.map((attempt) => attempt.order), ...unsent]);
    expect([...resent, ...retaken].flatMap((result) => result.problems)).toEqual([]);
    expect(retaken.map((result) => result.code)).toEqual(stranded.map(() => '000000'));

    const final = await store.db.selectFrom('instances').select(['order_id', 'instance_id', 'status']).execute();
    expect(final).toHaveLength(ORDERS);
    expect(spread(final.map((row) => row.status))).toEqual({ ACTIVE: ORDERS });
    const finalIds = new Map(final.map((row) => [row.order_id, row.instance_id]));
    for (const attempt of answered) expect(finalIds.get(orderIdOf(PREFIX, attempt.order))).toBe(instanceIdOf(attempt.result.answer.json));

    if (REPORT) {
      console.log('faults: kill -9 on SQLite', {
        orders: ORDERS,
        killedAtMs: Math.round(killedAtMs),
        answeredBeforeKill: spread(answered.map((attempt) => attempt.result.code!)),
        inFlightAtKill: lost.length,
        sentAfterRestart: unsent.length,
        resentAnswers: spread(resent.map((result) => result.code ?? 'no answer')),
        waitedForLease: stranded.length,
      });
    }
  }, 120_000);
});
