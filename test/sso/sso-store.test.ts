import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../src/sso/session.js';
import { migrateToLatest } from '../../src/store/migrations.js';
import { SqlSsoStore } from '../../src/store/sso-store.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { TEST_DATA_KEYS } from '../support/server.js';

const NOW = 1_700_000_000_000;
const session = (idHash: string, overrides: Partial<Session> = {}): Session => ({
  idHash,
  tenantId: 't1',
  tenantName: '测试企业',
  userName: 'zhangsan',
  name: '张三',
  role: 'admin',
  orgCode: '10000',
  email: null,
  mobile: '13800000000',
  refreshToken: 'r1',
  createdAt: NOW,
  expiresAt: NOW + 1_000,
  ...overrides,
});

describe.each(DIALECTS)('SSO store on %s', (dialect) => {
  let store: TestStore;
  let sso: SqlSsoStore;
  beforeAll(async () => {
    store = await openTestStore(dialect);
    sso = new SqlSsoStore(store.db, TEST_DATA_KEYS);
  });
  afterAll(async () => store.dispose());

  it('has its tables after the migrations, which run once', async () => {
    expect(await migrateToLatest(store.db as Kysely<unknown>, dialect)).toEqual([]);
    const names = (await store.db
      .selectFrom('kgkit_migrations' as never)
      .select('name' as never)
      .execute()) as { name: string }[];
    expect(names.map((row) => row.name)).toContain('0003-sso');
  });

  it('gives a login attempt to one taker only, even when takers race', async () => {
    const attempt = { stateHash: 'race', tenantId: 't1', redirectUri: 'https://seller.example.com/sso/callback', createdAt: NOW, expiresAt: NOW + 600_000 };
    await sso.saveAttempt(attempt);
    const taken = await Promise.all(Array.from({ length: 8 }, () => sso.takeAttempt('race')));
    expect(taken.filter(Boolean)).toEqual([attempt]);
    expect(await sso.takeAttempt('race')).toBeUndefined();
  });

  it('gives an expired attempt back too (the service tells expired from unknown)', async () => {
    await sso.saveAttempt({ stateHash: 'old', tenantId: 't1', redirectUri: 'https://x/cb', createdAt: NOW - 700_000, expiresAt: NOW - 100_000 });
    expect(await sso.takeAttempt('old')).toMatchObject({ expiresAt: NOW - 100_000 });
  });

  it('finds a session until its expiry, with every field as saved', async () => {
    await sso.saveSession(session('s-find'));
    expect(await sso.findSession('s-find', NOW + 999)).toEqual(session('s-find'));
    expect(await sso.findSession('s-find', NOW + 1_000)).toBeUndefined();
    expect(await sso.findSession('s-unknown', NOW)).toBeUndefined();
  });

  it('keeps the newest refresh token, and deletes a session', async () => {
    await sso.saveSession(session('s-refresh'));
    await sso.setRefreshToken('s-refresh', 'r2');
    expect((await sso.findSession('s-refresh', NOW))?.refreshToken).toBe('r2');
    await sso.deleteSession('s-refresh');
    expect(await sso.findSession('s-refresh', NOW)).toBeUndefined();
  });

  it('ends every session of one user, and only theirs', async () => {
    await sso.saveSession(session('u1-a', { userName: 'wangwu' }));
    await sso.saveSession(session('u1-b', { userName: 'wangwu' }));
    await sso.saveSession(session('u2', { userName: 'wangwu', tenantId: 't2' }));
    expect(await sso.deleteSessionsOf('t1', 'wangwu')).toBe(2);
    expect(await sso.findSession('u2', NOW)).toBeDefined();
  });

  it('prunes what expired, and nothing else', async () => {
    await sso.saveAttempt({ stateHash: 'p-old', tenantId: 't1', redirectUri: 'https://x/cb', createdAt: NOW, expiresAt: NOW + 10 });
    await sso.saveAttempt({ stateHash: 'p-new', tenantId: 't1', redirectUri: 'https://x/cb', createdAt: NOW, expiresAt: NOW + 30 });
    await sso.saveSession(session('p-old', { expiresAt: NOW + 10 }));
    await sso.saveSession(session('p-new', { expiresAt: NOW + 30 }));
    await sso.prune(NOW + 20);
    expect(await sso.takeAttempt('p-old')).toBeUndefined();
    expect(await sso.takeAttempt('p-new')).toBeDefined();
    expect(await sso.findSession('p-old', NOW)).toBeUndefined();
    expect(await sso.findSession('p-new', NOW)).toBeDefined();
  });
});
