import { createHmac } from 'node:crypto';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { CALL_DEADLINE_MS, callDeadline } from '../../src/http/call-deadline.js';
import { bodySign } from '../../src/security/body-sign.js';

// Whatever holds a call up, the marketplace gets a contract answer before its 5 s: 000005 at the deadline, signed
// like every other answer on the path, while the work goes on.
describe('callDeadline', () => {
  const KEY = 'deadline-access-key-0123';
  const answer000005 = (c: Parameters<Parameters<typeof callDeadline>[0]['answer']>[0]) => c.json({ resultCode: '000005', resultMsg: 'late' });

  it('answers 000005 at the deadline, with Body-Sign over the exact bytes, and lets the work finish later', async () => {
    let finished = false;
    const app = new Hono();
    app.use('*', bodySign({ accessKey: KEY }));
    app.use('*', callDeadline({ ms: 50, answer: answer000005 }));
    app.post('/saas', async (c) => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      finished = true;
      return c.json({ resultCode: '000000' });
    });
    const started = performance.now();
    const response = await app.request('/saas', { method: 'POST', body: '{}' });
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(performance.now() - started).toBeLessThan(200);
    expect(JSON.parse(bytes.toString())).toEqual({ resultCode: '000005', resultMsg: 'late' });
    expect(response.headers.get('body-sign')).toBe(`sign_type="HMAC-SHA256", signature="${createHmac('sha256', KEY).update(bytes).digest('base64')}"`);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(finished).toBe(true);
  });

  it('passes an answer ready before the deadline through untouched, errors included', async () => {
    const app = new Hono();
    app.use('*', callDeadline({ ms: 1_000, answer: answer000005 }));
    app.post('/fast', (c) => c.json({ resultCode: '000000' }));
    app.post('/broken', () => {
      throw new Error('boom');
    });
    app.onError((_error, c) => c.json({ resultCode: '000005', resultMsg: 'internal error' }));
    expect(await (await app.request('/fast', { method: 'POST' })).json()).toEqual({ resultCode: '000000' });
    expect(await (await app.request('/broken', { method: 'POST' })).json()).toEqual({ resultCode: '000005', resultMsg: 'internal error' });
  });

  it('leaves room below the marketplace’s 5 s, and PROVISION_BUDGET_MS cannot reach it', () => {
    expect(CALL_DEADLINE_MS).toBeLessThanOrEqual(4_500);
    expect(() => loadConfig({ KOOGALLERY_ACCESS_KEY: 'a'.repeat(16), PROVISION_BUDGET_MS: String(CALL_DEADLINE_MS) })).toThrow(/PROVISION_BUDGET_MS/);
    expect(loadConfig({ KOOGALLERY_ACCESS_KEY: 'a'.repeat(16), PROVISION_BUDGET_MS: '4400' }).provisionBudgetMs).toBe(4_400);
  });
});
