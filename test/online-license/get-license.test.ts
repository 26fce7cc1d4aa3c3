import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LicenseIssuer } from '../../src/online-license/license-issuer.js';
import { onlineLicenseMount } from '../../src/online-license/mount.js';
import { licenseSigningKey, publicKeyPem } from '../../src/online-license/signing-key.js';
import { businessState, type FamilyServer, startFamilyServer } from '../support/license-families.js';
import { openLicense } from '../support/license-jws.js';
import { TEST_DATA_KEYS } from '../support/server.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';

const FINGERPRINT = '00-1A-2B-3C-4D-5E|S4EWNX0R123456|PF2ZK0AB|BFEBFBFF000906EA';

describe.each(DIALECTS)('getLicenseAsync on %s', (dialect) => {
  let store: TestStore;
  let server: FamilyServer;
  let n = 0;
  /** A ready instance; `expireTime` makes it periodic (refreshInstance gave it an expiry). */
  const instance = async (expireTime?: string) => {
    n += 1;
    const instanceId = `lic-inst-${n}`;
    await server.call({ activity: 'newInstance', orderId: `CS2311LIC${n}`, orderLineId: `CS2311LIC${n}-000001`, businessId: instanceId });
    if (expireTime) {
      await server.call({
        activity: 'refreshInstance',
        instanceId,
        orderId: `CS2311REN${n}`,
        orderLineId: `CS2311REN${n}-000001`,
        scene: 'RENEWAL',
        expireTime,
      });
    }
    return instanceId;
  };
  const apply = (instanceId: string, extra: object = {}) => ({
    activity: 'getLicenseAsync',
    instanceId,
    eventId: `ev-${instanceId}`,
    effectiveTime: '2026-10-27 10:30:15 z',
    expireTime: '2027-10-27 10:30:15 z',
    deviceFingerprint: FINGERPRINT,
    ...extra,
  });
  const requests = () => store.db.selectFrom('license_requests').selectAll().execute();
  const publicPem = async () => publicKeyPem(await licenseSigningKey({ db: store.db, keys: TEST_DATA_KEYS })());

  beforeAll(async () => {
    store = await openTestStore(dialect);
    server = startFamilyServer(store, 'online-license');
  });
  afterAll(async () => store.dispose());

  it('issues a License bound to the device, signed with the stored key, and records it for upload', async () => {
    const id = await instance('20271124023618');
    expect((await server.call(apply(id, { testFlag: '0' }))).json).toEqual({ resultCode: '000000', resultMsg: 'success' });
    const [row] = (await requests()).filter((r) => r.instance_id === id);
    expect(row).toMatchObject({
      event_id: `ev-${id}`,
      device_fingerprint: FINGERPRINT,
      effective_at: Date.UTC(2026, 9, 27, 10, 30, 15),
      expires_at: Date.UTC(2027, 9, 27, 10, 30, 15),
      upload_state: 'pending',
      test_flag: 0,
      requested_at: server.clock.now,
    });
    const opened = openLicense(row!.license, await publicPem());
    expect(opened.verified).toBe(true);
    expect(opened.header).toMatchObject({ alg: 'EdDSA', typ: 'kgkit-license' });
    expect(opened.payload).toEqual({
      instanceId: id,
      eventId: `ev-${id}`,
      deviceFingerprint: FINGERPRINT,
      effectiveTime: '2026-10-27T10:30:15.000Z',
      expireTime: '2027-10-27T10:30:15.000Z',
      issuedAt: new Date(server.clock.now).toISOString(),
    });
    // The same License moved to another device no longer verifies.
    const [header, , signature] = row!.license.split('.');
    const moved = Buffer.from(JSON.stringify({ ...opened.payload, deviceFingerprint: 'AA-BB-CC-DD-EE-FF' })).toString('base64url');
    expect(openLicense(`${header}.${moved}.${signature}`, await publicPem()).verified).toBe(false);
  });

  it('a resend of the same (eventId, deviceFingerprint) gets the same License and issues nothing new', async () => {
    const id = await instance();
    await server.call(apply(id));
    const first = await requests();
    server.clock.now += 120_000;
    expect((await server.call(apply(id))).json).toMatchObject({ resultCode: '000000' });
    expect(await requests()).toEqual(first);
  });

  it('16 concurrent copies of one application → one recorded License, 000000 to every copy', async () => {
    const id = await instance();
    const answers = await Promise.all(Array.from({ length: 16 }, () => server.call(apply(id))));
    expect(answers.map((a) => a.json.resultCode)).toEqual(Array(16).fill('000000'));
    expect((await requests()).filter((r) => r.instance_id === id)).toHaveLength(1);
  });

  it('the same eventId for another device is another application with its own License', async () => {
    const id = await instance();
    await server.call(apply(id));
    await server.call(apply(id, { deviceFingerprint: 'AA-BB-CC-DD-EE-FF|OTHERDISK' }));
    const rows = (await requests()).filter((r) => r.instance_id === id);
    expect(rows.map((r) => r.device_fingerprint).sort()).toEqual([FINGERPRINT, 'AA-BB-CC-DD-EE-FF|OTHERDISK']);
    expect(new Set(rows.map((r) => r.license)).size).toBe(2);
  });

  it('keys a fingerprint of 1024 characters, non-ASCII included, by its hash', async () => {
    const id = await instance();
    const long = `设备-${'F'.repeat(1021)}`;
    expect((await server.call(apply(id, { deviceFingerprint: long }))).json).toMatchObject({ resultCode: '000000' });
    expect((await server.call(apply(id, { deviceFingerprint: long }))).json).toMatchObject({ resultCode: '000000' });
    const rows = (await requests()).filter((r) => r.instance_id === id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.fingerprint_key).toMatch(/^[0-9a-f]{64}$/);
    expect(openLicense(rows[0]!.license, await publicPem()).payload.deviceFingerprint).toBe(long);
  });

  // Each row: what is asked, how the instance is made, the body's changes, the answer.
  const REFUSALS: [string, () => Promise<string>, object, object][] = [
    ['an instance kgkit never created', async () => 'lic-never-created', {}, { resultCode: '000003', resultMsg: 'instance does not exist' }],
    ['a released instance', async () => released(), {}, { resultCode: '000003' }],
    [
      'a periodic instance without expireTime',
      async () => instance('20271124023618'),
      { expireTime: undefined },
      { resultCode: '000902', resultMsg: 'expireTime is required: the instance is periodic' },
    ],
    [
      'no deviceFingerprint',
      async () => instance(),
      { deviceFingerprint: undefined },
      { resultCode: '000903', resultMsg: 'deviceFingerprint is required: Licenses bind to a device' },
    ],
    ['an empty deviceFingerprint', async () => instance(), { deviceFingerprint: '' }, { resultCode: '000903' }],
    [
      'effectiveTime after the instance expiry',
      async () => instance('20261027103014'),
      {},
      { resultCode: '000901', resultMsg: expect.stringMatching(/after the expiry/) },
    ],
  ];
  const released = async () => {
    const id = await instance();
    await server.call({ activity: 'releaseInstance', instanceId: id });
    return id;
  };

  it.each(REFUSALS)('%s → the documented code, nothing recorded', async (_name, make, change, answer) => {
    const id = await make();
    const before = (await businessState(store)).license_requests;
    expect((await server.call(apply(id, change))).json).toMatchObject(answer);
    expect((await businessState(store)).license_requests).toEqual(before);
  });

  it('a perpetual instance (no expiry) needs no expireTime; the License then has expireTime null', async () => {
    const id = await instance();
    expect((await server.call(apply(id, { expireTime: undefined }))).json).toMatchObject({ resultCode: '000000' });
    const row = (await requests()).find((r) => r.instance_id === id)!;
    expect(row.expires_at).toBeNull();
    expect(openLicense(row.license, await publicPem()).payload.expireTime).toBeNull();
  });

  it('a released debug instance still gets its License, so saved debug cases stay repeatable', async () => {
    const id = `lic-debug-${++n}`;
    await server.call({ activity: 'newInstance', orderId: `CS2311DBG${n}`, orderLineId: `CS2311DBG${n}-000001`, businessId: id, testFlag: '1' });
    await server.call({ activity: 'releaseInstance', instanceId: id, testFlag: '1' });
    expect((await server.call(apply(id, { testFlag: '1' }))).json).toMatchObject({ resultCode: '000000' });
    expect((await requests()).find((r) => r.instance_id === id)).toMatchObject({ test_flag: 1 });
  });

  it('a failed instance → 000003', async () => {
    await store.db
      .insertInto('instances')
      .values({
        instance_id: 'lic-failed-1',
        order_id: 'CSFAILED1',
        order_line_id: 'CSFAILED1-000001',
        business_id: 'lic-failed-1',
        status: 'FAILED',
        frozen: 0,
        test_flag: 0,
        app_info: null,
        product_id: null,
        expires_at: null,
        provision_lease_until: null,
        provision_attempts: 1,
        last_error: 'x',
        created_at: 1,
        updated_at: 1,
      })
      .execute();
    expect((await server.call(apply('lic-failed-1'))).json).toMatchObject({ resultCode: '000003' });
  });

  describe('with another License issuer', () => {
    const calls: string[] = [];
    const issuer = (overrides: Partial<LicenseIssuer>): LicenseIssuer => ({
      bindsToDevice: false,
      issue: async (request) => {
        calls.push(request.eventId);
        return { license: `LIC-${request.eventId}-${request.deviceFingerprint ?? 'any'}` };
      },
      ...overrides,
    });
    const withIssuer = (overrides: Partial<LicenseIssuer>) =>
      startFamilyServer(store, 'online-license', { mount: onlineLicenseMount({ issuer: issuer(overrides) }) });

    it('its quota refusal → 000900, nothing recorded', async () => {
      const id = await instance();
      const quota = withIssuer({ issue: async () => ({ refused: '000900', message: 'the order allows 2 Licenses; 2 are issued' }) });
      expect((await quota.call(apply(id))).json).toEqual({ resultCode: '000900', resultMsg: 'the order allows 2 Licenses; 2 are issued' });
      expect((await requests()).filter((r) => r.instance_id === id)).toEqual([]);
    });

    it('an issuer that does not bind to hardware takes applications without fingerprint; asked once per application', async () => {
      const id = await instance();
      const unbound = withIssuer({});
      calls.length = 0;
      for (let i = 0; i < 3; i++) expect((await unbound.call(apply(id, { deviceFingerprint: undefined }))).json).toMatchObject({ resultCode: '000000' });
      expect(calls).toEqual([`ev-${id}`]);
      expect((await requests()).find((r) => r.instance_id === id)).toMatchObject({
        fingerprint_key: '',
        device_fingerprint: null,
        license: `LIC-ev-${id}-any`,
      });
    });

    it('an issuer that fails → 000005 without details, nothing recorded; a retry is issued afresh', async () => {
      const id = await instance();
      const failing = withIssuer({ issue: async () => Promise.reject(new Error('HSM at 10.1.2.3 refused: /srv/hsm.ts:7')) });
      expect((await failing.call(apply(id))).json).toEqual({ resultCode: '000005', resultMsg: 'the License could not be issued' });
      expect((await requests()).filter((r) => r.instance_id === id)).toEqual([]);
      expect((await server.call(apply(id))).json).toMatchObject({ resultCode: '000000' });
    });
  });

  it('records the call in the audit trail with its instance', async () => {
    const id = await instance();
    await server.call(apply(id, { deviceFingerprint: undefined }));
    const events = await store.db.selectFrom('events').selectAll().where('instance_id', '=', id).where('activity', '=', 'getLicenseAsync').execute();
    expect(events.map((e) => [e.family, e.result_code])).toEqual([['online-license', '000903']]);
  });
});
