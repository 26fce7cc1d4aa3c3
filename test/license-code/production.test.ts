import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { licenseCodeMount } from '../../src/license-code/mount.js';
import { LicenseCodes, type LicenseCodeHooks, UnknownLicenseCode } from '../../src/license-code/license-codes.js';
import { SqlLicenseCodeStore } from '../../src/store/license-codes.js';
import { businessState, type FamilyServer, startFamilyServer } from '../support/license-families.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';

// Every answer below goes through server.call, which checks it against the activity's response schema in the YAML.
describe.each(DIALECTS)('license code 2.0 production interface on %s', (dialect) => {
  let store: TestStore;
  let server: FamilyServer;
  let codes: SqlLicenseCodeStore;
  let n = 0;
  /** A code the seller registered (e.g. when its software activated it), expiring 2027-05-23. */
  const registered = async (extra: { orderId?: string; productId?: string } = {}) => {
    n += 1;
    const license = `PL2305231819T${String(n).padStart(4, '0')}`;
    await new LicenseCodes({ store: codes }).register({ license, expiresAt: Date.UTC(2027, 4, 23), ...extra });
    return license;
  };
  const refresh = (license: string, extra: object = {}) => ({
    activity: 'refreshLicenseCode',
    license,
    orderId: 'CS2705231819RENEW',
    orderLineId: 'CS2705231819RENEW-000001',
    scene: 'RENEWAL',
    expireTime: '20280523201932',
    ...extra,
  });
  const code = async (license: string) =>
    store.db.selectFrom('license_codes').select(['status', 'expires_at', 'product_id']).where('license', '=', license).executeTakeFirst();
  const history = async (license: string) => (await codes.history(license)).map((h) => [h.change, h.order_id, h.scene, h.status]);

  beforeAll(async () => {
    store = await openTestStore(dialect);
    server = startFamilyServer(store, 'license-code');
    codes = new SqlLicenseCodeStore(store.db);
  });
  afterAll(async () => store.dispose());

  describe('refreshLicenseCode', () => {
    it('renewal → the new expiry and product; a resend of the same (license, orderId, scene) changes nothing', async () => {
      const license = await registered({ orderId: 'CS2305231819B4LVS' });
      const body = refresh(license, { productId: 'OFFI461867333479178240', testFlag: '0' });
      expect((await server.call(body)).json).toEqual({ resultCode: '000000', resultMsg: 'success' });
      server.clock.now += 60_000;
      expect((await server.call({ ...body, expireTime: '20990101000000' })).json).toEqual({ resultCode: '000000', resultMsg: 'success' });
      expect(await code(license)).toEqual({ status: 'ALIVE', expires_at: Date.UTC(2028, 4, 23, 20, 19, 32), product_id: 'OFFI461867333479178240' });
      expect(await history(license)).toEqual([
        ['register', 'CS2305231819B4LVS', null, 'ALIVE'],
        ['refresh', 'CS2705231819RENEW', 'RENEWAL', 'ALIVE'],
      ]);
    });

    it('renewal cancellation of that order is a change of its own and moves the expiry back (17-digit expireTime)', async () => {
      const license = await registered();
      await server.call(refresh(license));
      await server.call(refresh(license, { scene: 'UNSUBSCRIBE_RENEWAL_PERIOD', expireTime: '20270523201932123' }));
      expect(await code(license)).toMatchObject({ expires_at: Date.UTC(2027, 4, 23, 20, 19, 32, 123), product_id: null });
      expect((await history(license)).map(([change, , scene]) => `${change}:${scene}`)).toEqual([
        'register:null',
        'refresh:RENEWAL',
        'refresh:UNSUBSCRIBE_RENEWAL_PERIOD',
      ]);
    });

    it('16 concurrent resends → one change, 000000 to every one', async () => {
      const license = await registered();
      const answers = await Promise.all(Array.from({ length: 16 }, () => server.call(refresh(license))));
      expect(answers.map((a) => a.json.resultCode)).toEqual(Array(16).fill('000000'));
      expect((await history(license)).filter(([change]) => change === 'refresh')).toHaveLength(1);
    });

    it('a frozen code takes the renewal and stays frozen until UNFREEZE', async () => {
      const license = await registered();
      await server.call({ activity: 'updateLicenseCodeStatus', license, status: 'FREEZE' });
      expect((await server.call(refresh(license))).json).toMatchObject({ resultCode: '000000' });
      expect(await code(license)).toMatchObject({ status: 'FROZEN', expires_at: Date.UTC(2028, 4, 23, 20, 19, 32) });
    });

    it('a code seen for the first time is registered with the renewed expiry (the marketplace issued it)', async () => {
      expect((await server.call(refresh('PLFIRSTSIGHT0001'))).json).toEqual({ resultCode: '000000', resultMsg: 'success' });
      expect(await code('PLFIRSTSIGHT0001')).toMatchObject({ status: 'ALIVE', expires_at: Date.UTC(2028, 4, 23, 20, 19, 32) });
      expect((await history('PLFIRSTSIGHT0001')).map(([change]) => change)).toEqual(['register', 'refresh']);
    });

    it('a code the product disowns (UnknownLicenseCode from its hook) → 000003 "license code does not exist"; nothing stored', async () => {
      const disowning = startFamilyServer(store, 'license-code', {
        mount: licenseCodeMount({
          hooks: {
            refresh: async ({ license }) => {
              throw new UnknownLicenseCode(license);
            },
            setFrozen: async () => {},
            release: async () => {},
          },
        }),
      });
      const before = await businessState(store);
      expect((await disowning.call(refresh('PLNEVERSEEN0001'))).json).toEqual({ resultCode: '000003', resultMsg: 'license code does not exist' });
      expect(await businessState(store)).toEqual(before);
    });

    it('released code → 000003, except a debug call, which answers 000000 and changes nothing', async () => {
      const license = await registered();
      await server.call({ activity: 'releaseLicenseCode', license });
      expect((await server.call(refresh(license))).json).toMatchObject({ resultCode: '000003' });
      const before = await businessState(store);
      expect((await server.call(refresh(license, { testFlag: '1' }))).json).toMatchObject({ resultCode: '000000' });
      expect(await businessState(store)).toEqual(before);
    });
  });

  describe('updateLicenseCodeStatus', () => {
    it('FREEZE / UNFREEZE; repeating a status changes nothing', async () => {
      const license = await registered();
      for (const status of ['FREEZE', 'FREEZE', 'UNFREEZE', 'UNFREEZE', 'FREEZE']) {
        expect((await server.call({ activity: 'updateLicenseCodeStatus', license, status, testFlag: '1' })).json).toEqual({
          resultCode: '000000',
          resultMsg: 'success',
        });
      }
      expect(await code(license)).toMatchObject({ status: 'FROZEN' });
      expect((await history(license)).map(([change, , , status]) => `${change}→${status}`)).toEqual([
        'register→ALIVE',
        'freeze→FROZEN',
        'unfreeze→ALIVE',
        'freeze→FROZEN',
      ]);
    });

    it('16 concurrent FREEZE → one change', async () => {
      const license = await registered();
      const answers = await Promise.all(Array.from({ length: 16 }, () => server.call({ activity: 'updateLicenseCodeStatus', license, status: 'FREEZE' })));
      expect(new Set(answers.map((a) => a.json.resultCode))).toEqual(new Set(['000000']));
      expect((await history(license)).filter(([change]) => change === 'freeze')).toHaveLength(1);
    });

    it('a code seen for the first time is registered (FREEZE freezes it); released → 000003; a debug call for a released code → 000000', async () => {
      expect((await server.call({ activity: 'updateLicenseCodeStatus', license: 'PLFIRSTSIGHT0002', status: 'FREEZE' })).json).toMatchObject({
        resultCode: '000000',
      });
      expect(await code('PLFIRSTSIGHT0002')).toMatchObject({ status: 'FROZEN' });
      expect((await server.call({ activity: 'updateLicenseCodeStatus', license: 'PLFIRSTSIGHT0003', status: 'UNFREEZE' })).json).toMatchObject({
        resultCode: '000000',
      });
      expect(await code('PLFIRSTSIGHT0003')).toMatchObject({ status: 'ALIVE' });
      const license = await registered();
      await server.call({ activity: 'releaseLicenseCode', license });
      expect((await server.call({ activity: 'updateLicenseCodeStatus', license, status: 'UNFREEZE' })).json).toMatchObject({ resultCode: '000003' });
      expect((await server.call({ activity: 'updateLicenseCodeStatus', license, status: 'UNFREEZE', testFlag: '1' })).json).toMatchObject({
        resultCode: '000000',
      });
      expect(await code(license)).toMatchObject({ status: 'RELEASED' });
    });
  });

  describe('releaseLicenseCode', () => {
    it('releases once, with the unsubscription order; repeats, concurrent ones included, answer 000000', async () => {
      const license = await registered();
      const body = { activity: 'releaseLicenseCode', license, orderId: 'CS2306011200C7KQP', orderLineId: 'CS2306011200C7KQP-000001', testFlag: '0' };
      const answers = await Promise.all(Array.from({ length: 8 }, () => server.call(body)));
      expect(answers.map((a) => a.json)).toEqual(Array(8).fill({ resultCode: '000000', resultMsg: 'success' }));
      expect((await server.call(body)).json).toMatchObject({ resultCode: '000000' });
      expect(await code(license)).toMatchObject({ status: 'RELEASED' });
      expect((await codes.history(license)).filter((h) => h.change === 'release')).toMatchObject([
        { order_id: 'CS2306011200C7KQP', order_line_id: 'CS2306011200C7KQP-000001', status: 'RELEASED' },
      ]);
    });

    it('a code kgkit never saw → 000000 and nothing stored (kgkit decision, UNCONFIRMED)', async () => {
      const before = await businessState(store);
      expect((await server.call({ activity: 'releaseLicenseCode', license: 'PLNEVERSEEN0003' })).json).toEqual({ resultCode: '000000', resultMsg: 'success' });
      expect(await businessState(store)).toEqual(before);
    });
  });

  it('a refresh racing a release never revives the released code', async () => {
    const license = await registered();
    await Promise.all([server.call(refresh(license)), server.call({ activity: 'releaseLicenseCode', license })]);
    expect(await code(license)).toMatchObject({ status: 'RELEASED' });
    expect((await server.call(refresh(license, { orderId: 'CSLATERRENEW01' }))).json).toMatchObject({ resultCode: '000003' });
  });

  it('keeps an audit trail of every call with its outcome (family license-code)', async () => {
    const license = await registered();
    await server.call(refresh(license, { orderId: 'CSAUDIT0000001', testFlag: '1' }));
    const events = await store.db.selectFrom('events').selectAll().where('order_id', '=', 'CSAUDIT0000001').execute();
    expect(events.map((e) => [e.family, e.activity, e.result_code, e.test_flag])).toEqual([['license-code', 'refreshLicenseCode', '000000', 1]]);
    expect(JSON.parse(events[0]!.request)).toMatchObject({ license });
  });

  describe('seller hooks', () => {
    const hooked = (hooks: Partial<LicenseCodeHooks>, calls: string[]) =>
      startFamilyServer(store, 'license-code', {
        mount: licenseCodeMount({
          hooks: {
            refresh: async (e) => void calls.push(`refresh ${e.scene} ${new Date(e.expiresAt).toISOString()}`),
            setFrozen: async (e) => void calls.push(e.frozen ? 'freeze' : 'unfreeze'),
            release: async (e) => void calls.push(`release ${e.orderId ?? '-'}`),
            ...hooks,
          },
        }),
      });

    it('are told about each new change once, not about repeats', async () => {
      const calls: string[] = [];
      const hookedServer = hooked({}, calls);
      const license = await registered();
      await hookedServer.call(refresh(license));
      await hookedServer.call(refresh(license));
      await hookedServer.call({ activity: 'updateLicenseCodeStatus', license, status: 'FREEZE' });
      await hookedServer.call({ activity: 'updateLicenseCodeStatus', license, status: 'FREEZE' });
      await hookedServer.call({ activity: 'releaseLicenseCode', license, orderId: 'CSUNSUBHOOK01', orderLineId: 'CSUNSUBHOOK01-000001' });
      await hookedServer.call({ activity: 'releaseLicenseCode', license });
      expect(calls).toEqual(['refresh RENEWAL 2028-05-23T20:19:32.000Z', 'freeze', 'release CSUNSUBHOOK01']);
    });

    it('a hook that fails → 000005 without details, nothing stored; the retry applies the change', async () => {
      const license = await registered();
      const failing = hooked({ refresh: async () => Promise.reject(new Error('ECONNREFUSED 10.0.0.7:5432 at /srv/product/licenses.ts:42')) }, []);
      const before = await businessState(store);
      expect((await failing.call(refresh(license))).json).toEqual({ resultCode: '000005', resultMsg: 'the product could not apply the change' });
      expect(await businessState(store)).toEqual(before);
      expect((await server.call(refresh(license))).json).toMatchObject({ resultCode: '000000' });
      expect(await code(license)).toMatchObject({ expires_at: Date.UTC(2028, 4, 23, 20, 19, 32) });
    });
  });

  it('registering a code twice keeps the first registration', async () => {
    const domain = new LicenseCodes({ store: codes });
    expect(await domain.register({ license: 'PLREGISTERTWICE', expiresAt: 1, orderId: 'CSFIRST' })).toBe(true);
    expect(await domain.register({ license: 'PLREGISTERTWICE', expiresAt: 2, orderId: 'CSSECOND' })).toBe(false);
    expect(await store.db.selectFrom('license_codes').select(['expires_at', 'order_id']).where('license', '=', 'PLREGISTERTWICE').execute()).toEqual([
      { expires_at: 1, order_id: 'CSFIRST' },
    ]);
  });
});
