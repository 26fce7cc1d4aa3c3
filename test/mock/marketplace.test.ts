import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Mock, startMock } from '../../scripts/mock.js';
import { freePort } from '../support/ports.js';

// `make mock` serves the marketplace's Open APIs (openapi/marketplace) for kgkit's own clients: Prism validates every
// request against the contract, and the proxy in front of it checks the shape of the SDK-HMAC-SHA256 headers (Prism
// cannot) and picks the order-query example named after the requested order ID.

type Examples = Record<string, { $ref?: string; value?: unknown }>;
const document = JSON.parse(readFileSync(new URL('../../generated/marketplace/openapi.json', import.meta.url), 'utf8')) as {
  paths: Record<
    string,
    Record<
      string,
      { requestBody?: { content: Record<string, { examples: Examples }> }; responses: Record<string, { content: Record<string, { examples: Examples }> }> }
    >
  >;
  components: { examples: Record<string, { value: unknown }> };
};
const valueOf = (examples: Examples, name: string): unknown => {
  const example = examples[name]!;
  return example.$ref ? document.components.examples[example.$ref.split('/').pop()!]!.value : example.value;
};
const operationAt = (path: string, method: string) => document.paths[path]![method]!;
const requestExample = (path: string, name: string) =>
  valueOf(operationAt(path, 'post').requestBody!.content['application/json']!.examples, name) as Record<string, unknown>;

const P = {
  queryOrder: '/api/mkp-openapi-public/global/v1/order/query',
  pushUsage: '/api/mkp-openapi-public/global/v1/isv/usage-data',
  pushUsageLegacy: '/rest/marketplace/v1/isv/usage-data',
  upload: '/api/mkp-openapi-public/global/v1/market-event/8c2f1e5694d04b7fa1c3e9d2b6a4f0c8/file',
  activateLicenseCode: '/api/mkp-openapi-public/global/v1/license/activate',
  activateLicenseCodes: '/api/mkp-openapi-public/global/v2/license/activate',
  queryLicenseCode: '/api/mkp-openapi-public/global/v1/license/heartbeat',
  queryLicenseCodes: '/api/mkp-openapi-public/global/v2/license/heartbeat',
  reportSoftwareUsage: '/api/mkp-openapi-public/global/v2/license/software-usage-info',
};

/** Headers of the right shape; the mock checks shapes, never values. */
const AK_SK = {
  authorization: `SDK-HMAC-SHA256 Access=HPUAEXAMPLEAK1234567, SignedHeaders=content-type;host;x-sdk-date, Signature=${'0a1b2c3d'.repeat(8)}`,
  'x-sdk-date': '20240317T144237Z',
};
const USAGE_HMAC = { signature: '8b9kq3p3Xn0r9wQmX7tGk2w0cJbq0d4bT1m6V5yW8Zs=', ts: '1709690865879', nonce: '6c63c221-1f6b-4141-8ff4-22f5dfe82b65' };
const JSON_BODY = { 'content-type': 'application/json' };

function uploadForm(isvUpdateFileReq: object, file?: string): FormData {
  const form = new FormData();
  form.append('isvUpdateFileReq', new Blob([JSON.stringify(isvUpdateFileReq)], { type: 'application/json' }));
  if (file !== undefined) form.append('file', new Blob([file], { type: 'application/octet-stream' }), 'license.lic');
  return form;
}
const LICENSE_FILE = { type: 'FILE', file_name: 'license.lic', sha256: '0c4aacbe1820eeed785b284774357907aa3ed9205abf6a9d99985803148459f5' };

interface Call {
  path: string;
  method?: string;
  query?: string;
  headers?: Record<string, string>;
  body?: unknown;
}

/** Per operation: a request the contract allows, its answer, and one it refuses with the violation named. */
const OPERATIONS: { id: string; valid: Call; answer: Record<string, unknown>; invalid: Call; names: string }[] = [
  {
    id: 'queryOrder',
    valid: { path: P.queryOrder, query: 'orderId=MOCKONETIMENEW&orderLineId=MOCKONETIMENEW-000001', headers: AK_SK },
    answer: { resultCode: 'MKT.0000' },
    invalid: { path: P.queryOrder, query: 'orderLineId=MOCKONETIMENEW-000001', headers: AK_SK },
    names: "required property 'orderid'",
  },
  {
    id: 'pushUsage',
    valid: { path: P.pushUsage, headers: { ...USAGE_HMAC, ...JSON_BODY }, body: requestExample('/api/mkp-openapi-public/global/v1/isv/usage-data', 'package') },
    answer: { error_code: 'MKT.0000' },
    invalid: {
      path: P.pushUsage,
      headers: { ...USAGE_HMAC, ...JSON_BODY },
      body: {
        usage_records: [
          {
            begin_time: '20220809T080000Z',
            end_time: '20220809T090000Z',
            instance_id: 'i-1',
            metering_sn: 'sn-1',
            record_time: '20220809T091000Z',
            usage_value: '0',
          },
        ],
      },
    },
    names: 'usage_value',
  },
  {
    id: 'pushUsageLegacy',
    valid: { path: P.pushUsageLegacy, headers: { ...AK_SK, ...JSON_BODY }, body: requestExample('/rest/marketplace/v1/isv/usage-data', 'hourly') },
    answer: { error_code: 'MKT.0000' },
    invalid: {
      path: P.pushUsageLegacy,
      headers: { ...AK_SK, ...JSON_BODY },
      body: requestExample('/api/mkp-openapi-public/global/v1/isv/usage-data', 'hourly'),
    },
    names: "required property 'product_id'",
  },
  {
    id: 'uploadMarketEventFile',
    valid: { path: P.upload, headers: AK_SK, body: uploadForm(LICENSE_FILE, 'License file content') },
    answer: { error_code: 'CBC.0000' },
    invalid: { path: P.upload, headers: AK_SK, body: uploadForm(LICENSE_FILE) },
    names: "required property 'file'",
  },
  {
    id: 'activateLicenseCode',
    valid: {
      path: P.activateLicenseCode,
      headers: { ...AK_SK, ...JSON_BODY },
      body: requestExample('/api/mkp-openapi-public/global/v1/license/activate', 'activate'),
    },
    answer: { error_code: '92020000' },
    invalid: { path: P.activateLicenseCode, headers: { ...AK_SK, ...JSON_BODY }, body: { license: 'P'.repeat(65) } },
    names: 'license must NOT have more than 64 characters',
  },
  {
    id: 'activateLicenseCodes',
    valid: {
      path: P.activateLicenseCodes,
      headers: { ...AK_SK, ...JSON_BODY },
      body: requestExample('/api/mkp-openapi-public/global/v2/license/activate', 'activate'),
    },
    answer: { error_code: '92020000' },
    invalid: { path: P.activateLicenseCodes, headers: { ...AK_SK, ...JSON_BODY }, body: { license_list: Array.from({ length: 101 }, (_, i) => `PL${i}`) } },
    names: 'must NOT have more than 100 items',
  },
  {
    id: 'queryLicenseCode',
    valid: {
      path: P.queryLicenseCode,
      headers: { ...AK_SK, ...JSON_BODY },
      body: { license: 'PL8F3K2M9Q001', heartbeatInfo: { thirdPartyAccount: 'myaccount1', ip: '192.168.1.51' } },
    },
    answer: { error_code: '92020000' },
    invalid: { path: P.queryLicenseCode, headers: { ...AK_SK, ...JSON_BODY }, body: { heartbeatInfo: { thirdPartyAccount: 'myaccount1' } } },
    names: "required property 'license'",
  },
  {
    id: 'queryLicenseCodes',
    valid: {
      path: P.queryLicenseCodes,
      headers: { ...AK_SK, ...JSON_BODY },
      body: requestExample('/api/mkp-openapi-public/global/v2/license/heartbeat', 'query'),
    },
    answer: { error_code: '92020000' },
    invalid: { path: P.queryLicenseCodes, headers: { ...AK_SK, ...JSON_BODY }, body: { license_list: [] } },
    names: 'must NOT have fewer than 1 items',
  },
  {
    id: 'reportSoftwareUsage',
    valid: {
      path: P.reportSoftwareUsage,
      headers: { ...AK_SK, ...JSON_BODY },
      body: requestExample('/api/mkp-openapi-public/global/v2/license/software-usage-info', 'byCount'),
    },
    answer: { error_code: '92020000' },
    invalid: {
      path: P.reportSoftwareUsage,
      headers: { ...AK_SK, ...JSON_BODY },
      body: { usage_info: [{ license: 'PL8F3K2M9Q001', software_usage_Info: [{ id: 'a', active_num: 1 }] }] },
    },
    names: 'must match exactly one schema in oneOf',
  },
];

const MOCK_ORDERS = Object.keys(operationAt(P.queryOrder, 'get').responses['200']!.content['application/json']!.examples);

describe('make mock: the marketplace Open APIs', () => {
  let mock: Mock;
  let base: string;
  const send = ({ path, method = 'POST', query, headers = {}, body }: Call) =>
    fetch(`${base}${path}${query ? `?${query}` : ''}`, {
      method: path === P.queryOrder ? 'GET' : method,
      headers,
      ...(body === undefined ? {} : { body: body instanceof FormData ? body : JSON.stringify(body) }),
    });
  const violationsOf = (response: Response) =>
    JSON.parse(response.headers.get('sl-violations') ?? '[]') as { location: string[]; message: string; severity: string }[];

  beforeAll(async () => {
    const port = await freePort();
    mock = await startMock({ family: 'marketplace', port, prismPort: await freePort() });
    base = `http://127.0.0.1:${port}`;
  }, 90_000);
  afterAll(async () => mock?.close());

  it.each(OPERATIONS)('$id: answers a valid request with its success example and no violation', async ({ valid, answer }) => {
    const response = await send(valid);
    expect(violationsOf(response)).toEqual([]);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject(answer);
  });

  it.each(OPERATIONS)('$id: refuses an invalid request with 422 and names the violation', async ({ invalid, names }) => {
    const response = await send(invalid);
    expect(response.status).toBe(422);
    const violations = violationsOf(response);
    expect(violations.map((v) => v.message)).toContainEqual(expect.stringContaining(names));
    expect(violations.every((v) => v.location[0] === 'request' && v.severity === 'Error')).toBe(true);
  });

  it.each(MOCK_ORDERS)('queryOrder?orderId=%s answers the example of that mock order', async (orderId) => {
    const response = await send({ path: P.queryOrder, query: `orderId=${orderId}`, headers: AK_SK });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(valueOf(operationAt(P.queryOrder, 'get').responses['200']!.content['application/json']!.examples, orderId));
  });

  it.each([
    ['no Authorization', { 'x-sdk-date': AK_SK['x-sdk-date'] }, 'authorization'],
    ['a Bearer token', { ...AK_SK, authorization: 'Bearer abc' }, 'authorization'],
    ['an X-Sdk-Date with separators', { ...AK_SK, 'x-sdk-date': '2024-03-17T14:42:37Z' }, 'x-sdk-date'],
  ])('answers an otherwise valid AK/SK call with %s like the gateway: 401 APIG.0301', async (_name, headers, header) => {
    const response = await send({ path: P.queryOrder, query: 'orderId=MOCKPERIODYEARNEW', headers });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error_code: string }).error_code).toBe('APIG.0301');
    expect(violationsOf(response).map((v) => v.location)).toEqual([['request', 'header', header]]);
  });

  it.each([
    ['a SHA-256 that is not hex', { ...LICENSE_FILE, sha256: 'abc' }, 'License file content', 'isvUpdateFileReq/sha256 must match pattern'],
    ['a FILE without its file name', { type: 'FILE', sha256: LICENSE_FILE.sha256 }, 'License file content', "must have required property 'file_name'"],
    [
      'a string longer than 1024 characters',
      { type: 'CHARACTERS', characters: 'x'.repeat(1025) },
      undefined,
      'isvUpdateFileReq/characters must NOT have more than 1024 characters',
    ],
  ])('refuses an upload whose JSON part holds %s (the proxy decodes the part Prism leaves as text)', async (_name, isvUpdateFileReq, file, names) => {
    const response = await send({ path: P.upload, headers: AK_SK, body: uploadForm(isvUpdateFileReq, file) });
    expect(response.status).toBe(422);
    expect(violationsOf(response).map((v) => v.message)).toContainEqual(expect.stringContaining(names));
    expect(((await response.json()) as { error_code: string }).error_code).toBe('CBC.0101');
  });

  it('refuses a usage push without its signature headers', async () => {
    const response = await send({ path: P.pushUsage, headers: JSON_BODY, body: requestExample('/api/mkp-openapi-public/global/v1/isv/usage-data', 'hourly') });
    expect(response.status).toBe(401);
    expect(violationsOf(response).map((v) => v.message)).toContainEqual(expect.stringContaining("required property 'signature'"));
  });

  it('answers a failure example when asked with Prefer: code and example', async () => {
    const response = await send({
      path: P.pushUsage,
      headers: { ...USAGE_HMAC, ...JSON_BODY, prefer: 'code=500, example=tooManyRecords' },
      body: requestExample('/api/mkp-openapi-public/global/v1/isv/usage-data', 'hourly'),
    });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error_code: 'MKT.9003', error_msg: 'Usage records extends size limit.' });
  });
});
