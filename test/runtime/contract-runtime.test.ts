import { readFileSync, readdirSync } from 'node:fs';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { type OrderNotifyRequest, mountOrderNotify, orderNotifyResult } from '../../generated/order-notify/server.js';
import type { Call } from '../../src/runtime/contract-runtime.js';

const ROOT = new URL('../../', import.meta.url);
const importsOf = (path: string) => [...readFileSync(new URL(path, ROOT), 'utf8').matchAll(/^(?:import|export)\b[^;]*?from '([^']+)'/gms)].map((m) => m[1]!);

describe('the runtime generated servers run on', () => {
  it('imports Hono, Ajv and its own folder, nothing else of kgkit (no signature, no store, no configuration)', () => {
    for (const file of readdirSync(new URL('src/runtime/', ROOT))) {
      for (const from of importsOf(`src/runtime/${file}`))
        expect(['hono', 'ajv/dist/2020.js', 'ajv-formats'].includes(from) || /^\.\/[a-z-]+\.js$/.test(from), `${file}: ${from}`).toBe(true);
    }
  });

  it('is all a generated server imports of kgkit, and generated code types its mount without casts', () => {
    for (const family of readdirSync(new URL('generated/', ROOT))) {
      const files = readdirSync(new URL(`generated/${family}/`, ROOT)).filter((file) => file.endsWith('.ts'));
      for (const file of files) {
        const text = readFileSync(new URL(`generated/${family}/${file}`, ROOT), 'utf8');
        expect(text, `generated/${family}/${file}`).not.toMatch(/as unknown as|<any>/);
        for (const from of importsOf(`generated/${family}/${file}`)) {
          expect(
            ['hono', 'openapi-fetch', '../../src/runtime/contract-runtime.js', './openapi.json', './types.js'],
            `generated/${family}/${file}: ${from}`,
          ).toContain(from);
        }
      }
    }
  });
});

describe('a mounted family', () => {
  const notify = { activity: 'orderNotify', orderId: 'CS1', orderLineId: 'CS1-1', testFlag: '0' };

  // The Env of the app reaches readBody: a mount reads what its own middleware set, typed.
  function mounted(options: { screen?: (request: Record<string, unknown>) => string | undefined } = {}) {
    const app = new Hono<{ Variables: { parsed: unknown } }>();
    const handled: OrderNotifyRequest[] = [];
    const calls: Call<'orderNotify'>[] = [];
    app.use('*', async (c, next) => {
      c.set('parsed', c.req.header('x-test-parsed') === 'none' ? undefined : notify);
      await next();
    });
    mountOrderNotify(app, {
      handlers: {
        async orderNotify(request) {
          handled.push(request);
          return orderNotifyResult.orderNotify({ resultCode: '000000', resultMsg: 'ok' });
        },
      },
      readBody: (c) => c.get('parsed'),
      observe: (call) => void calls.push(call),
      ...options,
    });
    const post = async (headers: Record<string, string> = {}) =>
      (await app.request('/order-notify', { method: 'POST', body: 'not JSON at all', headers })).json();
    return { post, handled, calls };
  }

  it('takes the request from readBody, never from the bytes on the wire', async () => {
    const { post, handled, calls } = mounted();
    expect(await post()).toEqual({ resultCode: '000000', resultMsg: 'ok' });
    expect(handled).toEqual([notify]);
    expect(calls).toMatchObject([{ activity: 'orderNotify', request: notify, result: { status: 200 } }]);
  });

  it('rejects what readBody cannot make an object of, without calling the handler', async () => {
    const { post, handled, calls } = mounted();
    expect(await post({ 'x-test-parsed': 'none' })).toEqual({ resultCode: '000002', resultMsg: 'body is not a JSON object' });
    expect(handled).toEqual([]);
    expect(calls).toMatchObject([{ activity: undefined, rejected: 'body is not a JSON object' }]);
  });

  it("refuses a valid request the mount's screen refuses, with the screen's reason", async () => {
    const { post, handled, calls } = mounted({ screen: (request) => (request.orderId === 'CS1' ? 'not this one' : undefined) });
    expect(await post()).toEqual({ resultCode: '000002', resultMsg: 'not this one' });
    expect(handled).toEqual([]);
    expect(calls).toMatchObject([{ activity: 'orderNotify', rejected: 'not this one' }]);
  });
});
