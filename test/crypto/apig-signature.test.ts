import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  canonicalQueryString,
  canonicalRequest,
  canonicalUri,
  formatSdkDate,
  parseSdkDate,
  signApigRequest,
  verifyApigRequest,
  type ApigRequest,
} from '../../src/crypto/apig-signature.js';

// Expected values come from test/fixtures/crypto/ApigFixtures.java (JDK only, written from Huawei's signing guide). Its
// first four cases are PUBLISHED vectors: the signing guide's own example (api-sign-algorithm-002…005) and Huawei's Java
// SDK tests (AKSKSignerTest.java); the program refuses to write the file unless it reproduces their signatures.
interface ApigCase {
  name: string;
  source?: string;
  accessKey: string;
  secretKey: string;
  sdkDate: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  bodyBase64?: string;
  signedHeaders: string[];
  unsignedPayload: boolean;
  canonicalRequest: string;
  stringToSign: string;
  authorization: string;
}

const { cases } = JSON.parse(readFileSync(new URL('../fixtures/crypto/apig-fixtures.json', import.meta.url), 'utf8')) as { cases: ApigCase[] };

function requestOf(c: ApigCase): ApigRequest {
  const body = c.bodyBase64 === undefined ? (c.body ?? '') : new Uint8Array(Buffer.from(c.bodyBase64, 'base64'));
  return { method: c.method, url: c.url, headers: c.headers, body };
}

const dateOf = (c: ApigCase): Date => new Date(parseSdkDate(c.sdkDate) ?? Number.NaN);
const keysOf = (c: ApigCase) => ({ accessKey: c.accessKey, secretKey: c.secretKey });
const options = (c: ApigCase) => ({ signedHeaders: c.signedHeaders, unsignedPayload: c.unsignedPayload });

/** The request as it arrives, with the headers the signer added. */
function signed(c: ApigCase): ApigRequest {
  const request = requestOf(c);
  return { ...request, headers: { ...request.headers, ...signApigRequest(request, keysOf(c), dateOf(c), options(c)) } };
}

describe('published vectors', () => {
  const published = cases.filter((c) => c.source !== undefined);

  it('are all in the fixtures', () => {
    expect(published).toHaveLength(4);
    expect(published[0]?.authorization).toBe(
      'SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe',
    );
    expect(published[0]?.stringToSign).toBe('SDK-HMAC-SHA256\n20191115T033655Z\nb25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a');
  });
});

describe.each(cases)('$name', (c) => {
  it('signApigRequest gives the Authorization and X-Sdk-Date of the independent signer', () => {
    const added = signApigRequest(requestOf(c), keysOf(c), dateOf(c), options(c));
    expect(added.Authorization).toBe(c.authorization);
    expect(added['X-Sdk-Date']).toBe(c.sdkDate);
    expect(added['X-Sdk-Content-Sha256']).toBe(c.unsignedPayload ? 'UNSIGNED-PAYLOAD' : undefined);
  });

  it('canonicalRequest is the same text', () => {
    const lower = new Map(Object.entries(c.headers).map(([k, v]) => [k.toLowerCase(), v]));
    const names = ['host', 'x-sdk-date', ...c.signedHeaders, ...(c.unsignedPayload ? ['x-sdk-content-sha256'] : [])];
    const url = new URL(c.url);
    const values = new Map(names.map((n) => [n, n === 'host' ? (lower.get('host') ?? url.host) : n === 'x-sdk-date' ? c.sdkDate : (lower.get(n) ?? '')]));
    const payloadHash = c.canonicalRequest.slice(c.canonicalRequest.lastIndexOf('\n') + 1);
    expect(canonicalRequest({ method: c.method, url, signed: values, payloadHash })).toBe(c.canonicalRequest);
  });

  it('verifyApigRequest accepts it at the signing time and 15 minutes either side', () => {
    const at = dateOf(c).getTime();
    for (const now of [at, at - 15 * 60_000, at + 15 * 60_000]) {
      expect(verifyApigRequest(signed(c), (ak) => (ak === c.accessKey ? c.secretKey : undefined), now)).toEqual({ ok: true, accessKey: c.accessKey });
    }
  });
});

describe('canonical pieces', () => {
  it.each([
    ['', '/'],
    ['/', '/'],
    ['/a/b', '/a/b/'],
    ['/a/b/', '/a/b/'],
    ['/a%20b/%E4%B8%AD', '/a%20b/%E4%B8%AD/'],
    ['/a b/中', '/a%20b/%E4%B8%AD/'],
    ["/x:y/(z)/a+b/~._-/*!'", '/x%3Ay/%28z%29/a%2Bb/~._-/%2A%21%27/'],
    ['/a%2Fb', '/a%2Fb/'],
    ['/50%/%zz', '/50%25/%25zz/'],
  ])('canonicalUri(%j) = %j', (path, expected) => {
    expect(canonicalUri(path)).toBe(expected);
  });

  it.each([
    ['', ''],
    ['?', ''],
    ['?b=2&a=1', 'a=1&b=2'],
    ['?a=2&a=1&a=10', 'a=1&a=10&a=2'],
    ['?a&b=&c', 'a=&b=&c='],
    ['?q=a+b&r=a%2Bb&s=a%20b', 'q=a%2Bb&r=a%2Bb&s=a%20b'],
    ['?F=1&b=2', 'F=1&b=2'],
    ['?x=%E4%B8%AD&y=~', 'x=%E4%B8%AD&y=~'],
    ['?&&a=1&&', 'a=1'],
    ['?bad=%zz', 'bad=%25zz'],
  ])('canonicalQueryString(%j) = %j', (search, expected) => {
    expect(canonicalQueryString(search)).toBe(expected);
  });

  it('formats and parses X-Sdk-Date', () => {
    expect(formatSdkDate(new Date(Date.UTC(2019, 10, 15, 3, 36, 55, 999)))).toBe('20191115T033655Z');
    expect(parseSdkDate('20191115T033655Z')).toBe(Date.UTC(2019, 10, 15, 3, 36, 55));
    for (const bad of ['20190231T000000Z', '20191115T243655Z', '20191115T033655', '2019-11-15T03:36:55Z', '20191115t033655z', ' 20191115T033655Z', '']) {
      expect(parseSdkDate(bad)).toBeUndefined();
    }
  });
});

describe('signApigRequest refuses what it cannot sign', () => {
  const request: ApigRequest = { method: 'GET', url: 'https://mkt.myhuaweicloud.com/x', headers: {}, body: '' };
  const keys = { accessKey: 'AK', secretKey: 'SK' };
  const date = new Date(Date.UTC(2026, 0, 1));

  it.each([
    ['a relative URL', () => signApigRequest({ ...request, url: '/x' }, keys, date)],
    ['an empty access key', () => signApigRequest(request, { ...keys, accessKey: '' }, date)],
    ['an access key with a comma', () => signApigRequest(request, { ...keys, accessKey: 'A,K' }, date)],
    ['an empty secret key', () => signApigRequest(request, { ...keys, secretKey: '' }, date)],
    ['an invalid date', () => signApigRequest(request, keys, new Date(Number.NaN))],
    ['a signed header that is not in the request', () => signApigRequest(request, keys, date, { signedHeaders: ['x-stage'] })],
    ['a signed header name with a blank', () => signApigRequest({ ...request, headers: { 'x y': '1' } }, keys, date, { signedHeaders: ['x y'] })],
    ['one header given twice', () => signApigRequest({ ...request, headers: { 'X-Stage': 'a', 'x-stage': 'b' } }, keys, date)],
  ])('%s', (_, sign) => {
    expect(sign).toThrow(TypeError);
  });
});

describe('verifyApigRequest refuses, with its code and without throwing', () => {
  const c = cases.find((x) => x.name.startsWith('extra signed headers'))!;
  const good = signed(c);
  const at = dateOf(c).getTime();
  const secretOf = (ak: string) => (ak === c.accessKey ? c.secretKey : undefined);
  const auth = good.headers.Authorization!;
  const withHeaders = (headers: Record<string, string>): ApigRequest => ({ ...good, headers: { ...good.headers, ...headers } });
  const without = (name: string): ApigRequest => ({ ...good, headers: Object.fromEntries(Object.entries(good.headers).filter(([k]) => k !== name)) });
  const sig = auth.slice(auth.indexOf('Signature=') + 10);
  const declaring = (hash: string): ApigRequest => {
    const request = { ...requestOf(c), headers: { ...c.headers, 'X-Sdk-Content-Sha256': hash } };
    const added = signApigRequest(request, keysOf(c), dateOf(c), { signedHeaders: [...c.signedHeaders, 'x-sdk-content-sha256'] });
    return { ...request, headers: { ...request.headers, ...added } };
  };

  const table: [string, ApigRequest, number, 'APIG.0301' | 'APIG.0303'][] = [
    ['no Authorization', without('Authorization'), at, 'APIG.0301'],
    ['another algorithm', withHeaders({ Authorization: auth.replace('SDK-HMAC-SHA256', 'SDK-HMAC-SM3') }), at, 'APIG.0301'],
    ['a lower-case algorithm', withHeaders({ Authorization: auth.replace('SDK-HMAC-SHA256', 'sdk-hmac-sha256') }), at, 'APIG.0301'],
    ['no blank after the commas', withHeaders({ Authorization: auth.replace(/, /g, ',') }), at, 'APIG.0301'],
    [
      'parts in another order',
      withHeaders({ Authorization: `SDK-HMAC-SHA256 SignedHeaders=content-type;host;x-sdk-date;x-stage, Access=${c.accessKey}, Signature=${sig}` }),
      at,
      'APIG.0301',
    ],
    ['a trailing blank', withHeaders({ Authorization: `${auth} ` }), at, 'APIG.0301'],
    ['an empty Access', withHeaders({ Authorization: auth.replace(`Access=${c.accessKey}`, 'Access=') }), at, 'APIG.0301'],
    ['an unknown access key', withHeaders({ Authorization: auth.replace(`Access=${c.accessKey}`, 'Access=SOMEONE-ELSE') }), at, 'APIG.0301'],
    ['a signature one digit short', withHeaders({ Authorization: auth.slice(0, -1) }), at, 'APIG.0301'],
    ['a non-hex signature', withHeaders({ Authorization: `${auth.slice(0, -1)}g` }), at, 'APIG.0301'],
    ['a signature in Base64', withHeaders({ Authorization: auth.replace(sig, Buffer.from(sig, 'hex').toString('base64')) }), at, 'APIG.0301'],
    ['another signature', withHeaders({ Authorization: auth.replace(sig, `${sig.slice(0, -1)}${sig.endsWith('0') ? '1' : '0'}`) }), at, 'APIG.0301'],
    ['SignedHeaders without host', withHeaders({ Authorization: auth.replace('content-type;host;', 'content-type;') }), at, 'APIG.0301'],
    ['SignedHeaders without x-sdk-date', withHeaders({ Authorization: auth.replace(';x-sdk-date', '') }), at, 'APIG.0301'],
    ['SignedHeaders out of order', withHeaders({ Authorization: auth.replace('content-type;host', 'host;content-type') }), at, 'APIG.0301'],
    ['SignedHeaders in upper case', withHeaders({ Authorization: auth.replace('content-type', 'Content-Type') }), at, 'APIG.0301'],
    ['SignedHeaders naming an absent header', withHeaders({ Authorization: auth.replace('x-stage', 'x-stage;x-tenant') }), at, 'APIG.0301'],
    ['a signed header changed', withHeaders({ 'X-Stage': 'TEST' }), at, 'APIG.0301'],
    ['a signed header removed', without('X-Stage'), at, 'APIG.0301'],
    ['the body changed', { ...good, body: `${good.body as string} ` }, at, 'APIG.0301'],
    ['another path', { ...good, url: good.url.replace('heartbeat', 'activate') }, at, 'APIG.0301'],
    ['another host', { ...good, url: good.url.replace('mkt.myhuaweicloud.com', 'mkt.myhuaweicloud.cn') }, at, 'APIG.0301'],
    ['a query added', { ...good, url: `${good.url}?x=1` }, at, 'APIG.0301'],
    ['another method', { ...good, method: 'PUT' }, at, 'APIG.0301'],
    ['a signed X-Sdk-Content-Sha256 that is not the body hash', declaring('0'.repeat(64)), at, 'APIG.0301'],
    ['the same header in two spellings', withHeaders({ 'x-stage': 'RELEASE' }), at, 'APIG.0301'],
    ['a relative URL', { ...good, url: '/api/x' }, at, 'APIG.0301'],
    ['no X-Sdk-Date', without('X-Sdk-Date'), at, 'APIG.0303'],
    ['an X-Sdk-Date with dashes', withHeaders({ 'X-Sdk-Date': '2026-11-21T09:00:01Z' }), at, 'APIG.0303'],
    ['an X-Sdk-Date on 31 February', withHeaders({ 'X-Sdk-Date': '20260231T090001Z' }), at, 'APIG.0303'],
    ['a date 15 minutes and 1 second old', good, at + 15 * 60_000 + 1000, 'APIG.0303'],
    ['a date 15 minutes and 1 second ahead', good, at - 15 * 60_000 - 1000, 'APIG.0303'],
    ['a clock that is not a number', good, Number.NaN, 'APIG.0303'],
  ];

  it.each(table)('%s', (_, request, now, code) => {
    let result: ReturnType<typeof verifyApigRequest> | undefined;
    expect(() => (result = verifyApigRequest(request, secretOf, now))).not.toThrow();
    expect(result).toMatchObject({ ok: false, code });
  });

  it('a secret lookup that throws is a refusal, not a crash', () => {
    const result = verifyApigRequest(
      good,
      () => {
        throw new Error('vault down');
      },
      at,
    );
    expect(result).toMatchObject({ ok: false, code: 'APIG.0301' });
  });

  it('an unsigned X-Sdk-Content-Sha256 is ignored, an upper-case hex signature is accepted', () => {
    expect(verifyApigRequest(withHeaders({ 'X-Sdk-Content-Sha256': 'UNSIGNED-PAYLOAD' }), secretOf, at)).toMatchObject({ ok: true });
    expect(verifyApigRequest(withHeaders({ Authorization: auth.replace(sig, sig.toUpperCase()) }), secretOf, at)).toMatchObject({ ok: true });
  });

  it('a signed X-Sdk-Content-Sha256 equal to the body hash (any hex case) is accepted', () => {
    const hash = createHash('sha256')
      .update(c.body ?? '')
      .digest('hex');
    expect(verifyApigRequest(declaring(hash), secretOf, at)).toMatchObject({ ok: true });
    expect(verifyApigRequest(declaring(hash.toUpperCase()), secretOf, at)).toMatchObject({ ok: true });
  });

  it('UNSIGNED-PAYLOAD leaves the body out only when the header is signed', () => {
    const u = cases.find((x) => x.unsignedPayload)!;
    const request = signed(u);
    const secret = (ak: string) => (ak === u.accessKey ? u.secretKey : undefined);
    expect(verifyApigRequest({ ...request, body: 'anything' }, secret, dateOf(u).getTime())).toMatchObject({ ok: true });
  });

  it('a signature made with the wrong secret key is refused', () => {
    const request = requestOf(c);
    const forged = {
      ...request,
      headers: { ...request.headers, ...signApigRequest(request, { accessKey: c.accessKey, secretKey: 'guessed' }, dateOf(c), options(c)) },
    };
    expect(verifyApigRequest(forged, secretOf, at)).toMatchObject({ ok: false, code: 'APIG.0301' });
  });
});
