import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Mock, startMock } from '../../scripts/mock.js';
import { MAX_CHARACTERS, MarketplaceApi } from '../../src/marketplace/client.js';
import { MARKETPLACE_KEYS } from '../support/marketplace-server.js';
import { freePort } from '../support/ports.js';

// The generated client against an independent validator: Prism, serving openapi/marketplace (`make mock`). Every request
// the client sends must come through without a violation (Prism reports them in `sl-violations`).
describe('marketplace client against the Prism mock', () => {
  let mock: Mock;
  let api: MarketplaceApi;
  const violations: string[] = [];

  beforeAll(async () => {
    const port = await freePort();
    mock = await startMock({ family: 'marketplace', port, prismPort: await freePort() });
    api = new MarketplaceApi({
      hosts: [`http://127.0.0.1:${port}`],
      ...MARKETPLACE_KEYS,
      retries: 0,
      fetch: async (request) => {
        const response = await fetch(request);
        const reported = response.headers.get('sl-violations');
        if (reported || response.status === 422) violations.push(`${request.method} ${new URL(request.url).pathname}: ${response.status} ${reported ?? ''}`);
        return response;
      },
    });
  }, 90_000);
  afterAll(async () => mock?.close());

  it('queryOrder: the mock order answered by its example', async () => {
    const answer = await api.queryOrder('MOCKONDEMAND', 'MOCKONDEMAND-000001');
    expect(answer).toMatchObject({ ok: true, code: 'MKT.0000', data: { orderInfo: { orderId: 'MOCKONDEMAND', orderLine: [{ chargingMode: 'ON_DEMAND' }] } } });
    expect(violations).toEqual([]);
  });

  it('pushUsage: HMAC headers and the canonical body', async () => {
    const record = {
      instance_id: '7f141bf1-aec8-4859-8323-fb3a8ad50721',
      record_time: '20261121T100500Z',
      begin_time: '20261121T090000Z',
      end_time: '20261121T100000Z',
      usage_value: '99.125',
      metering_sn: 'f3b1c2d4e5a6478990abcdef01234567',
    };
    expect(
      await api.pushUsage([
        record,
        { ...record, metering_sn: 'a3b1c2d4e5a6478990abcdef01234567', relate_pkg_instance: '4f1a0c8e-2b7d-4e55-9c0e-1f6a7b3d2e10' },
      ]),
    ).toEqual({ kind: 'accepted' });
    expect(violations).toEqual([]);
  });

  it('uploadMarketEventFile: a License as a string, and as a file with its SHA-256', async () => {
    expect(await api.uploadLicense('8b2f0e5694a14c8c', 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJkZXZpY2UifQ.c2lnbmF0dXJl')).toMatchObject({
      ok: true,
      code: 'CBC.0000',
    });
    expect(await api.uploadLicense('8b2f0e5694a14c8d', 'L'.repeat(MAX_CHARACTERS + 1))).toMatchObject({ ok: true, code: 'CBC.0000' });
    expect(violations).toEqual([]);
  });

  it('the License-code Open APIs', async () => {
    const client = api.licenseCodes;
    const calls = [
      await client.POST('/api/mkp-openapi-public/global/v1/license/activate', { body: { license: 'PL8F3K2M9Q001', real_effect_time: '20261121120000' } }),
      await client.POST('/api/mkp-openapi-public/global/v2/license/activate', { body: { license_list: ['PL8F3K2M9Q001', 'PL8F3K2M9Q002'] } }),
      await client.POST('/api/mkp-openapi-public/global/v1/license/heartbeat', {
        body: { license: 'PL8F3K2M9Q001', heartbeatInfo: { thirdPartyAccount: 'account1', ip: '192.168.1.51' } },
      }),
      await client.POST('/api/mkp-openapi-public/global/v2/license/heartbeat', { body: { license_list: ['PL8F3K2M9Q001'] } }),
      await client.POST('/api/mkp-openapi-public/global/v2/license/software-usage-info', {
        body: { usage_info: [{ license: 'PL8F3K2M9Q001', software_usage_Info: [{ active_num: 100 }] }] },
      }),
      await client.POST('/rest/marketplace/v1/isv/usage-data', {
        body: {
          usage_records: [
            {
              instance_id: '7f141bf1-aec8-4859-8323-fb3a8ad50721',
              product_id: 'OFFI461867333479178242',
              record_time: '20261121T100500Z',
              begin_time: '20261121T090000Z',
              end_time: '20261121T100000Z',
              usage_value: '99',
            },
          ],
        },
      }),
    ];
    expect(calls.map((c) => c.response.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(violations).toEqual([]);
  });

  it('is checked: a malformed request is reported', async () => {
    await api.licenseCodes.POST('/api/mkp-openapi-public/global/v2/license/activate', { body: { license_list: [] } });
    expect(violations).toHaveLength(1);
    violations.length = 0;
  });
});
