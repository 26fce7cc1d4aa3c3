import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { simulateCommand } from '../../src/cli/simulate.js';

// `kgkit simulate`: arguments checked with every problem at once, what it prints, its page and JSON, a clean stop.
const TSX = new URL('../../node_modules/.bin/tsx', import.meta.url).pathname;
const MAIN = new URL('./fixtures/simulate-main.ts', import.meta.url).pathname;
const SELLER = ['--url', 'http://127.0.0.1:9/saas', '--key', 'seller-basic-key-0123'];

async function run(argv: string[], stop?: AbortSignal, onListening?: (url: string) => void) {
  let out = '';
  let err = '';
  const code = await simulateCommand(argv, {
    out: (t) => (out += t),
    err: (t) => (err += t),
    ...(stop ? { stop } : {}),
    ...(onListening ? { onListening: (s) => onListening(s.url) } : {}),
  });
  return { code, out, err };
}

describe('kgkit simulate', () => {
  it('prints its usage with --help', async () => {
    const { code, out } = await run(['--help']);
    expect(code).toBe(0);
    expect(out).toContain('--url');
    expect(out).toContain('pay-per-use');
    expect(out).toContain('--api-token');
  });

  it('needs --url and --key', async () => {
    const { code, err } = await run(['--key', 'seller-basic-key-0123']);
    expect(code).toBe(2);
    expect(err).toContain('--url and --key are required');
  });

  it('names the old --seller-url and its new name in one line', async () => {
    const { code, err } = await run(['--seller-url', 'http://127.0.0.1:9/saas', '--key', 'seller-basic-key-0123']);
    expect(code).toBe(2);
    expect(err).toBe('kgkit simulate: --seller-url is now --url (the same name as in kgkit conformance)\n');
  });

  it('lists every bad argument at once', async () => {
    const { code, err } = await run([
      '--url',
      'ftp://x/saas',
      '--key',
      'short',
      '--port',
      '70000',
      '--speed',
      '0',
      '--scenario',
      'yearly,nope',
      '--ak',
      'only-ak',
      '--kit-public-key',
      '/nonexistent.pem',
      '--api-token',
      'too-short',
    ]);
    expect(code).toBe(2);
    for (const problem of [
      'the SaaS production URL must be an http(s) URL',
      'the key must be at least 8 characters',
      '--port must be an integer from 0 to 65535',
      '--speed must be a number above 0',
      '--ak and --sk go together',
      'unknown scenario "nope"',
      '--kit-public-key: cannot read /nonexistent.pem (ENOENT)',
      "the kgkit API token must be at least 24 characters (the seller's KGKIT_API_TOKEN)",
    ]) {
      expect(err).toContain(problem);
    }
  });

  it('refuses a scenario whose family has no URL, and an unknown option', async () => {
    expect((await run(['--bogus'])).err).toContain("Unknown option '--bogus'");
    const stop = new AbortController();
    const result = await run([...SELLER, '--port', '0', '--scenario', 'license-code'], stop.signal, () => stop.abort());
    expect(result.code).toBe(0);
    expect(result.err).toContain("scenario license-code needs the seller's license-code URL");
  });

  it('prints the page and MARKETPLACE_URL, serves both, and stops cleanly', async () => {
    const stop = new AbortController();
    let url = '';
    const done = run([...SELLER, '--port', '0', '--scenario', 'none', '--speed', '600'], stop.signal, (listening) => (url = listening));
    while (!url) await new Promise((resolve) => setTimeout(resolve, 10));
    expect((await fetch(`${url}/`)).headers.get('content-type')).toMatch(/^text\/html/);
    const state = (await (await fetch(`${url}/simulator/state`)).json()) as { speed: number; seller: Record<string, string> };
    expect(state).toMatchObject({ speed: 600, seller: { 'saas-v2': 'http://127.0.0.1:9/saas' } });
    expect(JSON.stringify(state)).not.toContain('seller-basic-key-0123');
    // An Open API call the seller makes unsigned is refused by the gateway, not by a crash.
    expect((await fetch(`${url}/api/mkp-openapi-public/global/v1/order/query?orderId=X`)).status).toBe(401);
    stop.abort();
    const { code, out } = await done;
    expect(code).toBe(0);
    expect(out).toContain(`the page is at ${url}/`);
    expect(out).toContain(`MARKETPLACE_URL=${url}`);
    expect(out).toContain('KOOGALLERY_AK=KGKITSIMULATORAK0001');
    expect(out).toContain('stopping (stop)');
    await expect(fetch(`${url}/`)).rejects.toThrow();
  });

  it('says so when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const { code, err } = await run([...SELLER, '--port', String(port), '--scenario', 'none']);
      expect(code).toBe(2);
      expect(err).toContain(`port ${port} is in use`);
    } finally {
      blocker.close();
    }
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'as a process, stops on %s with exit code 0',
    async (signal) => {
      const child = spawn(TSX, [MAIN, ...SELLER, '--port', '0', '--scenario', 'none'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      for (let i = 0; i < 200 && !output.includes('Stop with Ctrl-C'); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(output).toContain('MARKETPLACE_URL=http://127.0.0.1:');
      child.kill(signal);
      expect(await exited).toBe(0);
      expect(output).toContain(`stopping (${signal})`);
    },
    20_000,
  );
});
