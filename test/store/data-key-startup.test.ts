import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataKeys } from '../../src/crypto/data-keys.js';
import { openStore } from '../../src/store/connect.js';
import { SqlInstanceRepository } from '../../src/store/instances.js';
import { freePort } from '../support/ports.js';
import { signedQuery } from '../support/server.js';

// The start-up step in the real entry point (src/index.ts) on a SQLite file: restarted with a new data key and the
// old one as previous, the server re-seals and serves; with the new key alone it serves; with a wrong key it stops.
const TSX = new URL('../../node_modules/.bin/tsx', import.meta.url).pathname;
const ENTRY = new URL('../../src/index.ts', import.meta.url).pathname;
const ACCESS_KEY = 'startup-test-access-key';
const A = 'startup-data-key-A-0123456789-abcdef';
const B = 'startup-data-key-B-0123456789-abcdef';
const C = 'startup-data-key-C-0123456789-abcdef';
const SEALED_PASSWORD = 'Sealed-under-A-7c2e9d';
const CLEAR_PASSWORD = 'Clear-before-sealing-4b8f1a';

function run(env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  let output = '';
  const child = spawn(TSX, [ENTRY], {
    env: { PATH: process.env.PATH ?? '', KOOGALLERY_ACCESS_KEY: ACCESS_KEY, HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

const logLine = (output: string, msg: string) =>
  output
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((line) => line.msg === msg);

describe('the data key at start-up (SQLite file, the real entry point)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kgkit-data-key-'));
  const file = join(dir, 'kgkit.sqlite');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(async () => {
    const store = await openStore({ dialect: 'sqlite', target: file });
    const repository = new SqlInstanceRepository(store.db, new DataKeys({ dataKey: A }));
    await repository.insertProvisioning({
      instanceId: 'key-a-1',
      orderId: 'CSKEYA0001',
      orderLineId: 'CSKEYA0001-000001',
      businessId: 'key-a-1',
      test: false,
      leaseUntil: 0,
      now: Date.now(),
    });
    await repository.completeProvisioning('key-a-1', { frontEndUrl: 'https://app.example.com/t/key-a-1', password: SEALED_PASSWORD }, Date.now());
    // A row as kgkit wrote it before it sealed app_info.
    await repository.insertProvisioning({
      instanceId: 'clear-1',
      orderId: 'CSCLEAR001',
      orderLineId: 'CSCLEAR001-000001',
      businessId: 'clear-1',
      test: false,
      leaseUntil: 0,
      now: Date.now(),
    });
    await store.db
      .updateTable('instances')
      .set({ status: 'ACTIVE', app_info: JSON.stringify({ frontEndUrl: 'https://app.example.com/t/clear-1', password: CLEAR_PASSWORD }) })
      .where('instance_id', '=', 'clear-1')
      .execute();
    await store.close();
  });

  async function serveAndQuery(env: Record<string, string>): Promise<{ output: string; passwords: string[] }> {
    const port = await freePort();
    const server = run({ ...env, PORT: String(port), DATABASE_URL: `file:${file}` });
    for (let i = 0; i < 100 && !server.output().includes('"listening"'); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    const body = JSON.stringify({ activity: 'queryInstance', instanceId: 'key-a-1,clear-1' });
    const answer = (await (await fetch(`http://127.0.0.1:${port}/saas?${signedQuery(body, { key: ACCESS_KEY })}`, { method: 'POST', body })).json()) as {
      info: { appInfo: { password: string } }[];
    };
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    return { output: server.output(), passwords: answer.info.map((info) => info.appInfo.password).sort() };
  }

  it('restarted with B and previous A it re-seals and serves; with B alone it serves; with a key that opens nothing it stops', async () => {
    // B and previous A: the clear row sealed, the other re-sealed under B, counted in the log, both served.
    const rotating = await serveAndQuery({ KGKIT_DATA_KEY: B, KGKIT_DATA_KEY_PREVIOUS: A });
    expect(rotating.passwords).toEqual([CLEAR_PASSWORD, SEALED_PASSWORD].sort());
    expect(logLine(rotating.output, 'stored secrets checked')).toMatchObject({
      previousDataKeys: 1,
      sealed: 1,
      resealed: 1,
      changed: [{ column: 'instances.app_info', sealed: 1, resealed: 1 }],
    });
    expect(readFileSync(file).toString('latin1')).not.toContain(CLEAR_PASSWORD);

    // B alone: nothing left to re-seal, every value opens; A can be forgotten.
    const rotated = await serveAndQuery({ KGKIT_DATA_KEY: B });
    expect(rotated.passwords).toEqual([CLEAR_PASSWORD, SEALED_PASSWORD].sort());
    expect(logLine(rotated.output, 'stored secrets checked')).toMatchObject({ previousDataKeys: 0, sealed: 0, resealed: 0, changed: [] });

    // A (which no value is sealed under any more), or C with previous A: exit code 2 before listening, saying what to set.
    const wrongKeys: Record<string, string>[] = [{ KGKIT_DATA_KEY: A }, { KGKIT_DATA_KEY: C, KGKIT_DATA_KEY_PREVIOUS: A }];
    for (const env of wrongKeys) {
      const server = run({ ...env, PORT: String(await freePort()), DATABASE_URL: `file:${file}` });
      expect(await server.exited).toBe(2);
      expect(logLine(server.output(), 'wrong data key')?.error).toMatch(
        /instances\.app_info: 2 \(first: instances\.app_info of instance_id=clear-1\).*KGKIT_DATA_KEY_PREVIOUS/,
      );
      expect(server.output()).not.toContain('"listening"');
      for (const key of [A, B, C]) expect(server.output()).not.toContain(key);
    }
  });
});
