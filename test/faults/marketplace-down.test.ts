import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InstanceLifecycle } from '../../src/instances/lifecycle.js';
import { builtinProvisioner } from '../../src/provisioning/builtin-provisioner.js';
import { type Store, openStore } from '../../src/store/connect.js';
import { SqlInstanceRepository } from '../../src/store/instances.js';
import { MARKETPLACE_KEYS } from '../support/marketplace-server.js';
import { type Replica, type SharedSchema, freshSchema, spread, startReplica, startReplicas, stopAll, until } from '../support/replicas.js';
import { DIALECTS } from '../support/stores.js';
import { restartableMarketplace } from './restartable-marketplace.js';
import { TEST_DATA_KEYS } from '../support/server.js';

// The marketplace down, then slow, while the server processes push usage: their meters run as deployed (a tick a
// second, a 500 ms client timeout, the transport's own retries). The double is stopped before the records are sealed,
// so their first delivery fails; it comes back on the same port holding its first answers past the client timeout
// after billing them. Every record must be billed exactly once, with the sums of the events recorded. On PostgreSQL two
// replicas push at once; on SQLite one process does.
const KEY = MARKETPLACE_KEYS.accessKey;
const API_TOKEN = 'marketplace-down-token-0123456789';
const HOUR = 3_600_000;
const INSTANCES = 8;
const WINDOWS = 3;
const HELD_PUSHES = 2;
const REPORT = process.env.FAULTS_REPORT !== undefined;

describe.each(DIALECTS)('the marketplace down or slow during the usage push, on %s', (dialect) => {
  let marketplace: Awaited<ReturnType<typeof restartableMarketplace>>;
  let replicas: Replica[] = [];
  let store: Store;
  let shared: SharedSchema | undefined;
  let dir: string | undefined;
  let held = 0;

  beforeAll(async () => {
    marketplace = await restartableMarketplace({
      // While `held` lasts, a push is billed, then its answer held past the client's timeout.
      fault: (operation) => (operation === 'pushUsage' && held > 0 ? (held--, 'timeout') : undefined),
      holdMs: 2_000,
    });
    await marketplace.up();
    const env = {
      KOOGALLERY_ACCESS_KEY: KEY,
      KGKIT_API_TOKEN: API_TOKEN,
      MARKETPLACE_URL: marketplace.url,
      MARKETPLACE_TIMEOUT_MS: '500',
      USAGE_PUSH_INTERVAL_MS: '1000',
    };
    if (dialect === 'postgres') {
      shared = await freshSchema(process.env.DATABASE_URL!);
      replicas = await startReplicas(2, { ...env, DATABASE_URL: shared.databaseUrl });
      store = await shared.store();
    } else {
      dir = mkdtempSync(join(tmpdir(), 'kgkit-faults-'));
      const file = join(dir, 'kgkit.sqlite');
      replicas = [await startReplica('server', { ...env, DATABASE_URL: `file:${file}` })];
      store = await openStore({ dialect: 'sqlite', target: file });
    }
  }, 60_000);
  afterAll(async () => {
    await stopAll(replicas);
    await marketplace?.down();
    if (shared) await shared.drop();
    else await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('loses no record and bills none twice', async () => {
    const hourStart = Math.floor(Date.now() / HOUR) * HOUR;
    const lifecycle = new InstanceLifecycle({
      repository: new SqlInstanceRepository(store.db, TEST_DATA_KEYS),
      provisioner: builtinProvisioner({ frontEndUrl: 'https://app.example.com/t/{instanceId}' }),
      now: () => hourStart - 6 * HOUR,
    });
    for (let i = 0; i < INSTANCES; i++)
      await lifecycle.create({ orderId: `CSDOWN${i}`, orderLineId: `CSDOWN${i}-000001`, businessId: `down-${i}`, test: false });
    const expected = new Map<string, number>();
    const events = Array.from({ length: INSTANCES * WINDOWS * 5 }, (_, n) => {
      const instanceId = `down-${n % INSTANCES}`;
      const window = hourStart - (5 - (Math.floor(n / INSTANCES) % WINDOWS)) * HOUR;
      const units = (n % 5) + 1;
      expected.set(`${instanceId}|${window}`, (expected.get(`${instanceId}|${window}`) ?? 0) + units);
      return { eventId: `down-event-${n}`, instanceId, quantity: String(units), occurredAt: new Date(window + 120_000 + n * 1000).toISOString() };
    });

    // Down: stopped before the events come, so the first delivery of every record meets a closed port.
    await marketplace.down();
    const recorded = await Promise.all(
      replicas
        .flatMap((replica) => [replica, replica])
        .map(async (replica) => {
          const response = await fetch(`${replica.base}/kgkit/v1/usage-events`, {
            method: 'POST',
            headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
            body: JSON.stringify({ events }),
          });
          return ((await response.json()) as { results: { status: string }[] }).results.map((result) => result.status);
        }),
    );
    expect(spread(recorded.flat())).toEqual({ recorded: events.length, duplicate: (recorded.length - 1) * events.length });
    await until(
      async () => {
        const records = await store.db.selectFrom('usage_records').select(['state', 'attempts']).execute();
        return records.length === expected.size && records.every((record) => record.state === 'pending' && record.attempts >= 1);
      },
      30_000,
      'every record tried once while the marketplace is down',
    );
    const whileDown = await store.db.selectFrom('usage_records').select(['last_error']).execute();
    expect(whileDown.every((record) => /ECONNREFUSED|did not answer/.test(record.last_error ?? ''))).toBe(true);
    expect(marketplace.state.usage.size).toBe(0);

    // Back on the same port, slow: the first pushes are billed but answered after the client gave up.
    held = HELD_PUSHES;
    await marketplace.up();
    // The meter waits 15–30 s before trying a failed record again: the records are made due now, as that time passing would.
    await store.db.updateTable('usage_records').set({ next_attempt_at: Date.now() }).where('state', '=', 'pending').execute();
    const started = performance.now();
    await until(
      async () => {
        const records = await store.db.selectFrom('usage_records').select('state').execute();
        return records.every((record) => record.state === 'sent');
      },
      60_000,
      'every record sent after the marketplace came back',
    );
    const deliveredMs = performance.now() - started;

    expect(marketplace.state.violations).toEqual([]);
    expect(marketplace.state.conflicts).toEqual([]);
    expect(marketplace.state.pushes.filter((push) => push.fault === 'timeout')).toHaveLength(HELD_PUSHES);
    // A held push was billed, then sent again: the marketplace saw its records twice and billed them once.
    expect(marketplace.state.resent).toBeGreaterThanOrEqual(expected.size);
    expect(marketplace.state.usage.size).toBe(expected.size);
    const billed = new Map(
      [...marketplace.state.usage.values()].map(({ record }) => [`${record.instance_id}|${wireToMs(record.begin_time)}`, Number(record.usage_value)]),
    );
    expect(billed).toEqual(expected);
    const total = await store.db.selectFrom('usage_events').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
    expect(Number(total.n)).toBe(events.length);

    if (REPORT) {
      const records = await store.db.selectFrom('usage_records').select('attempts').execute();
      console.log(`faults: marketplace down/slow (${dialect}, ${replicas.length} process${replicas.length > 1 ? 'es' : ''})`, {
        events: events.length,
        records: expected.size,
        pushes: spread(marketplace.state.pushes.map((push) => push.fault ?? 'answered')),
        resent: marketplace.state.resent,
        attemptsPerRecord: spread(records.map((record) => String(record.attempts))),
        deliveredAfterUpMs: Math.round(deliveredMs),
      });
    }
  }, 120_000);
});

/** `yyyyMMdd'T'HHmmss'Z'` → epoch ms. */
function wireToMs(text: string): number {
  return Date.parse(text.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
}
