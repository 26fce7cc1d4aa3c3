import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/store/migrations.js';
import { rememberNonce } from '../../src/store/nonces.js';
import { pruneExpiredNonces } from '../../src/store/retention.js';
import { parseDatabaseUrl } from '../../src/store/connect.js';
import { SqlInstanceRepository } from '../../src/store/instances.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import type { Kysely } from 'kysely';
import { TEST_DATA_KEYS } from '../support/server.js';

describe('DATABASE_URL', () => {
  it.each([
    [undefined, { dialect: 'sqlite', target: 'data/kgkit.sqlite' }],
    ['', { dialect: 'sqlite', target: 'data/kgkit.sqlite' }],
    ['file:/var/lib/kgkit/x.sqlite', { dialect: 'sqlite', target: '/var/lib/kgkit/x.sqlite' }],
    ['postgres://u@h:5432/db', { dialect: 'postgres', target: 'postgres://u@h:5432/db' }],
    ['postgresql://u@h/db', { dialect: 'postgres', target: 'postgresql://u@h/db' }],
  ])('%s → %o', (url, expected) => expect(parseDatabaseUrl(url)).toEqual(expected));

  it.each(['mysql://x', 'file:', 'data/x.sqlite'])('refuses %s', (url) => expect(() => parseDatabaseUrl(url)).toThrow(/DATABASE_URL/));
});

describe.each(DIALECTS)('store on %s', (dialect) => {
  let store: TestStore;
  let repo: SqlInstanceRepository;
  const now = 1_700_000_000_000;
  beforeAll(async () => {
    store = await openTestStore(dialect);
    repo = new SqlInstanceRepository(store.db, TEST_DATA_KEYS);
  });
  afterAll(async () => store.dispose());

  it('applies migrations once; running them again changes nothing', async () => {
    expect(await migrateToLatest(store.db as Kysely<unknown>, dialect)).toEqual([]);
  });

  it.runIf(dialect === 'postgres')('migrates its own schema while another schema of the database already holds kgkit', async () => {
    const second = await openTestStore('postgres');
    try {
      expect(await rememberNonce(second.db, 'basic', 'SECOND', now)).toBe(true);
    } finally {
      await second.dispose();
    }
  });

  it('remembers a nonce once per scope and prunes it after expiry', async () => {
    expect(await rememberNonce(store.db, 'basic', 'N1', now + 120_000)).toBe(true);
    expect(await rememberNonce(store.db, 'basic', 'N1', now + 120_000)).toBe(false);
    expect(await rememberNonce(store.db, 'kit', 'N1', now + 120_000)).toBe(true);
    expect(await pruneExpiredNonces({ db: store.db, dialect, limit: 1000 }, now + 120_001)).toBe(2);
    expect(await rememberNonce(store.db, 'basic', 'N1', now + 240_000)).toBe(true);
  });

  it('accepts exactly one of 16 concurrent uses of a nonce', async () => {
    const results = await Promise.all(Array.from({ length: 16 }, () => rememberNonce(store.db, 'basic', 'RACE', now + 120_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('stores exactly one instance for 16 concurrent inserts of one order line', async () => {
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        repo.insertProvisioning({
          instanceId: `race-${i}`,
          orderId: 'O-RACE',
          orderLineId: 'O-RACE-1',
          businessId: `race-${i}`,
          test: false,
          leaseUntil: now,
          now,
        }),
      ),
    );
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    const rows = await store.db.selectFrom('instances').selectAll().where('order_id', '=', 'O-RACE').execute();
    expect(rows).toHaveLength(1);
  });

  it('lets exactly one of 16 concurrent callers take over a failed attempt', async () => {
    await repo.insertProvisioning({ instanceId: 'claim-1', orderId: 'O-C', orderLineId: 'O-C-1', businessId: 'claim-1', test: false, leaseUntil: now, now });
    await repo.failProvisioning('claim-1', 'boom', now);
    const wins = await Promise.all(Array.from({ length: 16 }, () => repo.claimProvisioning('claim-1', now, now + 60_000)));
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect((await repo.findById('claim-1'))?.provisionAttempts).toBe(2);
  });

  it('applies an order once under 16 concurrent attempts and moves the expiry with it', async () => {
    await repo.insertProvisioning({ instanceId: 'ord-1', orderId: 'O-1', orderLineId: 'O-1-1', businessId: 'ord-1', test: false, leaseUntil: now, now });
    const order = {
      instanceId: 'ord-1',
      orderId: 'R-1',
      orderLineId: 'R-1-1',
      kind: 'refresh' as const,
      scene: 'RENEWAL',
      expiresAt: now + 86_400_000,
      productId: 'P-2',
      appliedAt: now,
    };
    const applied = await Promise.all(Array.from({ length: 16 }, () => repo.applyOrder(order)));
    expect(applied.filter(Boolean)).toHaveLength(1);
    expect(await repo.findById('ord-1')).toMatchObject({ expiresAt: now + 86_400_000, productId: 'P-2' });
    expect(await repo.hasOrder('ord-1', 'R-1', 'refresh', 'RENEWAL')).toBe(true);
    expect(await repo.hasOrder('ord-1', 'R-1', 'refresh', 'TRIAL_TO_FORMAL')).toBe(false);
  });

  it('round-trips app info, flags and epoch milliseconds as numbers', async () => {
    await repo.insertProvisioning({ instanceId: 'rt-1', orderId: 'O-RT', orderLineId: 'O-RT-1', businessId: 'rt-1', test: true, leaseUntil: now + 1, now });
    await repo.completeProvisioning('rt-1', { frontEndUrl: 'https://x.example.com', memo: '中文 memo' }, now + 5);
    await repo.setFrozen('rt-1', true, now + 6);
    expect(await repo.findById('rt-1')).toMatchObject({
      status: 'ACTIVE',
      test: true,
      frozen: true,
      appInfo: { frontEndUrl: 'https://x.example.com', memo: '中文 memo' },
      createdAt: now,
      updatedAt: now + 6,
      provisionLeaseUntil: null,
    });
  });
});
