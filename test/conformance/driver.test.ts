import { readFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodySignHeader } from '../../src/crypto/body-sign.js';
import { encryptCredential } from '../../src/crypto/aes-credentials.js';
import { checkAnswer, judgeAnswer } from '../../src/conformance/answer-check.js';
import { type SellerAnswer, type SellerCall, sendToSeller } from '../../src/conformance/driver.js';
import { buildRequest, kitTimeStamp, sortedJson, v1TimeStamp } from '../../src/conformance/signing.js';
import { canonicalPayload } from '../../src/crypto/basic-signature.js';
import { kitSignature } from '../../src/crypto/kit-signature.js';
import { kitFixtures } from '../support/kit.js';
import { v1Fixtures, v1Instant } from '../support/saas-v1.js';

// The driver signs every family as the marketplace does (checked against values the JDK alone produced,
// test/fixtures/crypto/), and its answer check names each way an answer breaks the contract.

const basicFixtures = (
  JSON.parse(readFileSync(new URL('../fixtures/crypto/fixtures.json', import.meta.url), 'utf8')) as {
    basicSignature: {
      name: string;
      accessKey: string;
      nonce: string;
      timestamp: string;
      body: string;
      signatureOverCanonical: string;
      signatureOverRaw: string;
    }[];
  }
).basicSignature;

describe('signing, against the JDK-made fixtures', () => {
  it.each(basicFixtures.map((f) => [f.name, f] as const))('basic signature: %s', (_name, f) => {
    const call: SellerCall = {
      family: 'saas-v2',
      handler: 'newInstance',
      body: JSON.parse(f.body) as Record<string, unknown>,
      tamper: { nonce: f.nonce },
      now: Number(f.timestamp),
    };
    const query = new URL(buildRequest('https://seller.example.com/saas', f.accessKey, call).url).searchParams;
    expect(query.get('signature')).toBe(f.signatureOverCanonical);
    expect([query.get('timestamp'), query.get('nonce')]).toEqual([f.timestamp, f.nonce]);
    // Raw bytes are signed as they are.
    const raw = buildRequest('https://seller.example.com/saas', f.accessKey, { ...call, raw: f.body });
    expect([new URL(raw.url).searchParams.get('signature'), raw.body]).toEqual([f.signatureOverRaw, f.body]);
  });

  it.each(kitFixtures.xSign.map((f) => [f.name, f] as const))('Kit V2 x-sign: %s', (_name, f) => {
    const body = JSON.parse(f.body) as Record<string, unknown>;
    const call: SellerCall = { family: 'kit-v2', handler: f.operation, body, tamper: { nonce: f.nonce }, now: Number(f.timestamp) };
    const request = buildRequest('https://seller.example.com/saasproduce/', f.accessKey, call);
    expect(request.url).toBe(`https://seller.example.com/saasproduce/produceAPI/v2/${f.operation}`);
    // Sent with its keys sorted at every level (docs/decisions.md#2), signed over what is sent.
    expect(request.body).toBe(sortedJson(body));
    const sent = canonicalPayload(JSON.parse(request.body) as Record<string, unknown>);
    expect(request.headers).toMatchObject({ 'x-sign': kitSignature(f.accessKey, f.nonce, f.timestamp, sent), 'x-timestamp': f.timestamp, 'x-nonce': f.nonce });
    // Where sorting changes no nested member, that is the JDK's signature over the canonical form.
    if (sent === f.canonicalPayload) expect(request.headers['x-sign']).toBe(f.signatureOverCanonical);
    // Raw bytes are signed as they are: the JDK's signature over the raw body.
    expect(buildRequest('https://seller.example.com/saasproduce/', f.accessKey, { ...call, raw: f.body }).headers['x-sign']).toBe(f.signatureOverRaw);
  });

  it.each(kitFixtures.authToken.map((f) => [f.name, f] as const))('Kit V1 authToken: %s', (_name, f) => {
    const request = buildRequest('https://seller.example.com/saasproduce', f.accessKey, {
      family: 'kit-v1',
      handler: f.operation,
      body: JSON.parse(f.body) as Record<string, unknown>,
    });
    expect(request.url).toBe(`https://seller.example.com/saasproduce/produceAPI/${f.operation}`);
    expect(request.headers.authToken).toBe(f.authToken);
  });

  it.each(v1Fixtures.map((f) => [f.name, f] as const))('SaaS V1.0 GET query: %s', (_name, f) => {
    const { timeStamp: _signedAt, authToken: _token, ...params } = f.params as Record<string, string>;
    const request = buildRequest('https://seller.example.com/saas-v1', f.accessKey, {
      family: 'saas-v1',
      handler: String(params.activity),
      body: params,
      now: v1Instant(f.timeStamp),
    });
    expect(request.method).toBe('GET');
    expect(request.url).toBe(`https://seller.example.com/saas-v1?${f.query}`);
  });

  it('sets the Kit V1 timeStamp in UTC+8 and the SaaS V1.0 one in UTC', () => {
    const at = Date.UTC(2026, 0, 2, 3, 4, 5, 6);
    expect(kitTimeStamp(at)).toBe('20260102110405006');
    expect(v1TimeStamp(at)).toBe('20260102030405006');
    const kit = buildRequest('http://s/p', 'k', { family: 'kit-v1', handler: 'tenantSync', body: { tenantId: 't' }, now: at });
    expect(JSON.parse(kit.body)).toEqual({ tenantId: 't', timeStamp: '20260102110405006' });
  });
});

describe('tampering, for the security negatives', () => {
  const body = { activity: 'queryInstance', instanceId: 'i-1' };
  const query = (call: Partial<SellerCall>) =>
    new URL(buildRequest('http://s/saas', 'key-1234567', { family: 'saas-v2', handler: 'queryInstance', body, ...call }).url).searchParams;

  it('leaves out what is missing, moves the timestamp, replays a nonce, signs with another key', () => {
    const now = 1_800_000_000_000;
    const right = query({ now, tamper: { nonce: 'N1' } });
    expect(query({ tamper: { signature: 'missing' } }).has('signature')).toBe(false);
    expect(query({ tamper: { timestamp: 'missing' } }).has('timestamp')).toBe(false);
    expect(query({ tamper: { nonce: 'missing' } }).has('nonce')).toBe(false);
    expect(query({ now, tamper: { timestamp: { offsetMs: -300_000 } } }).get('timestamp')).toBe(String(now - 300_000));
    expect(query({ now, tamper: { nonce: 'N1' } }).get('signature')).toBe(right.get('signature'));
    const wrong = query({ now, tamper: { nonce: 'N1', signature: 'wrong' } }).get('signature');
    const otherKey = query({ now, tamper: { nonce: 'N1', key: 'another-key-123' } }).get('signature');
    for (const forged of [wrong, otherKey]) expect(forged).toMatch(/^[0-9A-F]{64}$/);
    expect(new Set([right.get('signature'), wrong, otherKey]).size).toBe(3);
  });

  it('gives each V1 call its own timeStamp, unless the caller fixes the time (a replay)', () => {
    const v1 = (now?: number) =>
      new URL(buildRequest('http://s/v1', 'k', { family: 'saas-v1', handler: 'queryInstance', body, ...(now ? { now } : {}) }).url).searchParams.get(
        'authToken',
      );
    expect(v1()).not.toBe(v1());
    expect(v1(1_800_000_000_000)).toBe(v1(1_800_000_000_000));
  });
});

describe('sending', () => {
  let server: Server;
  let base = '';
  const seen: { method?: string; url?: string; headers: Record<string, unknown>; body: string }[] = [];
  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        seen.push({ method: request.method, url: request.url, headers: request.headers, body });
        if (request.url?.includes('hold')) return; // never answers
        response.writeHead(200, { 'content-type': 'application/json;charset=UTF-8', 'x-extra': 'yes' });
        response.end('{"resultCode":"000000","resultMsg":"success"}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends the exact bytes with their signature and reads the answer', async () => {
    const answer = await sendToSeller(
      { url: `${base}/order-notify`, key: 'k-12345678' },
      { family: 'order-notify', handler: 'orderNotify', body: { activity: 'orderNotify', orderId: 'CS1', orderLineId: 'CS1-000001', testFlag: '1' } },
    );
    expect(answer).toMatchObject({ status: 200, json: { resultCode: '000000', resultMsg: 'success' }, headers: { 'x-extra': 'yes' } });
    const last = seen.at(-1)!;
    expect(last.method).toBe('POST');
    expect(last.body).toBe(answer.request.body);
    expect(last.url).toMatch(/^\/order-notify\?signature=[0-9A-F]{64}&timestamp=\d{13}&nonce=[0-9A-F]{64}$/);
    expect(last.headers['content-type']).toBe('application/json;charset=utf8');
  });

  it('gives up after the timeout: status 0 and why', async () => {
    const answer = await sendToSeller({ url: `${base}/hold`, key: 'k' }, { family: 'order-notify', handler: 'orderNotify', body: {}, timeoutMs: 300 });
    expect(answer).toMatchObject({ status: 0, error: 'no answer within 300 ms' });
    expect(checkAnswer({ url: `${base}/hold`, key: 'k' }, { family: 'order-notify', handler: 'orderNotify', body: {}, timeoutMs: 300 }, answer)).toEqual([
      'no answer within 300 ms — Huawei: KooGallery waits 5 s for each answer, then counts the call as failed (https://support.huaweicloud.com/eu/accessg-marketplace/en-us_topic_000006.html)',
    ]);
  });

  it('says why when nobody listens', async () => {
    const answer = await sendToSeller({ url: 'http://127.0.0.1:1/saas', key: 'k' }, { family: 'saas-v2', handler: 'queryInstance', body: {} });
    expect(answer.status).toBe(0);
    expect(answer.error).toMatch(/^no answer from http:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/);
  });
});

describe('judging answers by the rules (docs/decisions.md#16)', () => {
  const endpoint = { url: 'http://s/saas', key: 'the-basic-key-123' };
  const answer = (body: unknown, headers: Record<string, string> = {}, status = 200): SellerAnswer => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return {
      request: { method: 'POST', url: endpoint.url, headers: {}, body: '' },
      status,
      headers: { 'content-type': 'application/json;charset=UTF-8', ...headers },
      text,
      ...(json === undefined ? {} : { json }),
      durationMs: 12,
    };
  };
  /** Each finding as [whose rule, what happened]. */
  const judged = (family: SellerCall['family'], handler: string, a: SellerAnswer, key = endpoint.key) =>
    judgeAnswer({ ...endpoint, key }, { family, handler, body: {} }, a).map((finding) => [finding.rule.level, finding.detail]);

  it('accepts what the contract allows, and nulls where a field is optional', () => {
    expect(judged('saas-v2', 'newInstance', answer({ resultCode: '000000', resultMsg: 'success', instanceId: 'i-1' }))).toEqual([]);
    expect(judged('saas-v2', 'newInstance', answer({ resultCode: '000100', resultMsg: 'sold out' }))).toEqual([]);
    expect(judged('saas-v2', 'deleteEverything', answer({ resultCode: '000002' }))).toEqual([]);
    // The answer table marks instanceId M: a refusal may carry it too.
    expect(judged('saas-v2', 'newInstance', answer({ resultCode: '000002', instanceId: 'i' }))).toEqual([]);
  });

  it.each([
    ['an extra field', 'queryInstance', { resultCode: '000000', info: [], traceId: 'x' }, 'answer has undeclared field `traceId`'],
    ['a nested extra field', 'queryInstance', { resultCode: '000000', info: [{ instanceId: 'i', debug: 1 }] }, 'answer has undeclared field `info.0.debug`'],
    [
      "Spring's null for an unset field",
      'releaseInstance',
      { resultCode: '000000', resultMsg: 'success.', instanceId: null },
      'answer has undeclared field `instanceId`',
    ],
  ])("%s breaks only kgkit's rule (a warning by default)", (_what, handler, body, detail) => {
    expect(judged('saas-v2', handler, answer(body))).toEqual([['kgkit', detail]]);
  });

  it.each([
    [
      'a code the activity may not answer',
      'newInstance',
      { resultCode: '000003' },
      'resultCode "000003" is not one newInstance may answer (allowed: 000000, 000004, 000001, 000002, 000005, 000100, 000101, 000102, 000103, 000104, 000105, 000106, 000107)',
    ],
    ['an accepted create without instanceId', 'newInstance', { resultCode: '000000' }, 'answer lacks required field `instanceId`'],
    ['an accepted create whose instanceId is null', 'newInstance', { resultCode: '000000', instanceId: null }, 'answer lacks required field `instanceId`'],
    ['no resultCode', 'releaseInstance', { resultMsg: 'ok' }, 'answer has no resultCode'],
    ['a message too long', 'releaseInstance', { resultCode: '000000', resultMsg: 'x'.repeat(256) }, '`resultMsg` must NOT have more than 255 characters'],
  ])("%s breaks Huawei's table", (_what, handler, body, detail) => {
    expect(judged('saas-v2', handler, answer(body))).toContainEqual(['huawei', detail]);
  });

  it("an HTTP status other than 200 is kgkit's rule; a body that is not JSON is Huawei's", () => {
    expect(judged('saas-v2', 'releaseInstance', answer({ resultCode: '000002', resultMsg: 'bad' }, {}, 400))).toEqual([['kgkit', 'HTTP 400']]);
    expect(judged('saas-v2', 'releaseInstance', answer('<html>oops</html>', { 'content-type': 'text/html' }, 500))).toEqual([
      ['kgkit', 'HTTP 500'],
      ['huawei', 'content type text/html, not application/json'],
      ['huawei', 'answer is not JSON: "<html>oops</html>"'],
    ]);
  });

  it("requires a Body-Sign over the exact bytes in V1.0 and Kit V1 (Huawei's rule), and checks one when V2.0 sends it (kgkit's)", () => {
    const body = { resultCode: '000000', resultMsg: 'success' };
    const text = JSON.stringify(body);
    expect(judged('kit-v1', 'tenantSync', answer(body))).toEqual([['huawei', 'Body-Sign is missing (Kit V1)']]);
    expect(judged('kit-v1', 'tenantSync', answer(body, { 'body-sign': bodySignHeader(endpoint.key, text) }))).toEqual([]);
    expect(judged('saas-v2', 'releaseInstance', answer(body))).toEqual([]);
    expect(judged('saas-v2', 'releaseInstance', answer(body, { 'body-sign': bodySignHeader('another-key-123', text) }))).toEqual([
      ['kgkit', expect.stringMatching(/^Body-Sign "sign_type=.*" is not HMAC-SHA256 over the exact body with the SaaS V2.0 key$/)],
    ]);
  });

  it('requires credentials that decrypt with the key: always in V1.0, in V2.0 when encryptType is set', () => {
    const sealed = encryptCredential(endpoint.key, '1', 'admin');
    const foreign = encryptCredential('someone-elses-key', '1', 'admin');
    const v1 = (userName: string) => {
      const body = {
        resultCode: '000000',
        encryptType: '1',
        instanceId: 'i-1',
        appInfo: { frontEndUrl: 'https://app.example.com/', userName, password: sealed },
      };
      return judged('saas-v1', 'newInstance', answer(body, { 'body-sign': bodySignHeader(endpoint.key, JSON.stringify(body)) }));
    };
    expect(v1(sealed)).toEqual([]);
    expect(v1(foreign)).toEqual([['huawei', '`appInfo.userName` does not decrypt with the access key (encryptType 1: AES-256-CBC)']]);
    const v2 = {
      resultCode: '000000',
      encryptType: '1',
      info: [{ instanceId: 'i-1', appInfo: { frontEndUrl: 'https://app.example.com/', userName: sealed, password: foreign } }],
    };
    expect(judged('saas-v2', 'queryInstance', answer(v2))).toEqual([
      ['huawei', '`info.0.appInfo.password` does not decrypt with the access key (encryptType 1: AES-256-CBC)'],
    ]);
    const plain = {
      resultCode: '000000',
      info: [{ instanceId: 'i-1', appInfo: { frontEndUrl: 'https://app.example.com/', userName: 'admin', password: 'secret' } }],
    };
    expect(judged('saas-v2', 'queryInstance', answer(plain))).toEqual([]);
  });

  it('names an answer later than the timeout', () => {
    expect(judged('order-notify', 'orderNotify', { ...answer({ resultCode: '000000' }), durationMs: 5_200 })).toEqual([['huawei', 'answered after 5200 ms']]);
  });

  it('gates by profile: checkAnswer lists what fails, each line naming its rule and source', () => {
    const extra = answer({ resultCode: '000000', resultMsg: 'ok', traceId: 'x' });
    const call = { family: 'saas-v2' as const, handler: 'releaseInstance', body: {} };
    expect(checkAnswer(endpoint, call, extra)).toEqual([]);
    expect(checkAnswer(endpoint, call, extra, 'strict')).toEqual([
      "answer has undeclared field `traceId` — kgkit: answers carry only the fields Huawei's tables name, no nulls, in kgkit's formats (docs/decisions.md#16)",
    ]);
  });
});
