import { readdirSync } from 'node:fs';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InstanceLifecycle } from '../../src/instances/lifecycle.js';
import { builtinProvisioner } from '../../src/provisioning/builtin-provisioner.js';
import { SqlInstanceRepository } from '../../src/store/instances.js';
import type { Database } from '../../src/store/schema.js';
import { APP, INSTANCE, TENANT, application, auth, tenant, users } from '../support/kit-bodies.js';
import { MARKETPLACE_KEYS, startMarketplace } from '../support/marketplace-server.js';
import { type Replica, type SharedSchema, callReplica, freshSchema, percentile, spread, startReplicas, stopAll, until } from '../support/replicas.js';
import { TEST_DATA_KEYS } from '../support/server.js';

// Two real server processes on one PostgreSQL schema, every kind of duplicate spread over both at once: the database's
// unique keys, not any one process, must keep exactly one of each.
const PG_URL = process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : undefined;
const KEY = MARKETPLACE_KEYS.accessKey; // the double verifies the usage push with the basic key
const API_TOKEN = 'replica-test-api-token-0123456789';
const KIT_RSA_KEY_FILE = new URL('../fixtures/crypto/kit-rsa-3072.pem', import.meta.url).pathname;
const REPORT = process.env.REPLICAS_REPORT !== undefined;
const HOUR = 3_600_000;

describe.skipIf(!PG_URL)(
  PG_URL ? 'two replicas on one PostgreSQL schema' : 'two replicas on one PostgreSQL schema — skipped: set DATABASE_URL=postgres://…',
  () => {
    let shared: SharedSchema;
    let db: Kysely<Database>;
    let marketplace: Awaited<ReturnType<typeof startMarketplace>>;
    let replicas: Replica[] = [];

    beforeAll(async () => {
      shared = await freshSchema(PG_URL!);
      marketplace = await startMarketplace();
      replicas = await startReplicas(2, {
        DATABASE_URL: shared.databaseUrl,
        KOOGALLERY_ACCESS_KEY: KEY,
        KIT_RSA_PRIVATE_KEY_FILE: KIT_RSA_KEY_FILE,
        KGKIT_API_TOKEN: API_TOKEN,
        MARKETPLACE_URL: marketplace.url,
        USAGE_PUSH_INTERVAL_MS: '1000',
      });
      db = (await shared.store()).db;
    }, 60_000);
    afterAll(async () => {
      await stopAll(replicas);
      await marketplace?.close();
      await shared?.drop();
    }, 30_000);

    it('started together on an empty schema, the replicas migrate it once', async () => {
      const applied = await db.selectFrom(sql.table('kgkit_migrations').as('m')).select(sql<string>`name`.as('name')).execute();
      const files = readdirSync(new URL('../../src/store/migrations/', import.meta.url)).filter((file) => /^\d{4}-.*\.ts$/.test(file));
      expect(applied.map((row) => row.name).sort()).toEqual(files.map((file) => file.replace(/\.ts$/, '')).sort());
    });

    it('1,000 concurrent duplicate newInstance (20 orders × 50 copies over both) make one instance per order', async () => {
      const ORDERS = 20;
      const COPIES = 50;
      const orderId = (o: number) => `CSREPLICA${String(o).padStart(4, '0')}`;
      const started = performance.now();
      const calls = await Promise.all(
        Array.from({ length: ORDERS * COPIES }, async (_, n) => {
          const o = n % ORDERS;
          const copy = Math.floor(n / ORDERS);
          const body = { activity: 'newInstance', orderId: orderId(o), orderLineId: `${orderId(o)}-000001`, businessId: `rep-${o}-${copy}` };
          // No answer past 60 s is waited for: the timing is a figure here, not the assertion (bench/ has the targets).
          return { o, ...(await callReplica(replicas[copy % 2]!, KEY, { family: 'saas-v2', handler: 'newInstance', body, timeoutMs: 60_000 })) };
        }),
      );
      const wallMs = performance.now() - started;

      expect(calls.flatMap((call) => call.problems)).toEqual([]);
      expect(calls.filter((call) => call.code !== '000000' && call.code !== '000004')).toEqual([]);
      const idsPerOrder = new Map<number, Set<string>>();
      for (const call of calls) {
        const ids = idsPerOrder.get(call.o) ?? new Set();
        ids.add((call.answer.json as { instanceId: string }).instanceId);
        idsPerOrder.set(call.o, ids);
      }
      expect([...idsPerOrder.values()].map((ids) => ids.size)).toEqual(Array(ORDERS).fill(1));

      const rows = await db
        .selectFrom('instances')
        .select(['order_id', 'order_line_id', 'instance_id', 'status'])
        .where('order_id', 'like', 'CSREPLICA%')
        .execute();
      expect(rows).toHaveLength(ORDERS);
      for (const row of rows) expect(idsPerOrder.get(Number(row.order_id.slice('CSREPLICA'.length)))).toEqual(new Set([row.instance_id]));
      // Every instance ends ready: its provisioning either answered in time or went on in the background.
      await until(
        async () =>
          (await db.selectFrom('instances').select('status').where('order_id', 'like', 'CSREPLICA%').where('status', '!=', 'ACTIVE').execute()).length === 0,
      );

      if (REPORT) {
        const durations = calls.map((call) => call.answer.durationMs);
        console.log('replicas: duplicate newInstance', {
          calls: calls.length,
          wallMs: Math.round(wallMs),
          codes: spread(calls.map((call) => call.code!)),
          perReplica: spread(calls.map((_, n) => replicas[Math.floor(n / ORDERS) % 2]!.name)),
          p50Ms: Math.round(percentile(durations, 0.5)),
          p99Ms: Math.round(percentile(durations, 0.99)),
          maxMs: Math.round(Math.max(...durations)),
        });
      }
    }, 120_000);

    it('duplicate Kit syncs (tenantSync, applicationSync, authSync for the same keys) on both at once keep one row each', async () => {
      const COPIES = 20;
      const USERS = 25;
      const bodies = [
        ['tenantSync', tenant()],
        ['applicationSync', application()],
        ['authSync', auth(users(USERS))],
      ] as const;
      const calls = await Promise.all(
        bodies.flatMap(([handler, body]) =>
          Array.from({ length: COPIES }, (_, copy) =>
            callReplica(replicas[copy % 2]!, KEY, { family: 'kit-v2', handler, body: body as Record<string, unknown>, timeoutMs: 60_000 }),
          ),
        ),
      );
      expect(calls.flatMap((call) => call.problems)).toEqual([]);
      expect(spread(calls.map((call) => call.code!))).toEqual({ '000000': bodies.length * COPIES });

      const count = async (table: 'kit_tenants' | 'kit_applications' | 'kit_users') =>
        Number(
          (
            await db
              .selectFrom(table)
              .select(sql<number>`count(*)`.as('n'))
              .where('instance_id', '=', INSTANCE)
              .where('tenant_id', '=', TENANT)
              .executeTakeFirstOrThrow()
          ).n,
        );
      expect({ tenants: await count('kit_tenants'), applications: await count('kit_applications'), users: await count('kit_users') }).toEqual({
        tenants: 1,
        applications: 1,
        users: USERS,
      });
      const authorised = await db.selectFrom('kit_users').select('user_name').where('app_id', '=', APP).where('authorized', '=', 1).execute();
      expect(authorised).toHaveLength(USERS);
    }, 60_000);

    it('the same usage events recorded on both replicas at once count once; both meters deliver each record once', async () => {
      const INSTANCES = 10;
      const WINDOWS = 3;
      const PER_WINDOW = 10;
      const hourStart = Math.floor(Date.now() / HOUR) * HOUR;
      // The instances existed six hours ago, so that closed windows of their life can be billed now.
      const lifecycle = new InstanceLifecycle({
        repository: new SqlInstanceRepository(db, TEST_DATA_KEYS),
        provisioner: builtinProvisioner({ frontEndUrl: 'https://app.example.com/t/{instanceId}' }),
        now: () => hourStart - 6 * HOUR,
      });
      for (let i = 0; i < INSTANCES; i++)
        await lifecycle.create({ orderId: `CSMETER${i}`, orderLineId: `CSMETER${i}-000001`, businessId: `meter-${i}`, test: false });

      const expected = new Map<string, number>();
      const events = Array.from({ length: INSTANCES * WINDOWS * PER_WINDOW }, (_, n) => {
        const instanceId = `meter-${n % INSTANCES}`;
        const window = hourStart - (5 - (Math.floor(n / INSTANCES) % WINDOWS)) * HOUR;
        const units = (n % 7) + 1;
        expected.set(`${instanceId}|${window}`, (expected.get(`${instanceId}|${window}`) ?? 0) + units);
        return { eventId: `usage-${n}`, instanceId, quantity: String(units), occurredAt: new Date(window + 60_000 + n * 1000).toISOString() };
      });
      // The same call four times at once, two on each replica: the product retrying while its first try is in flight.
      const answers = await Promise.all(
        Array.from({ length: 4 }, async (_, copy) => {
          const response = await fetch(`${replicas[copy % 2]!.base}/kgkit/v1/usage-events`, {
            method: 'POST',
            headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
            body: JSON.stringify({ events }),
          });
          expect(response.status).toBe(200);
          return (await response.json()) as { resultCode: string; results: { eventId: string; status: string }[] };
        }),
      );
      expect(answers.map((answer) => answer.resultCode)).toEqual(['000000', '000000', '000000', '000000']);
      const outcomes = answers.flatMap((answer) => answer.results);
      expect(spread(outcomes.map((result) => result.status))).toEqual({ recorded: events.length, duplicate: 3 * events.length });
      expect(new Set(outcomes.filter((result) => result.status === 'recorded').map((result) => result.eventId)).size).toBe(events.length);
      const stored = await db.selectFrom('usage_events').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
      expect(Number(stored.n)).toBe(events.length);

      // Both replicas' meters seal and push every second; each window must become one record, accepted once.
      const started = performance.now();
      await until(async () => {
        const records = await db.selectFrom('usage_records').select('state').execute();
        return records.length === expected.size && records.every((record) => record.state === 'sent');
      }, 60_000);
      const deliveredMs = performance.now() - started;
      expect(marketplace.state.violations).toEqual([]);
      expect(marketplace.state.conflicts).toEqual([]);
      expect(marketplace.state.usage.size).toBe(expected.size);
      expect(marketplace.state.resent).toBe(0);
      const billed = new Map(
        [...marketplace.state.usage.values()].map(({ record }) => [`${record.instance_id}|${wireToMs(record.begin_time)}`, Number(record.usage_value)]),
      );
      expect(billed).toEqual(expected);

      if (REPORT) {
        console.log('replicas: usage', {
          events: events.length,
          calls: answers.length,
          records: expected.size,
          pushes: marketplace.state.pushes.length,
          batchSizes: marketplace.state.pushes.map((push) => push.records),
          resent: marketplace.state.resent,
          deliveredWithinMs: Math.round(deliveredMs),
        });
      }
    }, 120_000);
  },
);

/** `yyyyMMdd'T'HHmmss'Z'` → epoch ms. */
function wireToMs(text: string): number {
  return Date.parse(text.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
}
