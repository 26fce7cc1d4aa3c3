import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { freePort } from './support/ports.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { signedQuery } from './support/server.js';

// `make serve` end to end: the real entry point, a real port, a SQLite file, then a clean stop.
const TSX = new URL('../node_modules/.bin/tsx', import.meta.url).pathname;
const ENTRY = new URL('../src/index.ts', import.meta.url).pathname;

function run(env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  let output = '';
  const child = spawn(TSX, [ENTRY], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

const fixture = (name: string) => new URL(`./fixtures/provisioners/${name}`, import.meta.url).pathname;

async function listening(server: { output: () => string }): Promise<void> {
  for (let i = 0; i < 100 && !server.output().includes('"listening"'); i++) await new Promise((resolve) => setTimeout(resolve, 100));
}

describe('the server process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kgkit-serve-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses bad configuration with every problem and exit code 2', async () => {
    const server = run({ PORT: 'x' });
    expect(await server.exited).toBe(2);
    expect(server.output()).toMatch(/invalid configuration[\s\S]*KOOGALLERY_ACCESS_KEY[\s\S]*PORT must be an integer/);
  });

  it('refuses a provisioner module that lacks hooks, naming them', async () => {
    const server = run({
      KOOGALLERY_ACCESS_KEY: 'serve-test-access-key',
      PROVISIONER: 'module',
      PROVISIONER_MODULE: fixture('incomplete-provisioner.ts'),
      DATABASE_URL: `file:${join(dir, 'x.sqlite')}`,
    });
    expect(await server.exited).toBe(2);
    expect(server.output()).toContain('must export `provisioner` with refresh, setFrozen, release, upgrade');
  });

  it("runs the seller's own provisioner module (PROVISIONER=module) with its change policy", async () => {
    const port = await freePort();
    const key = 'serve-test-access-key';
    const server = run({
      KOOGALLERY_ACCESS_KEY: key,
      PORT: String(port),
      HOST: '127.0.0.1',
      PROVISIONER: 'module',
      PROVISIONER_MODULE: fixture('example-provisioner.ts'),
      DATABASE_URL: `file:${join(dir, 'module.sqlite')}`,
    });
    await listening(server);
    const post = async (body: object) => {
      const text = JSON.stringify(body);
      return (await fetch(`http://127.0.0.1:${port}/saas?${signedQuery(text, { key })}`, { method: 'POST', body: text })).json();
    };
    await post({ activity: 'newInstance', orderId: 'CSMOD0001', orderLineId: 'CSMOD0001-000001', businessId: 'mod-1' });
    expect(await post({ activity: 'queryInstance', instanceId: 'mod-1' })).toMatchObject({
      info: [{ appInfo: { frontEndUrl: 'https://tenants.example.org/mod-1', password: 'from-the-module-1' } }],
    });
    expect(await post({ activity: 'changeInstanceCheck', instanceId: 'mod-1', productInfo: { skuCode: 'too-small' } })).toEqual({
      resultCode: '000100',
      resultMsg: 'usage exceeds the smaller quota',
    });
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it('serves signed calls on SQLite, logs JSON without secrets, and stops on SIGTERM', async () => {
    const port = await freePort();
    const key = 'serve-test-access-key';
    const server = run({ KOOGALLERY_ACCESS_KEY: key, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: `file:${join(dir, 'kgkit.sqlite')}` });
    const base = `http://127.0.0.1:${port}`;
    await listening(server);
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok', auditWriteFailures: 0 });

    const body = JSON.stringify({ activity: 'newInstance', orderId: 'CSSERVE0001', orderLineId: 'CSSERVE0001-000001', businessId: 'serve-1' });
    const response = await fetch(`${base}/saas?${signedQuery(body, { key })}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json;charset=utf8' },
    });
    expect(await response.json()).toEqual({ resultCode: '000000', resultMsg: 'success', instanceId: 'serve-1' });
    const query = JSON.stringify({ activity: 'queryInstance', instanceId: 'serve-1' });
    const answer = (await (await fetch(`${base}/saas?${signedQuery(query, { key })}`, { method: 'POST', body: query })).json()) as {
      info: { appInfo: { password: string } }[];
    };

    // Every family answers on its default path in the same process (unsigned → refused with a code, or 401 for SSO).
    for (const path of ['/saas/produceAPI/v2/tenantSync', '/saas/produceAPI/tenantSync', '/license-code', '/license', '/order-notify']) {
      const refused = await fetch(`${base}${path}`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
      expect([path, refused.status, ((await refused.json()) as { resultCode: string }).resultCode]).toEqual([path, 200, expect.stringMatching(/^00000[12]$/)]);
    }
    expect(((await (await fetch(`${base}/saas-v1?activity=queryInstance`)).json()) as { resultCode: string }).resultCode).toMatch(/^00000[12]$/);
    expect((await fetch(`${base}/sso/me`)).status).toBe(401);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const lines = server
      .output()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.find((l) => l.msg === 'call' && l.activity === 'newInstance')).toMatchObject({
      orderId: 'CSSERVE0001',
      instanceId: 'serve-1',
      resultCode: '000000',
    });
    expect(server.output()).not.toContain(key);
    expect(server.output()).not.toContain(answer.info[0]!.appInfo.password);

    // `kgkit events` (make events) reads the same database: the audit trail of that instance, newest first.
    const events = execFileSync(TSX, [new URL('../src/cli/kgkit.ts', import.meta.url).pathname, 'events', '--instance', 'serve-1', '--json'], {
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: `file:${join(dir, 'kgkit.sqlite')}` },
      encoding: 'utf8',
    });
    expect((JSON.parse(events) as { events: unknown[] }).events).toMatchObject([
      { activity: 'queryInstance', resultCode: '000000', request: { instanceId: 'serve-1' } },
      { activity: 'newInstance', resultCode: '000000', orderId: 'CSSERVE0001' },
    ]);
  });
});
