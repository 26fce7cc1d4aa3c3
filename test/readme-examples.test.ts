import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Replica, type SharedSchema, freshSchema, startReplica, stopAll } from './support/replicas.js';
import { DIALECTS } from './support/stores.js';

// The README's examples that a reader runs as written (each marked `<!-- example: name -->` above its fence), run in
// bash against kgkit's server started as `make serve` would be, one after the other as a reader would; every answer
// the example prints is compared with the one written under its command (`# {…}`).

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const run = promisify(execFile);
/** The token the usage examples send as $KGKIT_API_TOKEN (the README asks for at least 24 characters). */
const API_TOKEN = 'readme-example-api-token-0123456789';
/** What the README's examples call: `make serve` on its default port. */
const WRITTEN_BASE = 'http://localhost:8080';
/** Answer fields that differ at every run (the builtin provisioner's fresh random password). */
const VARIES = new Set(['password']);

/** The marked examples, in the README's order. */
function examples(text: string): { name: string; code: string }[] {
  return [...text.matchAll(/^<!-- example: ([\w-]+) -->\n```(?:sh|bash)\n([\s\S]*?)\n```$/gm)].map(([, name, code]) => ({ name: name!, code: code! }));
}

/** The answers written under the commands, in order: each `# {…}` line (text after the JSON is a note). */
const writtenAnswers = (code: string): unknown[] => [...code.matchAll(/^# (\{.*\})/gm)].map(([, json]) => JSON.parse(json!));

/** The answer with the fields that vary at every run replaced by their type. */
function comparable(value: unknown, key = ''): unknown {
  if (VARIES.has(key)) return `<${typeof value}>`;
  if (Array.isArray(value)) return value.map((item) => comparable(item));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, comparable(v, k)]));
  return value;
}

describe('the README', () => {
  it('marks the examples this test runs: the signed calls, the usage event, the usage records', () => {
    expect(examples(README).map((example) => example.name)).toEqual(['signed-calls', 'usage-event', 'usage-records']);
    for (const example of examples(README)) expect([example.name, writtenAnswers(example.code).length > 0]).toEqual([example.name, true]);
  });
});

describe.each(DIALECTS)('the README examples against the server on %s', (dialect) => {
  let server: Replica | undefined;
  let schema: SharedSchema | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'kgkit-readme-'));

  beforeAll(async () => {
    if (dialect === 'postgres') schema = await freshSchema(process.env.DATABASE_URL!);
    server = await startReplica('readme', {
      // The key the examples export, and the token the usage examples use.
      KOOGALLERY_ACCESS_KEY: 'change-me-to-your-key',
      KGKIT_API_TOKEN: API_TOKEN,
      DATABASE_URL: schema?.databaseUrl ?? `file:${join(dir, 'kgkit.sqlite')}`,
    });
  }, 60_000);
  afterAll(async () => {
    await stopAll([server]);
    await schema?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(examples(README))('$name answers what the README writes under it', async ({ code }) => {
    const script = `set -euo pipefail\n${code.replaceAll(WRITTEN_BASE, server!.base)}`;
    // --norc: Debian's bash reads its bashrc when it guesses it runs under ssh, which a pipe for stdin can look like.
    const { stdout, stderr } = await run('bash', ['--norc', '--noprofile', '-c', script], {
      env: { PATH: process.env.PATH ?? '', KGKIT_API_TOKEN: API_TOKEN },
    });
    expect(stderr).toBe('');
    const answers = stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line));
    expect(answers.map((answer) => comparable(answer))).toEqual(writtenAnswers(code).map((answer) => comparable(answer)));
  });
});
