import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SellerCall, SellerFamily } from '../../src/conformance/driver.js';
import { buildRequest } from '../../src/conformance/signing.js';
import { jsonLogger } from '../../src/log.js';
import { listEvents } from '../../src/store/events.js';
import { KIT_RSA_PRIVATE_KEY } from '../support/kit.js';
import { KEYS, TEST_CONFIG, type TestServer, startTestServer } from '../support/server.js';
import { DIALECTS, type TestStore, openTestStore } from '../support/stores.js';

// docs/decisions.md#16: the marketplace adds fields over time, and one refused create is retried for 3 h and then
// unsubscribed. By default every family serves a call with a field its contract does not name, or with `null` for an
// optional field; the unknown field is kept in the audit trail and logged once per (family, activity, field).
// STRICT_REQUESTS=true refuses both, naming the field.

const order = () => {
  const orderId = `CS${Date.now().toString(36).toUpperCase()}${Math.floor(Math.random() * 1e6)}`;
  return { orderId, orderLineId: `${orderId}-000001` };
};
const stamp = () => new Date(Date.now() + 8 * 3_600_000).toISOString().replace(/\D/g, '').slice(0, 17);

interface Sample {
  family: SellerFamily;
  path: string;
  key: string;
  /** A valid call with one field the contract does not name (`marketplaceNewField`) and, where there is an optional field, `null` in it. */
  call: () => Pick<SellerCall, 'handler' | 'body'>;
  /** How the refusal names the unknown field or the null. */
  refusal: RegExp;
}

const SAMPLES: Sample[] = [
  {
    family: 'saas-v2',
    path: TEST_CONFIG.saasPath,
    key: KEYS.basic,
    call: () => ({
      handler: 'newInstance',
      body: { activity: 'newInstance', ...order(), businessId: `b-${Math.random().toString(36).slice(2)}`, testFlag: null, marketplaceNewField: 'x' },
    }),
    refusal: /testFlag|marketplaceNewField/,
  },
  {
    family: 'saas-v1',
    path: TEST_CONFIG.saasV1Path,
    key: KEYS.basic,
    call: () => ({
      handler: 'queryInstance',
      body: { activity: 'queryInstance', instanceId: 'never-created-1', marketplaceNewField: 'x' },
    }),
    refusal: /marketplaceNewField/,
  },
  {
    family: 'kit-v2',
    path: TEST_CONFIG.saasPath,
    key: KEYS.kit,
    call: () => ({
      handler: 'singleOrgSync',
      body: {
        instanceId: 'i-tolerant',
        tenantId: 'T-tolerant',
        orgCode: 'ORG-1',
        orgName: 'Org',
        parentCode: null,
        flag: 1,
        testFlag: 0,
        timeStamp: stamp(),
        marketplaceNewField: 'x',
      },
    }),
    refusal: /parentCode|marketplaceNewField/,
  },
  {
    family: 'kit-v1',
    path: TEST_CONFIG.saasPath,
    key: KEYS.kit,
    call: () => ({
      handler: 'singleOrgSync',
      body: { instanceId: 'i-tolerant', tenantId: 'T-tolerant-1', orgCode: 'ORG-1', orgName: 'Org', flag: 1, testFlag: 0, marketplaceNewField: 'x' },
    }),
    refusal: /marketplaceNewField/,
  },
  {
    family: 'license-code',
    path: TEST_CONFIG.licenseCode.path,
    key: KEYS.licenseCode,
    call: () => ({
      handler: 'updateLicenseCodeStatus',
      body: {
        activity: 'updateLicenseCodeStatus',
        license: `PL${Math.floor(Math.random() * 1e9)}`,
        status: 'FREEZE',
        testFlag: null,
        marketplaceNewField: 'x',
      },
    }),
    refusal: /testFlag|marketplaceNewField/,
  },
  {
    family: 'online-license',
    path: TEST_CONFIG.onlineLicense.path,
    key: KEYS.basic,
    call: () => ({
      handler: 'newInstance',
      body: { activity: 'newInstance', ...order(), businessId: `b-${Math.random().toString(36).slice(2)}`, testFlag: null, marketplaceNewField: 'x' },
    }),
    refusal: /testFlag|marketplaceNewField/,
  },
  {
    family: 'order-notify',
    path: TEST_CONFIG.orderNotify.path,
    key: KEYS.orderNotify,
    call: () => ({ handler: 'orderNotify', body: { activity: 'orderNotify', ...order(), testFlag: '0', marketplaceNewField: 'x' } }),
    refusal: /marketplaceNewField/,
  },
];

describe.each(DIALECTS)('requests with fields the contract does not name (%s)', (dialect) => {
  let store: TestStore;
  let lines: string[];
  const serve = (strictRequests: boolean): TestServer =>
    startTestServer(store, {
      config: { strictRequests, kit: { accessKey: KEYS.kit, rsaPrivateKeyPem: KIT_RSA_PRIVATE_KEY } },
      logger: jsonLogger('debug', (line) => lines.push(line)),
    });
  beforeEach(async () => {
    store = await openTestStore(dialect);
    lines = [];
  });
  afterEach(async () => {
    await store.dispose();
  });

  async function send(server: TestServer, sample: Sample): Promise<{ resultCode: string; resultMsg: string }> {
    const request = buildRequest(`http://kgkit.test${sample.path}`, sample.key, { family: sample.family, ...sample.call() });
    const url = new URL(request.url);
    const response = await server.app.request(`${url.pathname}${url.search}`, {
      method: request.method,
      headers: request.headers,
      ...(request.method === 'POST' ? { body: request.body } : {}),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { resultCode: string; resultMsg: string };
  }

  it.each(SAMPLES.map((s) => [s.family, s] as const))('%s: served by default, the field kept in the audit trail and logged once', async (family, sample) => {
    const server = serve(false);
    const first = await send(server, sample);
    // saas-v1's queryInstance of an ID that never existed answers 000003: served, not refused.
    expect(first.resultCode, first.resultMsg).toBe(family === 'saas-v1' ? '000003' : '000000');
    await send(server, sample);
    const audit = await listEvents(store.db, { limit: 5 });
    expect(audit.filter((event) => event.family === family).map((event) => JSON.parse(event.request) as Record<string, unknown>)).toContainEqual(
      expect.objectContaining({ marketplaceNewField: 'x' }),
    );
    const warned = lines
      .map((line) => JSON.parse(line) as { level: string; msg: string; field?: string })
      .filter((line) => line.msg === 'unknown request field accepted');
    expect(warned).toEqual([expect.objectContaining({ level: 'warn', family, activity: sample.call().handler, field: 'marketplaceNewField' })]);
  });

  it.each(SAMPLES.map((s) => [s.family, s] as const))('%s: refused with 000002 naming the field under STRICT_REQUESTS=true', async (_family, sample) => {
    const answer = await send(serve(true), sample);
    expect(answer.resultCode).toBe('000002');
    expect(answer.resultMsg).toMatch(sample.refusal);
  });
});
