import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type Server, createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { families } from '../../scripts/contract.js';
import { FAMILY_ORDER } from '../../scripts/family-order.js';
import { MockSettingError, mockPlan, mockTable } from '../../scripts/mock-plan.js';
import { freePort } from '../support/ports.js';

const ROOT = join(import.meta.dirname, '..', '..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const VALID = FAMILY_ORDER.join(', ');

// `make mock` (scripts/mock.ts, scripts/mock-plan.ts): which families, on which ports, and the one-line refusals.
describe('make mock: FAMILY and MOCK_PORT', () => {
  it('serves every family by default, on consecutive ports from 4010 in README order', () => {
    const plan = mockPlan(undefined, undefined);
    expect(plan.map((entry) => entry.family)).toEqual(FAMILY_ORDER);
    expect(plan.map((entry) => entry.port)).toEqual(FAMILY_ORDER.map((_, i) => 4010 + i));
    expect(plan[0]).toEqual({ family: 'saas-v2', port: 4010, url: 'http://localhost:4010/saas', contract: 'openapi/saas-v2/openapi.yaml' });
    expect(plan.find((entry) => entry.family === 'kit-v2')!.url).toBe('http://localhost:4011/saas/produceAPI/v2');
  });

  it.each([
    [['saas-v2'], '5000', [['saas-v2', 5000]]],
    [['marketplace'], '5000', [['marketplace', 5000]]],
    [
      ['kit-v1,saas-v2'],
      ' 6000 ',
      [
        ['saas-v2', 6000],
        ['kit-v1', 6001],
      ],
    ],
    [
      ['kgkit', 'saas-v2', 'kgkit'],
      undefined,
      [
        ['saas-v2', 4010],
        ['kgkit', 4011],
      ],
    ],
    [['saas-v2'], '65535', [['saas-v2', 65535]]],
  ])('FAMILY=%j MOCK_PORT=%j → %j', (requested, port, expected) => {
    expect(mockPlan(requested, port).map((entry) => [entry.family, entry.port])).toEqual(expected);
  });

  it.each([
    [['nope'], undefined, `mock: no family "nope"; FAMILY is one or more (comma-separated) of ${VALID}`],
    [['saas-v2,SAAS-V1'], undefined, `mock: no family "SAAS-V1"; FAMILY is one or more (comma-separated) of ${VALID}`],
    [[''], undefined, `mock: no family ""; FAMILY is one or more (comma-separated) of ${VALID}`],
    [['components'], undefined, `mock: no family "components"; FAMILY is one or more (comma-separated) of ${VALID}`],
    [undefined, 'abc', 'mock: MOCK_PORT must be a port from 1 to 65526 (the first of 10 consecutive ports), got "abc"'],
    [undefined, '0', 'mock: MOCK_PORT must be a port from 1 to 65526 (the first of 10 consecutive ports), got "0"'],
    [undefined, '-1', 'mock: MOCK_PORT must be a port from 1 to 65526 (the first of 10 consecutive ports), got "-1"'],
    [undefined, '4010.5', 'mock: MOCK_PORT must be a port from 1 to 65526 (the first of 10 consecutive ports), got "4010.5"'],
    [undefined, '65530', 'mock: MOCK_PORT must be a port from 1 to 65526 (the first of 10 consecutive ports), got "65530"'],
    [['saas-v2'], '65536', 'mock: MOCK_PORT must be a port from 1 to 65535 (the first of 1 consecutive port), got "65536"'],
    [['saas-v2'], '', 'mock: MOCK_PORT must be a port from 1 to 65535 (the first of 1 consecutive port), got ""'],
  ])('refuses FAMILY=%j MOCK_PORT=%j in one line', (requested, port, message) => {
    expect(() => mockPlan(requested, port)).toThrow(MockSettingError);
    expect(() => mockPlan(requested, port)).toThrow(message);
  });

  it('prints an aligned table of family, port, URL and contract', () => {
    const lines = mockTable(mockPlan(['saas-v2,kit-v2'], '5000')).split('\n');
    expect(lines).toEqual([
      'family   port  URL                                       contract',
      'saas-v2  5000  http://localhost:5000/saas                openapi/saas-v2/openapi.yaml',
      'kit-v2   5001  http://localhost:5001/saas/produceAPI/v2  openapi/kit-v2/openapi.yaml',
    ]);
    expect(families()).toEqual([...FAMILY_ORDER].sort());
  });
});

describe('scripts/mock.ts refuses bad settings with one line and exit 2, before starting anything', () => {
  let busy: Server;
  let busyPort: number;
  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, resolve));
    busyPort = (busy.address() as { port: number }).port;
  });
  afterAll(() => new Promise((resolve) => busy.close(resolve)));

  it.each([
    { args: ['--family', 'nope'], line: /^mock: no family "nope"; FAMILY is one or more \(comma-separated\) of saas-v2, kit-v2, / },
    { args: ['--port', 'abc'], line: /^mock: MOCK_PORT must be a port from 1 to 65526/ },
    { args: ['--bogus'], line: /^mock: Unknown option '--bogus'.*\(usage: tsx scripts\/mock.ts/ },
    { args: 'busy', line: /^mock: port \d+ \(saas-v2\) is in use: stop what listens there, or choose other ports with MOCK_PORT=<first port>/ },
  ])('$args', ({ args, line }) => {
    const argv = args === 'busy' ? ['--family', 'saas-v2', '--port', String(busyPort)] : args;
    const result = spawnSync(TSX, ['scripts/mock.ts', ...argv], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(line);
  });

  it('make mock FAMILY=<bad> exits 2 and lists the valid names', () => {
    const result = spawnSync('make', ['-s', 'mock', 'FAMILY=saas-v3'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(result.status).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe(`mock: no family "saas-v3"; FAMILY is one or more (comma-separated) of ${VALID}`);
  });
});

describe('make mock FAMILY=saas-v2 MOCK_PORT=<port>', () => {
  let child: ChildProcess;
  let port: number;
  let output = '';
  beforeAll(async () => {
    port = await freePort();
    // Its own process group, so that the test stops make, tsx, node and Prism together.
    child = spawn('make', ['-s', 'mock', 'FAMILY=saas-v2', `MOCK_PORT=${port}`], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const answering = new Promise<void>((resolve) => {
      const check = () => (/^saas-v2 /m.test(output) ? resolve() : setTimeout(check, 200));
      check();
    });
    await Promise.race([answering, exited.then(() => Promise.reject(new Error(`make mock exited:\n${output}`)))]);
  }, 90_000);
  afterAll(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
  });

  it('prints what runs where', () => {
    const table = output.slice(output.indexOf('mock: 1 contract answering'));
    expect(table.split('\n').slice(0, 3)).toEqual([
      'mock: 1 contract answering (Ctrl-C stops it)',
      ...mockTable([{ family: 'saas-v2', port, url: `http://localhost:${port}/saas`, contract: 'openapi/saas-v2/openapi.yaml' }]).split('\n'),
    ]);
  });

  it('answers a call of the contract with its example', async () => {
    const example = parse(readFileSync(join(ROOT, 'openapi/saas-v2/examples/queryInstance-request.yaml'), 'utf8')) as { value: object };
    const query = `signature=${randomBytes(32).toString('hex')}&timestamp=${Date.now()}&nonce=${randomBytes(32).toString('hex')}`;
    const response = await fetch(`http://127.0.0.1:${port}/saas?${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json;charset=utf8' },
      body: JSON.stringify(example.value),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { resultCode: string }).resultCode).toBe('000000');
  });
});
