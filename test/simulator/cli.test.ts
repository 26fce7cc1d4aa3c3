import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { simulateCommand } from '../../src/cli/simulate.js';

// `kgkit simulate`: arguments checked with every problem at once, what it prints, its page and JSON, a clean stop.
// Node with tsx's loader, not the tsx command: that one relays a signal to its child and kills it when the child does
// not confirm within 30 ms, which a busy machine can miss.
const NODE_TSX = [process.execPath, '--import', 'tsx'] as const;
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
    expect(err).toBe('kgkit simulate: --url and --key are required: see kgkit simulate --help\n');
  });

  it('still takes the old --seller-url, with a note naming --url', async () => {
    const stop = new AbortController();
    const result = await run(
      ['--seller-url', 'http://127.0.0.1:9/saas', '--key', 'seller-basic-key-0123', '--port', '0', '--scenario', 'none'],
      stop.signal,
      () => stop.abort(),
    );
    expect(result.code).toBe(0);
    expect(result.err).toBe('kgkit simulate: note: --seller-url is now --url; the old name still works for now\n');
    const both = await run(['--seller-url', 'http://127.0.0.1:9/saas', ...SELLER]);
    expect(both).toMatchObject({
      code: 2,
      err: 'kgkit simulate: --seller-url and --url are the same option (--seller-url is its old name): give --url only\n',
    });
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
    expect((await run(['--bogus'])).err).toBe('kgkit simulate: unknown option --bogus: see kgkit simulate --help\n');
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

  it('draws one progress line of the scenarios on stderr when stdout is a terminal, none otherwise', async () => {
    for (const isTTY of [true, false]) {
      const stop = new AbortController();
      let err = '';
      let listening = false;
      const done = simulateCommand([...SELLER, '--port', '0', '--speed', '600'], {
        out: () => {},
        err: (text) => void (err += text),
        isTTY,
        stop: stop.signal,
        onListening: () => void (listening = true),
      });
      while (!listening) await new Promise((resolve) => setTimeout(resolve, 20));
      // Off a terminal nothing comes however long it runs: the terminal's line is waited for, the other for as long.
      for (let waited = 0; (isTTY ? !err.includes('scenarios:') : waited < 1_500) && waited < 20_000; waited += 50) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      stop.abort();
      expect(await done).toBe(0);
      if (isTTY) {
        expect(err).toMatch(/^\r\u001b\[2Kscenarios: 1 running, 0 done, 0 failed · pay-per-use/);
        expect(err.endsWith('\r\u001b[2K')).toBe(true);
      } else expect(err).toBe('');
    }
  });

  it('says so when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const { code, err } = await run([...SELLER, '--port', String(port), '--scenario', 'none']);
      expect(code).toBe(2);
      expect(err).toBe(`kgkit simulate: port ${port} is in use: stop the other process or choose another with --port\n`);
    } finally {
      blocker.close();
    }
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'as a process, stops on %s with exit code 0',
    async (signal) => {
      const child = spawn(NODE_TSX[0], [...NODE_TSX.slice(1), MAIN, ...SELLER, '--port', '0', '--scenario', 'none'], { stdio: ['ignore', 'pipe', 'pipe'] });
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
