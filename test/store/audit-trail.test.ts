import { randomBytes } from 'node:crypto';
import type { CompiledQuery, Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLogger } from '../../src/log.js';
import { listEvents } from '../../src/store/events.js';
import type { Database } from '../../src/store/schema.js';
import { startTestServer } from '../support/server.js';
import { DIALECTS, type TestStore, openTestStore } from '../support/stores.js';

// The audit trail is the seller's evidence in a dispute with the marketplace: every call that passed the signature
// check keeps its row, whatever the size of its IDs, and one the store still cannot keep is named in the log and
// counted on /healthz.

/** Random text of `length` characters, part ASCII, part CJK (3 bytes each in UTF-8), so byte limits are reached. */
const randomText = (length: number) => {
  const ascii = randomBytes(length).toString('base64url');
  return Array.from({ length }, (_, i) => (i % 3 === 0 ? String.fromCodePoint(0x4e00 + (ascii.charCodeAt(i) % 500)) : ascii[i]!)).join('');
};

describe.each(DIALECTS)('audit trail (%s)', (dialect) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore(dialect);
  });
  afterAll(() => store.dispose());

  const long = (length: number) => `${randomText(length)}-${randomBytes(4).toString('hex')}`;
  // Every indexed column of `events` (instance_id, order_id) with multi-kB values, in calls refused by the contract
  // and in calls it allows (a queryInstance of 100 IDs of 64 characters).
  const CALLS: [string, () => { body: Record<string, unknown>; instanceId?: string; orderId?: string }][] = [
    [
      'newInstance, orderId of 4,000 characters (refused)',
      () => {
        const orderId = long(4_000);
        return {
          body: {
            activity: 'newInstance',
            orderId,
            orderLineId: long(3_000),
            businessId: 'b',
            customerId: 'c',
            productId: 'p',
            skuCode: 's',
            chargingMode: 1,
            expireTime: '20991231000000',
          },
          orderId,
        };
      },
    ],
    [
      'releaseInstance, instanceId of 8,000 characters (refused)',
      () => {
        const instanceId = long(8_000);
        return { body: { activity: 'releaseInstance', instanceId }, instanceId };
      },
    ],
    [
      'queryInstance of 100 IDs (allowed)',
      () => {
        const instanceId = Array.from({ length: 100 }, (_, i) => `${i}-${randomBytes(30).toString('hex')}`).join(',');
        return { body: { activity: 'queryInstance', instanceId }, instanceId };
      },
    ],
    [
      'refreshInstance, every ID 6,000 characters (refused)',
      () => {
        const instanceId = long(6_000);
        const orderId = long(6_000);
        return { body: { activity: 'refreshInstance', instanceId, orderId, orderLineId: long(6_000), expireTime: '20991231000000' }, instanceId, orderId };
      },
    ],
  ];

  it.each(CALLS)('keeps the row of %s, found again by its full IDs', async (_name, make) => {
    const lines: string[] = [];
    const server = startTestServer(store, { logger: jsonLogger('debug', (line) => lines.push(line)) });
    const { body, instanceId, orderId } = make();
    const { json } = await server.call(body);
    expect(json.resultCode).toMatch(/^00000[0-3]$/);
    if (instanceId !== undefined)
      expect(await listEvents(store.db, { instanceId })).toEqual([
        expect.objectContaining({ instance_id: instanceId, activity: body.activity, result_code: json.resultCode }),
      ]);
    if (orderId !== undefined)
      expect(await listEvents(store.db, { orderId })).toEqual([expect.objectContaining({ order_id: orderId, activity: body.activity })]);
    // A lookup by a prefix alone, or by another ID sharing the prefix, finds nothing.
    if (instanceId !== undefined) expect(await listEvents(store.db, { instanceId: `${instanceId.slice(0, 200)}x` })).toEqual([]);
    expect(lines.filter((line) => /audit (write failed|row kept shortened)/.test(line))).toEqual([]);
  });

  it('keeps a row the store refuses at full length with its texts cut short, and says so', async () => {
    const lines: string[] = [];
    // The store refuses large event rows, as a database with tighter limits might; the cut-short row fits.
    const db = refusingEvents(store.db, (query) => JSON.stringify(query.parameters).length > 12_000, 'simulated: row too large');
    const server = startTestServer({ ...store, db }, { logger: jsonLogger('debug', (line) => lines.push(line)) });
    const instanceId = `salvaged-${'s'.repeat(9_000)}`;
    // The request text is cut to 16 KiB too: the request here is smaller, so only the ID makes the difference.
    const { json } = await server.call({ activity: 'releaseInstance', instanceId });
    expect(json.resultCode).toBe('000002');
    const kept = await listEvents(store.db, { instanceId: `${instanceId.slice(0, 200)}…` });
    expect(kept).toEqual([expect.objectContaining({ activity: 'releaseInstance', result_code: '000002' })]);
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.msg === 'audit row kept shortened')).toEqual([
      expect.objectContaining({ level: 'warn', family: 'saas-v2', activity: 'releaseInstance' }),
    ]);
    expect(await (await server.app.request('/healthz')).json()).toEqual({ status: 'ok', auditWriteFailures: 0 });
  });

  it('names a call it still cannot keep in the log, counts it, and answers the call all the same', async () => {
    const lines: string[] = [];
    // Every insert into events fails, as it would with the database refusing it (no DDL: other tests share the server).
    const db = refusingEvents(store.db, () => true, 'simulated: the store refused the row');
    const server = startTestServer({ ...store, db }, { logger: jsonLogger('debug', (line) => lines.push(line)) });
    const { json } = await server.call({ activity: 'queryInstance', instanceId: 'lost-audit-1' });
    expect(json.resultCode).toBe('000003');
    const failure = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((entry) => entry.msg === 'audit write failed');
    expect(failure).toMatchObject({
      level: 'error',
      family: 'saas-v2',
      activity: 'queryInstance',
      instanceId: 'lost-audit-1',
      resultCode: '000003',
      receivedAt: expect.any(String),
      auditWriteFailures: 1,
    });
    expect(await (await server.app.request('/healthz')).json()).toEqual({ status: 'ok', auditWriteFailures: 1 });
  });
});

/** The store, refusing the inserts into `events` that `refused` picks, as a database could (the audit insert is fixed SQL). */
function refusingEvents(db: Kysely<Database>, refused: (query: CompiledQuery) => boolean, message: string): Kysely<Database> {
  return new Proxy(db, {
    get(target, property) {
      if (property !== 'executeQuery') {
        // Kysely keeps its state in private fields: its methods must run on the instance itself.
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return (query: CompiledQuery) => {
        if (/^insert into events\b/.test(query.sql) && refused(query)) return Promise.reject(new Error(message));
        return target.executeQuery(query);
      };
    },
  });
}
