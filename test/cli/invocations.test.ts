import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandSpec } from '../../src/cli/command.js';
import { CONFORMANCE } from '../../src/cli/conformance.js';
import { EVENTS } from '../../src/cli/events.js';
import { LICENSE_KEY } from '../../src/cli/license-key.js';
import { SIMULATE } from '../../src/cli/simulate.js';
import { LICENSE_UPLOADS, ORDERS } from '../../src/cli/status.js';
import { USAGE } from '../../src/cli/usage.js';
import { LICENSE_UPLOAD_STATES } from '../../src/license-uploads/license-uploads.js';
import { ORDER_LOOKUP_STATES } from '../../src/orders/lookup-status.js';
import { RECORD_STATES } from '../../src/usage/status.js';
import { type Finished, KGKIT, ROOT, STACK_FRAME, errorLines, inParallel, runScript } from './processes.js';

// `kgkit` as a user runs it, each invocation its own process: every mistake is one line on stderr naming the fix, with
// exit code 2 and no stack trace; every command has a --help; a read command never creates a database.

/** Every process starts in this empty folder: the default database (data/kgkit.sqlite) would appear here. */
const cwd = mkdtempSync(join(tmpdir(), 'kgkit-cli-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));
const missing = join(cwd, 'nowhere', 'kgkit.sqlite');
const KEY = { KOOGALLERY_ACCESS_KEY: 'a-long-enough-key-0123' };
const SELLER = ['--url', 'http://127.0.0.1:9/saas', '--key', 'seller-basic-key-0123'];
const PG_DOWN = 'postgres://kgkit:s3cret-pass@127.0.0.1:1/kgkit';

type Bad = [what: string, argv: string[], env: Record<string, string>, stderr: string | RegExp];

const BAD: Bad[] = [
  ['an unknown command', ['ordres'], {}, 'kgkit: unknown command "ordres" (did you mean orders?): see kgkit --help'],
  ['an unknown command after help', ['help', 'nothing'], {}, 'kgkit: unknown command "nothing": see kgkit --help'],
  ['an unknown option', ['orders', '--bogus'], {}, 'kgkit orders: unknown option --bogus: see kgkit orders --help'],
  ['an unknown option of events', ['events', '--colour'], {}, 'kgkit events: unknown option --colour: see kgkit events --help'],
  [
    'an unknown option of license-uploads',
    ['license-uploads', '--verbose'],
    {},
    'kgkit license-uploads: unknown option --verbose: see kgkit license-uploads --help',
  ],
  ['an unknown option of license-key', ['license-key', '--pem'], {}, 'kgkit license-key: unknown option --pem: see kgkit license-key --help'],
  ['a mistyped option', ['events', '--limt', '5'], {}, 'kgkit events: unknown option --limt (did you mean --limit?): see kgkit events --help'],
  ['an option without its value', ['orders', '--limit'], {}, 'kgkit orders: --limit needs a value: see kgkit orders --help'],
  ['a value to a flag', ['events', '--json=yes'], {}, 'kgkit events: --json takes no value: see kgkit events --help'],
  ['a stray argument', ['events', '--json', 'x'], {}, 'kgkit events: unexpected argument "x": see kgkit events --help'],
  ['a limit out of range', ['events', '--limit', '0'], {}, 'kgkit events: --limit must be an integer from 1 to 10000 (got "0")'],
  ['a limit that is no number', ['license-uploads', '--limit', 'ten'], {}, 'kgkit license-uploads: --limit must be an integer from 1 to 10000 (got "ten")'],
  ['an unknown state', ['orders', '--state', 'lost'], {}, 'kgkit orders: --state must be one of pending, found, failed (got "lost")'],
  ['usage without status', ['usage'], {}, 'kgkit usage: say what to show: kgkit usage status (see kgkit usage --help)'],
  ['usage with another word', ['usage', 'list'], {}, 'kgkit usage: unknown subcommand "list": kgkit usage has one, status (see kgkit usage --help)'],
  ['an unknown option of usage status', ['usage', 'status', '--colour'], {}, 'kgkit usage: unknown option --colour: see kgkit usage --help'],
  ['an unknown usage state', ['usage', 'status', '--state', 'lost'], {}, 'kgkit usage: --state must be one of pending, sent, rejected, expired (got "lost")'],
  [
    'conformance without a key',
    ['conformance'],
    {},
    'kgkit conformance: --key is required (the key bound to the basic interfaces): see kgkit conformance --help',
  ],
  ['an unknown option of conformance', ['conformance', '--loud'], {}, 'kgkit conformance: unknown option --loud: see kgkit conformance --help'],
  [
    'a conformance URL that is not http(s)',
    ['conformance', '--key', 'k', '--url', 'ftp://seller/saas'],
    {},
    'kgkit conformance: --url must be an http:// or https:// URL, got "ftp://seller/saas"',
  ],
  ['simulate without a URL', ['simulate', '--key', 'k'], {}, 'kgkit simulate: --url and --key are required: see kgkit simulate --help'],
  ['an unknown option of simulate', ['simulate', '--bogus'], {}, 'kgkit simulate: unknown option --bogus: see kgkit simulate --help'],
  ['a simulator port that is no port', ['simulate', ...SELLER, '--port', 'x'], {}, 'kgkit simulate: --port must be an integer from 0 to 65535 (got "x")'],
  [
    'a DATABASE_URL of another kind',
    ['events'],
    { DATABASE_URL: 'mysql://db/kgkit' },
    /^kgkit events: DATABASE_URL must be empty, file:<path> or postgres:\/\//,
  ],
  ['a --database of another kind', ['orders', '--database', 'mysql://db/kgkit'], {}, /^kgkit orders: --database must be empty, file:<path> or postgres:\/\//],
  ['license-key without a key', ['license-key'], {}, /^kgkit license-key: invalid configuration: KOOGALLERY_ACCESS_KEY must be set to the key bound/],
  [
    'license-key with a short key',
    ['license-key'],
    { KOOGALLERY_ACCESS_KEY: 'short' },
    /^kgkit license-key: invalid configuration: KOOGALLERY_ACCESS_KEY must be at least 8 characters \(it has 5\)/,
  ],
  [
    'the default database, not there',
    ['events'],
    {},
    `kgkit events: no database at ${join(cwd, 'data/kgkit.sqlite')}: start the server once (make serve) or set DATABASE_URL`,
  ],
  [
    'a DATABASE_URL file that is not there',
    ['usage', 'status'],
    { DATABASE_URL: `file:${missing}` },
    `kgkit usage: no database at ${missing}: start the server once (make serve) or set DATABASE_URL`,
  ],
  [
    'a --database path that is not there',
    ['orders', '--database', missing],
    {},
    `kgkit orders: no database at ${missing}: start the server once (make serve) or set --database`,
  ],
  [
    'a --database file: URL that is not there',
    ['license-uploads', '--database', `file:${missing}`],
    {},
    `kgkit license-uploads: no database at ${missing}: start the server once (make serve) or set --database`,
  ],
  [
    'license-key with no database',
    ['license-key'],
    { ...KEY, DATABASE_URL: `file:${missing}` },
    `kgkit license-key: no database at ${missing}: start the server once (make serve) or set DATABASE_URL`,
  ],
  [
    'an unreachable PostgreSQL in DATABASE_URL',
    ['events'],
    { DATABASE_URL: PG_DOWN },
    'kgkit events: cannot reach PostgreSQL at postgres://kgkit:***@127.0.0.1:1/kgkit (ECONNREFUSED): start PostgreSQL or fix DATABASE_URL',
  ],
  [
    'an unreachable PostgreSQL in --database',
    ['orders', '--database', PG_DOWN],
    {},
    'kgkit orders: cannot reach PostgreSQL at postgres://kgkit:***@127.0.0.1:1/kgkit (ECONNREFUSED): start PostgreSQL or fix --database',
  ],
];

const COMMANDS: [name: string, spec: CommandSpec][] = [
  ['conformance', CONFORMANCE],
  ['simulate', SIMULATE],
  ['usage', USAGE],
  ['orders', ORDERS],
  ['license-uploads', LICENSE_UPLOADS],
  ['events', EVENTS],
  ['license-key', LICENSE_KEY],
];

const HELPS: string[][] = [
  ...COMMANDS.flatMap(([name]) => [
    [name, '--help'],
    [name, '-h'],
  ]),
  ['usage', 'status', '--help'],
  ['help', 'orders'],
  ['orders', '--bogus', '-h'],
];
const OVERVIEWS: string[][] = [[], ['--help'], ['-h'], ['help']];

const results = new Map<string, Finished>();
const key = (argv: string[], env: Record<string, string> = {}) => JSON.stringify([argv, env]);

beforeAll(async () => {
  type Run = [argv: string[], env: Record<string, string>];
  const runs: Run[] = [...BAD.map(([, argv, env]): Run => [argv, env]), ...[...HELPS, ...OVERVIEWS].map((argv): Run => [argv, {}])];
  const finished = await inParallel(runs, 4, ([argv, env]) => runScript(KGKIT, argv, { env, cwd }));
  for (const [i, [argv, env]] of runs.entries()) results.set(key(argv, env), finished[i]!);
}, 300_000);

describe('kgkit: a bad invocation is one line naming the fix, exit code 2, no stack trace', () => {
  it.each(BAD)('%s', (_what, argv, env, stderr) => {
    const { code, out, err } = results.get(key(argv, env))!;
    expect(err).not.toMatch(STACK_FRAME);
    expect(errorLines(err), err).toHaveLength(1);
    if (typeof stderr === 'string') expect(err).toBe(`${stderr}\n`);
    else expect(err).toMatch(stderr);
    expect(out).toBe('');
    expect(code).toBe(2);
  });

  it('never shows the password of a database URL', () => {
    for (const [, argv, env] of BAD) expect(results.get(key(argv, env))!.err).not.toContain('s3cret-pass');
  });

  it('creates no database, no folder and no file for a read command', () => {
    expect(existsSync(missing)).toBe(false);
    expect(readdirSync(cwd)).toEqual([]);
  });
});

describe('kgkit --help', () => {
  it.each(OVERVIEWS.map((argv) => [argv.join(' ') || '(nothing)', argv]))('kgkit %s lists every command with one line each, exit 0', (_shown, argv) => {
    const { code, out, err } = results.get(key(argv as string[]))!;
    expect(code).toBe(0);
    expect(err).toBe('');
    for (const [name, spec] of COMMANDS) {
      const listed = name === 'usage' ? 'usage status' : name;
      expect(out).toMatch(new RegExp(`^ {2}${listed} +${spec.summary.replace(/[()]/g, '\\$&')}$`, 'm'));
    }
    expect(out).toMatch(/^ {2}0 {2}ok$/m);
    expect(out).toMatch(/^ {2}1 {2}a failure found/m);
    expect(out).toMatch(/^ {2}2 {2}usage or configuration/m);
  });

  it.each(COMMANDS)('kgkit %s --help and -h: usage, every option, examples and exit codes, exit 0', (name, spec) => {
    for (const flag of ['--help', '-h']) {
      const { code, out, err } = results.get(key([name, flag]))!;
      expect(code).toBe(0);
      expect(err).toBe('');
      expect(out).toContain(`usage: kgkit ${name} `);
      for (const option of Object.keys(spec.options)) expect(out).toMatch(new RegExp(`^ {2}--${option}\\b`, 'm'));
      expect(out).toMatch(/^ {2}-h, --help +this help$/m);
      expect(out).toMatch(/\nexamples:\n {2}kgkit /);
      expect(out).toMatch(/\nexit codes:\n {2}0 {2}ok\n {2}1 {2}.+\n {2}2 {2}usage or configuration/);
    }
  });

  it('names the states each read command accepts', () => {
    const help = (argv: string[]) => results.get(key(argv))!.out;
    for (const state of ORDER_LOOKUP_STATES) expect(help(['orders', '--help'])).toContain(state);
    for (const state of LICENSE_UPLOAD_STATES) expect(help(['license-uploads', '--help'])).toContain(state);
    for (const state of RECORD_STATES) expect(help(['usage', '--help'])).toContain(state);
  });

  it('answers help <command>, usage status --help, and --help beside a bad option', () => {
    expect(results.get(key(['help', 'orders']))).toEqual(results.get(key(['orders', '--help'])));
    expect(results.get(key(['usage', 'status', '--help']))).toEqual(results.get(key(['usage', '--help'])));
    expect(results.get(key(['orders', '--bogus', '-h']))).toEqual(results.get(key(['orders', '-h'])));
  });

  it('shows the old names still accepted', () => {
    expect(results.get(key(['simulate', '--help']))!.out).toMatch(/^ {2}--seller-url +the old name of --url; still accepted$/m);
    expect(results.get(key(['conformance', '--help']))!.out).toMatch(/^ {2}--json-file <file> +.*\(was --json <file>\)$/m);
  });
});

describe('the README', () => {
  const readme = readFileSync(`${ROOT}README.md`, 'utf8');
  const section = readme.slice(readme.indexOf('\n## Command line\n'), readme.indexOf('\n## Configuration\n'));

  it('has a Command line section with every command and the exit codes', () => {
    for (const [name] of COMMANDS) expect(section).toMatch(new RegExp(`^\\| \`kgkit ${name === 'usage' ? 'usage status' : name}\\b`, 'm'));
    for (const code of ['0', '1', '2']) expect(section).toMatch(new RegExp(`^\\| \`${code}\` \\| `, 'm'));
  });
});
