import { mkdtempSync, rmSync } from 'node:fs';
import { type Server, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Finished, SERVER, STACK_FRAME, errorLines, inParallel, runScript } from './processes.js';

// `make serve` (src/index.ts) that cannot start: one line on stderr with the fix, exit code 2, no stack trace.

const dir = mkdtempSync(join(tmpdir(), 'kgkit-start-'));
const KEY = { KOOGALLERY_ACCESS_KEY: 'serve-start-access-key', HOST: '127.0.0.1' };
let blocker: Server;
let port: number;

type Case = [what: string, env: () => Record<string, string>, stderr: () => string | RegExp];

const CASES: Case[] = [
  [
    'a busy port',
    () => ({ ...KEY, PORT: String(port), DATABASE_URL: `file:${join(dir, 'busy.sqlite')}` }),
    () => `kgkit: port ${port} is in use: stop the other process or set PORT`,
  ],
  [
    'a key file that is not there',
    () => ({ ...KEY, PORT: '0', KIT_RSA_PRIVATE_KEY_FILE: join(dir, 'no-such-kit-key.pem') }),
    () =>
      `kgkit: invalid configuration: KIT_RSA_PRIVATE_KEY_FILE: cannot read ${join(dir, 'no-such-kit-key.pem')} (no such file or directory, ENOENT): set KIT_RSA_PRIVATE_KEY_FILE to a readable PEM file`,
  ],
  [
    'a key file that is a folder',
    () => ({ ...KEY, PORT: '0', LICENSE_SIGNING_KEY_FILE: dir }),
    () =>
      `kgkit: invalid configuration: LICENSE_SIGNING_KEY_FILE: cannot read ${dir} (illegal operation on a directory, EISDIR): set LICENSE_SIGNING_KEY_FILE to a readable PEM file`,
  ],
  [
    'an unreachable PostgreSQL',
    () => ({ ...KEY, PORT: '0', DATABASE_URL: 'postgres://kgkit:s3cret-pass@127.0.0.1:1/kgkit' }),
    () => 'kgkit: cannot reach PostgreSQL at postgres://kgkit:***@127.0.0.1:1/kgkit (ECONNREFUSED): start PostgreSQL or fix DATABASE_URL',
  ],
  [
    'a short access key',
    () => ({ KOOGALLERY_ACCESS_KEY: 'short', PORT: '0' }),
    () => /^kgkit: invalid configuration: KOOGALLERY_ACCESS_KEY must be at least 8 characters \(it has 5\): the key bound to the basic interfaces/,
  ],
];

const results: Finished[] = [];

beforeAll(async () => {
  blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  port = (blocker.address() as { port: number }).port;
  results.push(...(await inParallel(CASES, 4, ([, env]) => runScript(SERVER, [], { env: env(), cwd: dir }))));
}, 180_000);

afterAll(async () => {
  await new Promise((resolve) => blocker.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('the server that cannot start says why in one line, with exit code 2', () => {
  it.each(CASES.map((c, i) => [c[0], i, c[2]] as const))('%s', (_what, i, stderr) => {
    const { code, err } = results[i]!;
    expect(err).not.toMatch(STACK_FRAME);
    expect(errorLines(err), err).toHaveLength(1);
    const expected = stderr();
    if (typeof expected === 'string') expect(err).toBe(`${expected}\n`);
    else expect(err).toMatch(expected);
    expect(err).not.toContain('s3cret-pass');
    expect(code).toBe(2);
  });
});
