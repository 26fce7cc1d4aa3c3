import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// The bundled marketplace contract (generated/marketplace/openapi.json): what the generated client is typed by and
// what `make mock` serves. Every example is checked against its schema with an independent validator (Ajv, JSON
// Schema 2020-12), so that an example can never teach a client something the schema refuses.

type Schema = Record<string, unknown>;
type Media = { schema?: Schema; examples?: Record<string, { $ref?: string; value?: unknown }> };
type Parameter = { name: string; in: string; required?: boolean; schema: Schema; example?: unknown; $ref?: string };
type Operation = {
  operationId: string;
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { content?: Record<string, Media> }>;
};
type Document = {
  info: { 'x-kgkit-side'?: string };
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, Schema>;
    parameters: Record<string, Parameter>;
    examples: Record<string, { value: unknown }>;
    securitySchemes: Record<string, Schema>;
  };
};

const document = JSON.parse(readFileSync(new URL('../../generated/marketplace/openapi.json', import.meta.url), 'utf8')) as Document;
const registry = parse(readFileSync(new URL('../../openapi/components/schemas/ResultCode.yaml', import.meta.url), 'utf8')) as {
  pattern: string;
  oneOf: { const: string; title: string; 'x-returned-by'?: Record<string, string[]>; 'x-kgkit-reported-in'?: string }[];
};

const addFormats = ((addFormatsPlugin as unknown as { default?: typeof addFormatsPlugin }).default ?? addFormatsPlugin) as unknown as (ajv: Ajv2020) => Ajv2020;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ $id: 'marketplace', components: document.components });
/** A schema of the contract with its local references pointed at the contract. */
const validatorOf = (schema: Schema): ValidateFunction =>
  ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"marketplace#/components/')) as Schema);
const component = (name: string): ValidateFunction => validatorOf({ $ref: `#/components/schemas/${name}` });
const errors = (validate: ValidateFunction) => ajv.errorsText(validate.errors);

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const operations = Object.entries(document.paths).flatMap(([path, item]) =>
  Object.entries(item)
    .filter(([method]) => METHODS.includes(method))
    .map(([method, operation]) => ({ path, method, operation })),
);
const operation = (id: string) => operations.find((o) => o.operation.operationId === id)!;
const resolve = <T extends { $ref?: string }>(node: T, kind: 'parameters' | 'examples'): T => {
  const name = /^#\/components\/(?:parameters|examples)\/(.+)$/.exec(node.$ref ?? '')?.[1];
  return name === undefined ? node : (document.components[kind][name] as unknown as T);
};
const exampleValue = (example: { $ref?: string; value?: unknown }) => resolve(example, 'examples').value;

const MOCK_ORDERS = [
  'MOCKPERIODYEARNEW',
  'MOCKONETIMENEW',
  'MOCKONDEMAND',
  'MOCKONDEMANDPKG',
  'MOCKPERIODDAYTRIAL',
  'MOCKMONTYTRIALTOFORMAL',
  'MOCKMONTYUNSUBSCRIBE',
  'MOCKMONTYRENEW',
  'MOCKMONTYCHANGE',
];

describe('the marketplace contract', () => {
  it('is a contract the seller calls, on the four marketplace hosts', () => {
    expect(document.info['x-kgkit-side']).toBe('client');
    expect(document.servers.map((s) => s.url)).toEqual(
      expect.arrayContaining([
        'https://mkt.myhuaweicloud.com',
        'https://mkt.myhuaweicloud.cn',
        'https://mkt-intl.myhuaweicloud.com',
        'https://mkt.myhuaweicloud.eu',
      ]),
    );
  });

  it.each([
    ['queryOrder', 'get', '/api/mkp-openapi-public/global/v1/order/query', 'apigAkSk'],
    ['pushUsage', 'post', '/api/mkp-openapi-public/global/v1/isv/usage-data', 'usageHmac'],
    ['pushUsageLegacy', 'post', '/rest/marketplace/v1/isv/usage-data', 'apigAkSk'],
    ['uploadMarketEventFile', 'post', '/api/mkp-openapi-public/global/v1/market-event/{event_id}/file', 'apigAkSk'],
    ['activateLicenseCode', 'post', '/api/mkp-openapi-public/global/v1/license/activate', 'apigAkSk'],
    ['activateLicenseCodes', 'post', '/api/mkp-openapi-public/global/v2/license/activate', 'apigAkSk'],
    ['queryLicenseCode', 'post', '/api/mkp-openapi-public/global/v1/license/heartbeat', 'apigAkSk'],
    ['queryLicenseCodes', 'post', '/api/mkp-openapi-public/global/v2/license/heartbeat', 'apigAkSk'],
    ['reportSoftwareUsage', 'post', '/api/mkp-openapi-public/global/v2/license/software-usage-info', 'apigAkSk'],
  ])('%s is %s %s, secured by %s, with a 200 and a default answer', (id, method, path, scheme) => {
    const found = operation(id);
    expect(found).toBeDefined();
    expect([found.method, found.path]).toEqual([method, path]);
    expect(found.operation.security).toEqual([{ [scheme]: [] }]);
    expect(Object.keys(found.operation.responses).sort()).toEqual(['200', 'default']);
  });

  it('has exactly the nine operations of the design', () => {
    expect(operations).toHaveLength(9);
  });

  it('describes the two signature schemes', () => {
    expect(document.components.securitySchemes.apigAkSk).toMatchObject({ type: 'http', scheme: 'SDK-HMAC-SHA256' });
    expect(document.components.securitySchemes.usageHmac).toMatchObject({ type: 'apiKey', in: 'header', name: 'signature' });
    const headers = (operation('pushUsage').operation.parameters ?? []).map((p) => resolve(p, 'parameters'));
    expect(headers.map((p) => [p.name, p.in, p.required])).toEqual([
      ['signature', 'header', true],
      ['ts', 'header', true],
      ['nonce', 'header', true],
    ]);
  });

  describe('every example conforms to its schema', () => {
    const cases = operations.flatMap(({ operation: op }) => [
      ...Object.entries(op.requestBody?.content ?? {}).flatMap(([type, media]) =>
        Object.entries(media.examples ?? {}).map(([name, example]) => ({
          where: `${op.operationId} request ${type} ${name}`,
          schema: media.schema!,
          value: exampleValue(example),
        })),
      ),
      ...Object.entries(op.responses).flatMap(([status, response]) =>
        Object.values(response.content ?? {}).flatMap((media) =>
          Object.entries(media.examples ?? {}).map(([name, example]) => ({
            where: `${op.operationId} ${status} ${name}`,
            schema: media.schema!,
            value: exampleValue(example),
          })),
        ),
      ),
      ...(op.parameters ?? [])
        .map((p) => resolve(p, 'parameters'))
        .map((p) => ({ where: `${op.operationId} parameter ${p.name}`, schema: p.schema, value: p.example })),
    ]);

    it.each(cases)('$where', ({ schema, value }) => {
      const validate = validatorOf(schema);
      expect(validate(value), errors(validate)).toBe(true);
    });

    it('the JSON part of each upload example is an IsvUpdateFileReq (its contentSchema), with the SHA-256 of its file', async () => {
      const { createHash } = await import('node:crypto');
      const upload = operation('uploadMarketEventFile').operation.requestBody!.content['multipart/form-data']!;
      for (const example of Object.values(upload.examples ?? {})) {
        const parts = exampleValue(example) as { isvUpdateFileReq: string; file?: string };
        const request = JSON.parse(parts.isvUpdateFileReq) as { type: string; sha256?: string };
        const validate = component('IsvUpdateFileReq');
        expect(validate(request), errors(validate)).toBe(true);
        if (request.type === 'FILE') expect(request.sha256).toBe(createHash('sha256').update(parts.file!).digest('hex'));
      }
    });
  });

  it('answers queryOrder with one example per mock order, named after it', () => {
    const examples = operation('queryOrder').operation.responses['200']!.content!['application/json']!.examples!;
    expect(Object.keys(examples)).toEqual(MOCK_ORDERS);
    for (const [name, example] of Object.entries(examples)) {
      const order = (exampleValue(example) as { orderInfo: { orderId: string; orderLine: { orderLineId: string }[] } }).orderInfo;
      expect(order.orderId).toBe(name);
      expect(order.orderLine.map((line) => line.orderLineId)).toEqual([`${name}-000001`]);
    }
  });

  it('closes every request object and keeps every answer object open', () => {
    const objectsUnder = (schema: Schema, seen = new Set<string>()): Schema[] => {
      const ref = /^#\/components\/schemas\/(.+)$/.exec(String(schema.$ref ?? ''))?.[1];
      if (ref === 'ResultCode') return [];
      if (ref !== undefined) return seen.has(ref) ? [] : (seen.add(ref), objectsUnder(document.components.schemas[ref]!, seen));
      const nested = [
        ...Object.values((schema.properties as Record<string, Schema> | undefined) ?? {}),
        ...((schema.anyOf as Schema[] | undefined) ?? []),
        ...((schema.oneOf as Schema[] | undefined) ?? []),
        ...(schema.items ? [schema.items as Schema] : []),
      ];
      return [...(schema.properties ? [schema] : []), ...nested.flatMap((child) => objectsUnder(child, seen))];
    };
    for (const { operation: op } of operations) {
      for (const media of Object.values(op.requestBody?.content ?? {}))
        for (const object of objectsUnder(media.schema!)) expect(object.additionalProperties, `${op.operationId} request`).toBe(false);
      for (const response of Object.values(op.responses))
        for (const media of Object.values(response.content ?? {}))
          for (const object of objectsUnder(media.schema!)) expect(object.additionalProperties, `${op.operationId} answer`).toBe(true);
    }
  });

  describe('usage records', () => {
    const record = {
      begin_time: '20220809T080000Z',
      end_time: '20220809T090000Z',
      instance_id: 'i-1',
      metering_sn: 'sn-1',
      record_time: '20220809T091000Z',
      usage_value: '99',
    };
    const push = component('UsagePushRequest');

    it.each(['99', '0.3', '0.0001', '12.5', '999999999999.9999', 0.3, 99])('accept the usage value %j', (usage_value) => {
      expect(push({ usage_records: [{ ...record, usage_value }] }), errors(push)).toBe(true);
    });

    it.each(['0', '0.0000', '0.00001', '-1', '1e3', '01', '1.', '', '1234567890123', 0, -1])('refuse the usage value %j', (usage_value) => {
      expect(push({ usage_records: [{ ...record, usage_value }] })).toBe(false);
    });

    it.each([
      ['a time without T and Z', { begin_time: '20220809080000' }],
      ['a local time', { end_time: '2022-08-09T09:00:00+08:00' }],
      ['a metering_sn of 65 characters', { metering_sn: 'x'.repeat(65) }],
      ['no metering_sn', { metering_sn: undefined }],
      ['an unknown field', { product_id: 'p' }],
    ])('refuse a record with %s', (_name, change) => {
      expect(push({ usage_records: [JSON.parse(JSON.stringify({ ...record, ...change }))] })).toBe(false);
    });

    it('take 1 to 1000 records a call', () => {
      expect(push({ usage_records: Array.from({ length: 1000 }, () => record) })).toBe(true);
      expect(push({ usage_records: Array.from({ length: 1001 }, () => record) })).toBe(false);
      expect(push({ usage_records: [] })).toBe(false);
    });

    it('of the old push carry product_id and no metering_sn', () => {
      const legacy = component('LegacyUsagePushRequest');
      const { metering_sn: _, ...rest } = record;
      expect(legacy({ usage_records: [{ ...rest, product_id: 'OFFI1' }] }), errors(legacy)).toBe(true);
      expect(legacy({ usage_records: [{ ...record, product_id: 'OFFI1' }] })).toBe(false);
    });
  });

  it('takes exactly one of id or active_num per software usage entry', () => {
    const entry = component('SoftwareUsageEntry');
    expect(entry({ id: 'account1' })).toBe(true);
    expect(entry({ active_num: 3 })).toBe(true);
    expect(entry({ id: 'account1', active_num: 3 })).toBe(false);
    expect(entry({})).toBe(false);
  });

  it('tolerates answers with fields it does not know', () => {
    const answer = component('QueryOrderResponse');
    const known = exampleValue(operation('queryOrder').operation.responses['200']!.content!['application/json']!.examples!.MOCKPERIODYEARNEW!) as {
      orderInfo: Schema;
    };
    expect(answer({ ...known, traceId: 't', orderInfo: { ...known.orderInfo, newField: { nested: true } } }), errors(answer)).toBe(true);
  });
});

describe('the result-code registry', () => {
  const codes = registry.oneOf.map((entry) => entry.const);

  it.each([
    ['MKT.*', /^MKT\.[0-9]{4}$/, ['MKT.0000', 'MKT.0102', 'MKT.9004']],
    ['CBC.*', /^CBC\.[0-9]{4}$/, ['CBC.0000', 'CBC.0150']],
    ['9138xxxx', /^9138[0-9]{4}$/, ['91380150', '91381033', '91381038']],
    ['9202xxxx', /^9202[0-9]{4}$/, ['92020000', '92020011', '92020020']],
    ['950000xx', /^950000[0-9]{2}$/, ['95000001', '95000004']],
    ['APIG.*', /^APIG\.[0-9]{4}$/, ['APIG.0301', 'APIG.0303']],
  ])('holds the %s group', (_group, pattern, some) => {
    expect(codes.filter((code) => pattern.test(code)).length).toBeGreaterThan(0);
    expect(codes).toEqual(expect.arrayContaining(some));
  });

  it('holds the usage-record codes 001 to 013 without 008, reported in Seller Console rather than returned', () => {
    const sdr = registry.oneOf.filter((entry) => /^[0-9]{3}$/.test(entry.const));
    expect(sdr.map((entry) => entry.const)).toEqual(['001', '002', '003', '004', '005', '006', '007', '009', '010', '011', '012', '013']);
    for (const entry of sdr) {
      expect(entry['x-kgkit-reported-in']).toMatch(/话单管理/);
      expect(entry['x-returned-by']).toBeUndefined();
    }
  });

  it('accepts every one of its codes with its own pattern', () => {
    const pattern = new RegExp(registry.pattern);
    expect(codes.filter((code) => !pattern.test(code))).toEqual([]);
  });

  it('lists, for each marketplace code, the operations that may answer it', () => {
    const byCode = Object.fromEntries(registry.oneOf.map((entry) => [entry.const, entry['x-returned-by']?.marketplace ?? []]));
    expect(byCode['MKT.0102']).toEqual(['pushUsage']);
    expect(byCode['MKT.0000']).toEqual(['pushUsage', 'pushUsageLegacy', 'queryOrder']);
    expect(byCode['91381038']).toEqual(['uploadMarketEventFile']);
    expect(byCode['92020020']).toEqual(['activateLicenseCodes', 'queryLicenseCodes', 'reportSoftwareUsage']);
    expect(byCode['APIG.0301']).not.toContain('pushUsage');
  });
});
