import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/store/schema.js';
import { type Replica, type SharedSchema, callReplica, freshSchema, spread, startReplicas, stopAll } from '../support/replicas.js';
import { orderIdOf, resendUntilDone, streamCreates } from './create-stream.js';

// kill -9 of one of two replicas in the middle of a stream of creates. What was acknowledged must be stored, once; the
// survivor goes on answering; and a create that died with the killed replica completes when the marketplace resends it
// to the survivor, once the dead replica's provisioning lease has run out.
const PG_URL = process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : undefined;
const KEY = 'kill-test-access-key-0123';
const SLOW_PROVISIONER = new URL('./fixtures/slow-provisioner.ts', import.meta.url).pathname;
const PREFIX = 'CSKILL';
const ORDERS = 240;
const REPORT = process.env.FAULTS_REPORT !== undefined;

const instanceIdOf = (json: unknown) => (json as { instanceId: string }).instanceId;

describe.skipIf(!PG_URL)(PG_URL ? 'kill -9 of a replica under load' : 'kill -9 of a replica under load — skipped: set DATABASE_URL=postgres://…', () => {
  let shared: SharedSchema;
  let db: Kysely<Database>;
  let replicas: Replica[] = [];

  beforeAll(async () => {
    shared = await freshSchema(PG_URL!);
    replicas = await startReplicas(2, {
      DATABASE_URL: shared.databaseUrl,
      KOOGALLERY_ACCESS_KEY: KEY,
      PROVISIONER: 'module',
      PROVISIONER_MODULE: SLOW_PROVISIONER,
    });
    db = (await shared.store()).db;
  }, 60_000);
  afterAll(async () => {
    await stopAll(replicas);
    await shared?.drop();
  }, 30_000);

  it('keeps every acknowledged create once, the survivor answers, and an in-flight create completes on the survivor', async () => {
    const [survivor, victim] = replicas as [Replica, Replica];
    // A round-robin balancer; once the victim is dead it sends everything to the survivor.
    const { attempts, killedAtMs, streamMs } = await streamCreates({
      prefix: PREFIX,
      key: KEY,
      orders: ORDERS,
      workers: 12,
      killAfterAnswers: 80,
      route: (order) => (order % 2 === 1 ? victim : survivor),
      victim,
      survivor,
    });

    const answered = attempts.filter((attempt) => attempt.result.answer.status !== 0);
    const lost = attempts.filter((attempt) => attempt.result.answer.status === 0);
    // The survivor answered every call it got, each within the contract; only calls on the victim went unanswered.
    expect(answered.flatMap((attempt) => attempt.result.problems)).toEqual([]);
    expect(answered.filter((attempt) => attempt.result.code !== '000000' && attempt.result.code !== '000004')).toEqual([]);
    expect(lost.filter((attempt) => attempt.replica !== victim.name)).toEqual([]);
    // With a 300 ms provisioner and 12 workers, the kill always lands on creates in flight.
    expect(lost.length).toBeGreaterThan(0);

    // Every create answered 000000 is stored with the instanceId answered, ready; no order line has two instances.
    const rows = await db.selectFrom('instances').select(['order_id', 'instance_id', 'status']).where('order_id', 'like', `${PREFIX}%`).execute();
    const byOrder = new Map(rows.map((row) => [row.order_id, row]));
    expect(byOrder.size).toBe(rows.length);
    for (const attempt of answered.filter((a) => a.result.code === '000000')) {
      expect(byOrder.get(orderIdOf(PREFIX, attempt.order))).toMatchObject({ instance_id: instanceIdOf(attempt.result.answer.json), status: 'ACTIVE' });
    }

    // The marketplace resends what got no answer, to the survivor.
    const { resent, stranded, retaken } = await resendUntilDone(
      db,
      survivor,
      KEY,
      PREFIX,
      lost.map((attempt) => attempt.order),
    );
    expect([...resent, ...retaken].flatMap((result) => result.problems)).toEqual([]);
    for (const order of stranded) expect(byOrder.get(orderIdOf(PREFIX, order))?.status).toBe('PROVISIONING');
    expect(retaken.map((result) => result.code)).toEqual(stranded.map(() => '000000'));

    // In the end: every order exactly one instance, ready, with the id first answered for it.
    const final = await db.selectFrom('instances').select(['order_id', 'instance_id', 'status']).where('order_id', 'like', `${PREFIX}%`).execute();
    expect(final).toHaveLength(ORDERS);
    expect(spread(final.map((row) => row.status))).toEqual({ ACTIVE: ORDERS });
    const finalIds = new Map(final.map((row) => [row.order_id, row.instance_id]));
    for (const attempt of answered) expect(finalIds.get(orderIdOf(PREFIX, attempt.order))).toBe(instanceIdOf(attempt.result.answer.json));
    for (const [i, order] of lost.map((attempt) => attempt.order).entries())
      expect(finalIds.get(orderIdOf(PREFIX, order))).toBe(instanceIdOf(resent[i]!.answer.json));
    const query = await callReplica(survivor, KEY, {
      family: 'saas-v2',
      handler: 'queryInstance',
      body: {
        activity: 'queryInstance',
        instanceId: final
          .slice(0, 100)
          .map((row) => row.instance_id)
          .join(','),
      },
    });
    expect([query.problems, query.code]).toEqual([[], '000000']);
    expect(await victim.exited).toBe('SIGKILL');

    if (REPORT) {
      console.log('faults: kill -9 of a replica', {
        orders: ORDERS,
        streamMs: Math.round(streamMs),
        killedAtMs: Math.round(killedAtMs),
        firstAttempts: spread(attempts.map((attempt) => `${attempt.replica}:${attempt.result.code ?? 'no answer'}`)),
        inFlightOnVictim: lost.length,
        resentAnswers: spread(resent.map((result) => result.code ?? 'no answer')),
        waitedForLease: stranded.length,
      });
    }
  }, 120_000);
});
