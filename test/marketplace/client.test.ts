import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CHARACTERS, MarketplaceApi } from '../../src/marketplace/client.js';
import type { UsageRecordWire } from '../../src/usage/push.js';
import { MARKETPLACE_KEYS, startMarketplace } from '../support/marketplace-server.js';

const record = (n: number): UsageRecordWire => ({
  instance_id: 'ppu-instance-1',
  record_time: '20261121T100500Z',
  begin_time: `20261121T0${n}0000Z`,
  end_time: `20261121T0${n + 1}0000Z`,
  usage_value: '12.5',
  metering_sn: `sn-${n}`,
});

describe('marketplace client against the marketplace double', () => {
  let marketplace: Awaited<ReturnType<typeof startMarketplace>>;
  let faults: Record<string, number[]> = {};
  const api = (overrides: Partial<ConstructorParameters<typeof MarketplaceApi>[0]> = {}) =>
    new MarketplaceApi({ hosts: [marketplace.url], ...MARKETPLACE_KEYS, timeoutMs: 500, retries: 2, backoffMs: 1, ...overrides });

  beforeAll(async () => {
    marketplace = await startMarketplace({ fault: (op, n) => (faults[op]?.includes(n) ? 'error' : undefined), now: () => Date.UTC(2026, 10, 21, 12, 0, 0) });
  });
  afterAll(async () => marketplace.close());
  afterEach(() => {
    // Every call the client made matched openapi/marketplace and carried a valid signature.
    expect(marketplace.state.violations).toEqual([]);
    faults = {};
  });

  it('queries a mock order with APIG signing', async () => {
    const answer = await api({ now: () => Date.UTC(2026, 10, 21, 12, 0, 0) }).queryOrder('MOCKPERIODYEARNEW', 'MOCKPERIODYEARNEW-000001');
    expect(answer).toMatchObject({
      ok: true,
      status: 200,
      code: 'MKT.0000',
      data: { orderInfo: { orderId: 'MOCKPERIODYEARNEW', orderLine: [{ chargingMode: 'PERIOD' }] } },
    });
  });

  it('gives the marketplace refusal back as data', async () => {
    expect(await api({ now: () => Date.UTC(2026, 10, 21, 12, 0, 0) }).queryOrder('NOSUCHORDER')).toMatchObject({ ok: false, status: 400, code: 'MKT.0101' });
  });

  it('gives a gateway refusal back as data when the AK/SK are wrong', async () => {
    const wrong = api({ akSk: { accessKey: MARKETPLACE_KEYS.akSk.accessKey, secretKey: 'not-the-secret' }, now: () => Date.UTC(2026, 10, 21, 12, 0, 0) });
    expect(await wrong.queryOrder('MOCKPERIODYEARNEW')).toMatchObject({ ok: false, status: 401, code: 'APIG.0301' });
    marketplace.state.violations.length = 0; // that refusal was the point
  });

  it('signs a clock the gateway finds stale: APIG.0303', async () => {
    const stale = api({ now: () => Date.UTC(2026, 10, 21, 11, 0, 0) });
    expect(await stale.queryOrder('MOCKPERIODYEARNEW')).toMatchObject({ ok: false, status: 401, code: 'APIG.0303' });
    marketplace.state.violations.length = 0;
  });

  it('pushes usage records, signed with the basic key, accepted once per metering_sn', async () => {
    const client = api({ now: () => Date.UTC(2026, 10, 21, 12, 0, 0) });
    expect(await client.pushUsage([record(1), record(2)])).toEqual({ kind: 'accepted' });
    expect(await client.pushUsage([record(1)])).toEqual({ kind: 'accepted' });
    expect([...marketplace.state.usage.keys()]).toEqual(['sn-1', 'sn-2']);
    expect(marketplace.state.conflicts).toEqual([]);
  });

  it('retries a 5xx without a permanent code and then succeeds', async () => {
    faults = { pushUsage: [(marketplace.state.calls.get('pushUsage') ?? 0) + 1] };
    expect(await api({ now: () => Date.UTC(2026, 10, 21, 12, 0, 0) }).pushUsage([record(3)])).toEqual({ kind: 'accepted' });
  });

  it('reports a usage refusal with its code, without retrying it', async () => {
    const old = { ...record(4), begin_time: '20261020T000000Z', end_time: '20261020T010000Z', metering_sn: 'sn-old' };
    const before = marketplace.state.calls.get('pushUsage') ?? 0;
    expect(await api({ now: () => Date.UTC(2026, 10, 21, 12, 0, 0) }).pushUsage([old])).toEqual({
      kind: 'refused',
      status: 500,
      code: 'MKT.9004',
      message: 'Record beginTime extends Limit.',
    });
    expect(marketplace.state.calls.get('pushUsage')).toBe(before + 1);
  });

  it('is checked: a record outside the contract is refused by the double and reported as a violation', async () => {
    const bad = { ...record(6), usage_value: '1.23456' };
    expect(await api({ now: () => Date.UTC(2026, 10, 21, 12, 0, 0) }).pushUsage([bad])).toMatchObject({ kind: 'refused', status: 400, code: 'MKT.0101' });
    expect(marketplace.state.violations).toHaveLength(1);
    expect(marketplace.state.violations[0]).toMatch(/^pushUsage: body \/usage_records\/0\/usage_value/);
    marketplace.state.violations.length = 0;
  });

  it('reports the marketplace unreachable when every host fails', async () => {
    const dead = new MarketplaceApi({ hosts: ['http://127.0.0.1:9'], ...MARKETPLACE_KEYS, retries: 1, backoffMs: 1 });
    expect(await dead.pushUsage([record(5)])).toMatchObject({ kind: 'unreachable' });
    expect(await dead.queryOrder('MOCKPERIODYEARNEW')).toMatchObject({ ok: false, status: 0, code: 'UNREACHABLE' });
  });

  it('uploads a short License as a string and a long one as a file with its SHA-256', async () => {
    const client = api({ now: () => Date.UTC(2026, 10, 21, 12, 0, 0) });
    const short = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJkZXZpY2UifQ.c2lnbmF0dXJl';
    const long = `${'A'.repeat(MAX_CHARACTERS)}.signature`;
    expect(await client.uploadLicense('event-1', short)).toMatchObject({ ok: true, code: 'CBC.0000' });
    expect(await client.uploadLicense('event-2', long)).toMatchObject({ ok: true, code: 'CBC.0000' });
    expect(marketplace.state.uploads).toEqual([
      { eventId: 'event-1', type: 'CHARACTERS', content: short },
      { eventId: 'event-2', type: 'FILE', content: long, sha256: createHash('sha256').update(long).digest('hex') },
    ]);
  });

  it('calls the License-code Open APIs with the same signing', async () => {
    const client = api({ now: () => Date.UTC(2026, 10, 21, 12, 0, 0) }).licenseCodes;
    const activated = await client.POST('/api/mkp-openapi-public/global/v2/license/activate', {
      body: { license_list: ['PL0000001', 'PL0000002'], real_effect_time: '20261121120000' },
    });
    expect(activated.response.status).toBe(200);
    const queried = await client.POST('/api/mkp-openapi-public/global/v1/license/heartbeat', { body: { license: 'PL0000001' } });
    expect(queried.response.status).toBe(200);
  });
});
