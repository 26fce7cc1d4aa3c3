import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FuzzCase } from './cases.js';
import type { FuzzFamily } from './contracts.js';
import { Deep } from './edge-values.js';
import { type FuzzServer, startFuzzServer } from './harness.js';
import { CaseRunner, type Exchange, describeFailure } from './run.js';
import { freePort } from '../support/ports.js';
import { DIALECTS } from '../support/stores.js';
import { targetOf } from './targets.js';
import { type Payload, sign, urlOf } from './wire.js';

// The minimal counterexamples the fuzzer found, kept as plain cases: each went through the same oracle (contract,
// 5xx, state, logged errors) and failed it before its fix.

const TSX = new URL('../../node_modules/.bin/tsx', import.meta.url).pathname;
const ENTRY = new URL('../../src/index.ts', import.meta.url).pathname;
const valid = (handler: string, value: Record<string, unknown>, label = 'valid'): FuzzCase => ({
  handler,
  intent: 'valid',
  label,
  payload: { kind: 'json', value },
  signing: { canonical: false },
});
const create = { activity: 'newInstance', orderId: 'CSFZ0009', orderLineId: 'CSFZ0009-000001', businessId: 'fz-9' };

describe.each(DIALECTS)('what the fuzzer found, on %s', (dialect) => {
  let server: FuzzServer;
  beforeAll(async () => {
    server = await startFuzzServer(dialect);
  });
  afterAll(async () => server.close());

  /** Runs the cases in order; every exchange must pass the oracle. Returns the result code of each. */
  async function run(family: FuzzFamily, ...cases: FuzzCase[]): Promise<string[]> {
    const runner = await CaseRunner.start(server, family);
    const codes: string[] = [];
    for (const fuzzCase of cases) {
      const exchanges: Exchange[] = await runner.run(fuzzCase);
      for (const { wire, answer, verdict } of exchanges) {
        expect(verdict.problems, describeFailure(fuzzCase, wire, answer, verdict.problems)).toEqual([]);
        codes.push(verdict.code ?? `HTTP ${answer.status}`);
      }
    }
    return codes;
  }

  // Was: RangeError (Maximum call stack size exceeded) in the canonical payload or the audit row, answered 000005 with
  // "unhandled error" logged; a 5 KB body was enough, signed or not.
  it.each([
    ['saas-v2', valid('newInstance', { ...create, orderId: new Deep(2_600, 'array') }, 'orderId nested 2600 deep')],
    ['saas-v2', valid('newInstance', { ...create, orderId: new Deep(30_000, 'array') }, 'orderId nested 30000 deep')],
    ['saas-v2', { ...valid('newInstance', { ...create, orderId: new Deep(3_000, 'array') }), signing: { canonical: false, key: 'not-the-key-0123456789' } }],
    [
      'kit-v2',
      valid('tenantSync', {
        instanceId: 'fz-1',
        orderId: 'CSFZ0001',
        tenantId: 'fz-tenant-1',
        tenantCode: 'fz',
        name: 'fz',
        domainName: 'https://fz.example.com',
        flag: new Deep(5_000, 'array'),
        testFlag: 0,
        timeStamp: '20260601000000000',
      }),
    ],
    [
      'kit-v1',
      valid('tenantSync', {
        instanceId: 'fz-1',
        orderId: 'CSFZ0001',
        tenantId: 'fz-tenant-1',
        tenantCode: 'fz',
        name: 'fz',
        domainName: 'https://fz.example.com',
        flag: new Deep(500_000, 'array'),
        testFlag: 0,
      }),
    ],
    [
      'order-notify',
      valid('orderNotify', { activity: 'orderNotify', orderId: 'CSFZ0001', orderLineId: 'CSFZ0001-000001', testFlag: new Deep(10_000, 'object') }),
    ],
  ] as [FuzzFamily, FuzzCase][])('%s: a body nested deeper than a recursive walk can go is refused (000001/000002), not a crash', async (family, fuzzCase) => {
    const [code] = await run(family, fuzzCase);
    expect(['000001', '000002']).toContain(code);
  });

  // Was: the order of a refused upgrade was looked up and kept against the instance, so it became the instance's order.
  it('an upgrade of a released instance is refused and looks no order up', async () => {
    const codes = await run(
      'saas-v2',
      valid('releaseInstance', { activity: 'releaseInstance', instanceId: 'fz-2' }),
      valid('upgradeInstance', { activity: 'upgradeInstance', instanceId: 'fz-2', orderId: 'CSFZ0007', orderLineId: 'CSFZ0007-000001' }),
    );
    expect(codes).toEqual(['000000', '000003']);
    const lookups = await server.store.db.selectFrom('order_lookups').select('order_id').where('instance_id', '=', 'fz-2').execute();
    expect(lookups).toEqual([{ order_id: 'CSFZ0002' }]);
  });

  // Was (PostgreSQL): "invalid byte sequence for encoding UTF8: 0x00" writing the audit row of the refusal, logged.
  it('a refused request naming U+0000 is still audited', async () => {
    const codes = await run(
      'order-notify',
      valid(
        'orderNotify',
        { activity: 'orderNotify', orderId: 'CSFZ0001', orderLineId: 'CSFZ0001-000001', testFlag: '0', '\u0000': {} },
        'an undeclared member named U+0000',
      ),
    );
    expect(codes).toEqual(['000002']);
    const row = await server.store.db.selectFrom('events').select(['result_code', 'result_msg']).orderBy('id', 'desc').limit(1).executeTakeFirst();
    expect(row).toEqual({ result_code: '000002', result_msg: 'body has an unknown field "\ufffd"' });
  });

  it('a refused SaaS V1.0 query naming U+0000 is still audited', async () => {
    const rawQuery = '%00=1';
    const codes = await run('saas-v1', {
      handler: 'queryInstance',
      intent: 'malformed',
      label: rawQuery,
      payload: {
        kind: 'params',
        params: [
          ['activity', 'queryInstance'],
          ['instanceId', 'fz-1'],
        ],
        rawQuery,
      },
      signing: { canonical: false },
    });
    expect(codes).toEqual(['000002']);
  });

  // Was (PostgreSQL): "invalid byte sequence for encoding UTF8: 0x00" from the query or the write, answered 000005 and
  // logged. The contracts leave these strings free-form.
  const user = { userName: 'zhang\u0000', name: 'Zhang', position: 'x', orgCode: '1', role: 'admin', enable: 'true', employeeCode: '', mobile: '', email: '' };
  it.each([
    ['kgkit', 'recordUsage', { kind: 'json', value: { events: [{ eventId: 'fz-event-1', instanceId: '\u0000', quantity: '1' }] } }],
    [
      'kgkit',
      'recordUsage',
      { kind: 'json', value: { events: [{ eventId: 'fz-event-1', instanceId: 'fz-1', quantity: '1', packageInstanceId: 'fz\u0000' }] } },
    ],
    ['kgkit', 'listUsageRecords', { kind: 'params', params: [['instanceId', '\u0000']] }],
    ['kgkit', 'listOrderLookups', { kind: 'params', params: [['orderId', '\u0000']] }],
    [
      'kit-v2',
      'singleOrgSync',
      {
        kind: 'json',
        value: {
          instanceId: 'fz-1',
          tenantId: 'fz-tenant-1',
          orgCode: 'fz-org-1',
          orgName: 'R&D',
          parentCode: '\u0000',
          flag: 1,
          testFlag: 0,
          timeStamp: '20260601000000000',
        },
      },
    ],
    [
      'kit-v1',
      'singleOrgSync',
      { kind: 'json', value: { instanceId: 'fz-1', tenantId: 'fz-tenant-1', orgCode: 'fz-org-1', orgName: 'R&D', parentCode: '\u0000', flag: 1, testFlag: 0 } },
    ],
    [
      'kit-v1',
      'authSync',
      {
        kind: 'json',
        value: {
          instanceId: 'fz-1',
          tenantId: 'fz-tenant-1',
          appId: 'fz-app-1',
          userList: JSON.stringify([user]),
          currentSyncTime: '20260601000000000',
          flag: 1,
          testFlag: 0,
        },
      },
    ],
  ] as [FuzzFamily, string, Payload][])('%s %s refuses a free-form string holding U+0000 with 000002 (%j)', async (family, handler, payload) => {
    const codes = await run(family, { handler, intent: 'valid', label: 'a string holding U+0000', payload, signing: { canonical: false } });
    expect(codes).toEqual(['000002']);
  });

  // Was: the kgkit API decoded bodies leniently, so bytes that are not UTF-8 became U+FFFD and the event was recorded
  // under an ID the product never sent.
  it("kgkit's API refuses a body that is not UTF-8", async () => {
    const text = JSON.stringify({ events: [{ eventId: 'fz-event-1', instanceId: 'fz-1', quantity: '1' }] });
    const at = text.indexOf('fz-1"');
    const bytes = Uint8Array.from([...Buffer.from(text.slice(0, at)), 0xff, ...Buffer.from(text.slice(at))]);
    const codes = await run('kgkit', {
      handler: 'recordUsage',
      intent: 'malformed',
      label: 'instanceId with byte ff',
      payload: { kind: 'bytes', bytes },
      signing: { canonical: false },
    });
    expect(codes).toEqual(['000002']);
  });
});

// Was: Node's default 16 KiB limit on a request's head answered HTTP 431, with no body, to a SaaS V1.0 newInstance the
// contract allows (saasExtendParams: up to 8192 Base64 characters, each "+" and "/" percent-encoded into three). U+FFFF
// is written in UTF-8 as EF BF BF, whose Base64 is "77+/": half of it grows threefold.
const extendParams = (length: number) => {
  let value = '';
  for (let n = 1; ; n++) {
    const next = Buffer.from(JSON.stringify([{ name: 'note', value: '\uffff'.repeat(n) }])).toString('base64');
    if (next.length > length) return value;
    value = next;
  }
};

describe('the server process', () => {
  it('serves a contract-valid SaaS V1.0 query of 20 KB', { timeout: 30_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kgkit-fuzz-'));
    const port = await freePort();
    const key = 'fuzz-serve-access-key';
    const child = spawn(TSX, [ENTRY], {
      env: {
        PATH: process.env.PATH ?? '',
        KOOGALLERY_ACCESS_KEY: key,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: `file:${join(dir, 'kgkit.sqlite')}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      for (let i = 0; i < 150 && !output.includes('"listening"'); i++) await new Promise((resolve) => setTimeout(resolve, 100));
      const target = { ...targetOf('saas-v1'), key };
      const handler = target.handlers.find((candidate) => candidate.name === 'newInstance')!;
      const params: [string, string][] = [
        ['activity', 'newInstance'],
        ['customerId', 'fz-customer-1'],
        ['businessId', 'fz-big-1'],
        ['orderId', 'CSFZBIG1'],
        ['saasExtendParams', extendParams(8192)],
      ];
      const wire = sign(target, handler, { kind: 'params', params }, { now: Date.now(), key, nonce: '', canonical: false });
      expect(urlOf(wire).length).toBeGreaterThan(20_000);
      const response = await fetch(`http://127.0.0.1:${port}${urlOf(wire)}`);
      const text = await response.text();
      expect([response.status, text.slice(0, 60)]).toEqual([200, expect.stringContaining('"resultCode":"000000"')]);
    } finally {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
