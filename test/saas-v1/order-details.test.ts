import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewInstanceRequest } from '../../generated/saas-v1/server.js';
import { refreshSceneOf, v1OrderLine } from '../../src/saas-v1/handlers.js';
import { type V1OrderDetails, readOrderDetails } from '../../src/saas-v1/order-details.js';
import { sqlV1OrderRepository } from '../../src/store/saas-v1-orders.js';
import { fixtures } from '../crypto/fixtures.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';

const query: NewInstanceRequest = {
  activity: 'newInstance',
  authToken: 'KqwKIZ8qRgFrFxsxAKNorZN5jr1z3IMquG/VPwS0/ZM=',
  timeStamp: '20261121090000123',
  businessId: 'b-1',
  customerId: 'cust-1',
  orderId: 'CS1',
};

describe('reading a V1.0 newInstance', () => {
  // Ciphertexts made by the JDK (Cipher + KeyGenerator/SHA1PRNG, test/fixtures/crypto/MakeFixtures.java), AES-256.
  it.each(fixtures.aesCredentials.filter((c) => c.encryptType === '1').map((c) => [c.name, c] as const))(
    'decrypts a contact Java encrypted: %s',
    (_name, c) => {
      const read = readOrderDetails({ ...query, mobilePhone: c.value, email: c.value }, c.accessKey);
      expect(read).toEqual({ details: expect.objectContaining({ mobilePhone: c.plaintext, email: c.plaintext }) });
    },
  );

  it('decodes saasExtendParams and converts the numbers, leaving out what was not sent', () => {
    const saasExtendParams = Buffer.from('[{"name":"区域","value":"华北"},{"name":"note"}]').toString('base64');
    const read = readOrderDetails({ ...query, saasExtendParams, periodNumber: '12', amount: '0', trialFlag: '0', testFlag: '1' }, 'any-key-123');
    expect(read).toEqual({
      details: {
        orderId: 'CS1',
        customerId: 'cust-1',
        periodNumber: 12,
        amount: 0,
        trial: false,
        extendParams: [
          { name: '区域', value: '华北' },
          { name: 'note', value: null },
        ],
        test: true,
      },
    });
  });
});

describe('the V1.0 → V2.0 mapping', () => {
  it.each([
    [{}, 'RENEWAL'],
    [{ orderAmount: '120.5' }, 'RENEWAL'],
    [{ orderAmount: '-0' }, 'RENEWAL'],
    [{ orderAmount: '-0.000' }, 'RENEWAL'],
    [{ orderAmount: '-0.001' }, 'UNSUBSCRIBE_RENEWAL_PERIOD'],
    [{ orderAmount: '-120' }, 'UNSUBSCRIBE_RENEWAL_PERIOD'],
    [{ trialToFormal: '0' }, 'RENEWAL'],
    [{ trialToFormal: '1' }, 'TRIAL_TO_FORMAL'],
    [{ trialToFormal: '1', orderAmount: '-1' }, 'TRIAL_TO_FORMAL'],
  ] as const)('refreshInstance %j → scene %s', (request, scene) => {
    expect(refreshSceneOf(request)).toBe(scene);
  });

  it('puts a V1.0 order on its first order line, as KooGallery numbers them', () => {
    expect(v1OrderLine('CS2211181819B4LVS')).toBe('CS2211181819B4LVS-000001');
  });
});

describe.each(DIALECTS)('V1.0 order details in the store on %s', (dialect) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore(dialect);
  });
  afterAll(async () => store.dispose());

  const instance = async (id: string) =>
    store.db
      .insertInto('instances')
      .values({
        instance_id: id,
        order_id: `O-${id}`,
        order_line_id: `O-${id}-000001`,
        business_id: id,
        status: 'ACTIVE',
        frozen: 0,
        test_flag: 0,
        app_info: null,
        product_id: null,
        expires_at: null,
        provision_lease_until: null,
        provision_attempts: 1,
        last_error: null,
        created_at: 1,
        updated_at: 1,
      })
      .execute();

  it('keeps every detail, and only the first save of an instance', async () => {
    await instance('d-1');
    const orders = sqlV1OrderRepository(store.db, () => 1_700_000_000_000);
    const full: V1OrderDetails = {
      orderId: 'O-d-1',
      customerId: 'c',
      customerName: '华为',
      userId: 'u',
      userName: 'un',
      mobilePhone: '138',
      email: 'a@b.c',
      skuCode: 's',
      productId: 'p',
      trial: true,
      chargingMode: '3',
      expiresAt: 1_800_000_000_000,
      periodType: 'year',
      periodNumber: 2,
      orderAmount: '1.005',
      amount: 1,
      diskSize: 2,
      bandWidth: 3,
      provisionType: 'x',
      extendParams: [{ name: 'n', value: null }],
      test: true,
    };
    await orders.save('d-1', full);
    await orders.save('d-1', { orderId: 'O-d-1', customerId: 'other', test: false });
    expect(await orders.find('d-1')).toEqual(full);
    expect(await orders.find('nope')).toBeUndefined();
  });

  it('refuses details for an instance that does not exist (foreign key)', async () => {
    await expect(sqlV1OrderRepository(store.db).save('ghost', { orderId: 'O', customerId: 'c', test: false })).rejects.toThrow();
  });
});
