import { describe, expect, it } from 'vitest';
import { verifyApigRequest } from '../../src/crypto/apig-signature.js';
import { verifyBasicSignature } from '../../src/crypto/basic-signature.js';
import { verifyKitSignature } from '../../src/crypto/kit-signature.js';
import { type Fetch, apigFetch, kooGalleryFetch } from '../../src/signing/index.js';

// The signing fetches (src/signing): what they send verifies with kgkit's own verifiers, whatever the client had put in
// the signature parameters.

const KEY = 'seller-access-key-0123456789';
const NOW = 1_767_225_600_000;

/** A fetch that keeps the request it is given and answers 200. */
function capture(): { fetch: Fetch; sent: () => Request } {
  let last: Request | undefined;
  return {
    fetch: async (input, init) => {
      last = new Request(input, init);
      return new Response('{"resultCode":"000000"}', { headers: { 'content-type': 'application/json' } });
    },
    sent: () => last!,
  };
}

describe('kooGalleryFetch', () => {
  it('signs a basic-family call in the query, replacing what the client put there, with the body keys sorted at every level', async () => {
    const { fetch, sent } = capture();
    const signed = kooGalleryFetch({ family: 'saas-v2', accessKey: KEY, fetch, now: () => NOW });
    await signed('http://seller.example/saas?signature=&timestamp=&nonce=&tenant=a', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-trace': 't-1' },
      body: JSON.stringify({ testFlag: '1', activity: 'queryInstance', instanceId: 'i-1', extra: { b: 1, a: 2 } }),
    });
    const request = sent();
    const url = new URL(request.url);
    expect(url.pathname).toBe('/saas');
    expect(url.searchParams.get('tenant')).toBe('a');
    for (const name of ['signature', 'timestamp', 'nonce']) expect(url.searchParams.getAll(name)).toHaveLength(1);
    expect(url.searchParams.get('timestamp')).toBe(String(NOW));
    const rawBody = new Uint8Array(await request.arrayBuffer());
    expect(new TextDecoder().decode(rawBody)).toBe('{"activity":"queryInstance","extra":{"a":2,"b":1},"instanceId":"i-1","testFlag":"1"}');
    const check = {
      accessKey: KEY,
      nonce: url.searchParams.get('nonce')!,
      timestamp: url.searchParams.get('timestamp')!,
      signature: url.searchParams.get('signature')!,
      rawBody,
    };
    expect(verifyBasicSignature(check)).toBe(true);
    expect(verifyBasicSignature({ ...check, accessKey: 'another-key' })).toBe(false);
    expect(request.headers.get('x-trace')).toBe('t-1');
    expect(request.headers.get('content-type')).toBe('application/json;charset=utf8');
  });

  it('signs a Kit V2 call in the x-sign headers, replacing what the client put there', async () => {
    const { fetch, sent } = capture();
    const signed = kooGalleryFetch({ family: 'kit-v2', accessKey: KEY, fetch, now: () => NOW });
    await signed(
      new Request('http://seller.example/saas/produceAPI/v2/tenantSync', {
        method: 'POST',
        headers: { 'x-sign': 'x', 'x-timestamp': '1', 'x-nonce': 'n' },
        body: '{"tenantId":"t-1","flag":1}',
      }),
    );
    const request = sent();
    expect(request.url).toBe('http://seller.example/saas/produceAPI/v2/tenantSync');
    const rawBody = new Uint8Array(await request.arrayBuffer());
    const [signature, timestamp, nonce] = ['x-sign', 'x-timestamp', 'x-nonce'].map((name) => request.headers.get(name)!);
    expect(timestamp).toBe(String(NOW));
    expect(verifyKitSignature({ accessKey: KEY, nonce: nonce!, timestamp: timestamp!, signature: signature!, rawBody })).toBe(true);
  });

  it.each([
    ['a family signed otherwise', { family: 'saas-v1' as never, accessKey: KEY }, 'is not signed with the basic or the Kit V2 scheme'],
    ['no key', { family: 'saas-v2' as const, accessKey: '' }, 'the access key is empty'],
  ])('refuses to start with %s', (_name, options, message) => {
    expect(() => kooGalleryFetch(options)).toThrow(message);
  });

  it.each([
    ['a body that is not JSON', 'activity=newInstance', 'the body is not JSON'],
    ['a JSON body that is not an object', '[1]', 'the body is not a JSON object'],
  ])('refuses %s', async (_name, body, message) => {
    const signed = kooGalleryFetch({ family: 'saas-v2', accessKey: KEY, fetch: capture().fetch });
    await expect(signed('http://seller.example/saas', { method: 'POST', body })).rejects.toThrow(message);
  });
});

describe('apigFetch', () => {
  it('signs an Open API call with SDK-HMAC-SHA256, as the gateway checks it', async () => {
    const { fetch, sent } = capture();
    const signed = apigFetch({ accessKey: 'HPUAEXAMPLEAK1234567', secretKey: 'example-secret-key', signedHeaders: ['content-type'], fetch, now: () => NOW });
    await signed('https://mkt.myhuaweicloud.com/api/mkp-openapi-public/global/v1/order/query?orderId=CS1&orderLineId=CS1-1', {
      headers: { 'content-type': 'application/json' },
    });
    const request = sent();
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    expect(headers.authorization).toMatch(/^SDK-HMAC-SHA256 Access=HPUAEXAMPLEAK1234567, SignedHeaders=content-type;host;x-sdk-date, Signature=[0-9a-f]{64}$/);
    const verdict = verifyApigRequest(
      { method: request.method, url: request.url, headers, body: new Uint8Array(await request.arrayBuffer()) },
      (ak) => (ak === 'HPUAEXAMPLEAK1234567' ? 'example-secret-key' : undefined),
      NOW,
    );
    expect(verdict).toEqual({ ok: true, accessKey: 'HPUAEXAMPLEAK1234567' });
  });

  it('refuses to start without both keys', () => {
    expect(() => apigFetch({ accessKey: 'AK', secretKey: '' })).toThrow('the access key or the secret key is empty');
  });
});
