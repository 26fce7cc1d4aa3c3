import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conformanceCommand } from '../../src/cli/conformance.js';
import { SELLER_FAMILIES } from '../../src/conformance/families.js';
import { type ConformanceReport, applicableCases } from '../../src/conformance/runner.js';
import { BROKEN_SELLERS, KIT_PUBLIC_KEY_PEM, type RunningSeller, startSeller } from '../fixtures/broken-sellers/index.js';
import { KEYS } from '../support/server.js';

// `kgkit conformance`: arguments, exit codes, the progress line, the summary table, JUnit XML and JSON.

const dir = mkdtempSync(join(tmpdir(), 'kgkit-conformance-cli-'));
const publicKey = join(dir, 'kit.pub.pem');
writeFileSync(publicKey, KIT_PUBLIC_KEY_PEM);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function kgkit(argv: string[], isTTY = false): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await conformanceCommand(argv, { out: (text) => (out += text), err: (text) => (err += text), isTTY });
  return { code, out, err };
}

function everyFamily(seller: RunningSeller): string[] {
  const { endpoints } = seller;
  return [
    ...['--url', endpoints['saas-v2'].url, '--key', KEYS.basic, '--kit-key', KEYS.kit, '--kit-public-key', publicKey],
    ...['--saas-v1-url', endpoints['saas-v1'].url, '--online-license-url', endpoints['online-license'].url],
    ...['--license-code-url', endpoints['license-code'].url, '--license-code-key', KEYS.licenseCode],
    ...['--order-notify-url', endpoints['order-notify'].url, '--order-notify-key', KEYS.orderNotify],
    ...['--family', SELLER_FAMILIES.join(',')],
  ];
}

describe('kgkit conformance: bad arguments exit 2 with every problem, one line each', () => {
  it.each([
    ['no key', ['--url', 'http://127.0.0.1:1/saas'], '--key is required (the key bound to the basic interfaces): see kgkit conformance --help'],
    [
      'a URL that is not http(s)',
      ['--url', 'ftp://seller.example.com/saas', '--key', 'k'],
      '--url must be an http:// or https:// URL, got "ftp://seller.example.com/saas"',
    ],
    ['an unknown family', ['--url', 'http://s/saas', '--key', 'k', '--family', 'saas-v3'], '--family: unknown family "saas-v3"'],
    ['a family without its URL', ['--url', 'http://s/saas', '--key', 'k', '--family', 'saas-v1'], '--family saas-v1 needs --saas-v1-url'],
    ['a timeout out of range', ['--url', 'http://s/saas', '--key', 'k', '--timeout', '10'], '--timeout must be an integer from 100 to 60000 (ms)'],
    ['an unknown option', ['--url', 'http://s/saas', '--key', 'k', '--loud'], 'unknown option --loud: see kgkit conformance --help'],
    ['a positional argument', ['run', '--key', 'k'], 'unexpected argument "run": see kgkit conformance --help'],
    ['nothing to test', ['--key', 'k'], 'nothing to test: give --url or another family URL'],
    [
      'an unreadable public key',
      ['--url', 'http://s/saas', '--key', 'k', '--kit-public-key', join(dir, 'missing.pem')],
      '--kit-public-key: cannot read an RSA public key',
    ],
    [
      'a case filter that matches nothing',
      ['--url', 'http://s/saas', '--key', 'k', '--case', 'kit-v2.'],
      '--case: no case of the families tested has "kit-v2." in its id',
    ],
    [
      'a report in a folder that does not exist',
      ['--url', 'http://s/saas', '--key', 'k', '--junit', join(dir, 'no/such/report.xml')],
      '--junit: the folder of',
    ],
  ])('%s', async (_what, argv, problem) => {
    const { code, out, err } = await kgkit(argv);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain(`kgkit conformance: ${problem}`);
    expect(
      err
        .trimEnd()
        .split('\n')
        .every((line) => line.startsWith('kgkit conformance: ')),
    ).toBe(true);
  });

  it('--help prints the usage and exits 0', async () => {
    expect(await kgkit(['--help'])).toMatchObject({ code: 0, out: expect.stringContaining('--order-notify-url <url>') });
    expect(await kgkit(['-h', '--bogus'])).toMatchObject({ code: 0, out: expect.stringContaining('exit codes:') });
  });
});

describe("kgkit conformance against kgkit's own server", () => {
  let seller: RunningSeller;
  beforeAll(async () => {
    seller = await startSeller();
  });
  afterAll(async () => {
    await seller.close();
  });

  it('exits 0, prints the table, no progress lines off a terminal, and writes JUnit XML and JSON', { timeout: 120_000 }, async () => {
    const junit = join(dir, 'conformance.xml');
    const json = join(dir, 'conformance.json');
    const { code, out, err } = await kgkit([...everyFamily(seller), '--junit', junit, '--json', json]);
    const total = applicableCases({ endpoints: seller.endpoints }).length;
    expect(code, out).toBe(0);
    expect(out).toMatch(/^RESULT {2}CASE +WARN {2}N\/O +TIME {2}SLOWEST\n/);
    expect(out).toContain(`${total} cases: ${total} passed, 0 failed, 0 skipped`);
    expect(out).toMatch(/^PASS {4}saas-v2\.yearly\.debug +\d+ ms {2}\d+ ms$/m);
    // The old `--json <file>` still writes the file, with a note naming --json-file.
    expect(err).toBe('kgkit conformance: note: --json <file> is now --json-file <file> (--json alone prints the report); the old form still works for now\n');

    const report = JSON.parse(readFileSync(json, 'utf8')) as ConformanceReport;
    expect(report.summary).toMatchObject({ passed: total, failed: 0, skipped: 0 });
    expect(report.results[0]).toMatchObject({
      id: 'saas-v2.yearly.debug',
      status: 'pass',
      steps: expect.any(Array),
      calls: expect.any(Array),
      warnings: [],
      unobservable: [],
    });

    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(
      new RegExp(`^<\\?xml version="1.0" encoding="UTF-8"\\?>\\n<testsuites name="kgkit conformance" tests="${total}" failures="0" skipped="0"`),
    );
    expect(xml.match(/<testsuite /g)).toHaveLength(7);
    expect(xml.match(/<testcase /g)).toHaveLength(total);
  });

  it('says which families it skips, and rewrites one progress line on a terminal', async () => {
    const { code, err } = await kgkit(['--url', seller.endpoints['saas-v2'].url, '--key', KEYS.basic, '--case', 'saas-v2.security'], true);
    expect(code).toBe(0);
    expect(err).toContain('kgkit conformance: kit-v2 skipped (no --kit-key)');
    expect(err).toContain('kgkit conformance: saas-v1 skipped (no --saas-v1-url)');
    expect(err).toContain('\r\u001b[2K[1/8] 1 passed');
    expect(err.endsWith('\r\u001b[2K')).toBe(true);
  });

  it('--json prints the whole report as one JSON document instead of the table', async () => {
    const { code, out } = await kgkit(['--url', seller.endpoints['saas-v2'].url, '--key', KEYS.basic, '--case', 'saas-v2.security', '--json']);
    expect(code).toBe(0);
    expect((JSON.parse(out) as ConformanceReport).summary).toMatchObject({ passed: 8, failed: 0 });
  });
});

describe('kgkit conformance against a broken seller', () => {
  let seller: RunningSeller;
  beforeAll(async () => {
    seller = await startSeller(BROKEN_SELLERS['replayed-nonce']);
  });
  afterAll(async () => {
    await seller.close();
  });

  // Accepting a replay breaks kgkit's rule (docs/decisions.md#4), not Huawei's: a warning by default, a failure with --strict.
  it('default profile: exits 0, and shows the warning in the table and in the JUnit output', async () => {
    const junit = join(dir, 'warned.xml');
    const { code, out } = await kgkit([...everyFamily(seller), '--case', 'security.replayed', '--junit', junit]);
    expect(code).toBe(0);
    expect(out).toMatch(/^PASS {4}saas-v2\.security\.replayed-nonce +1 +\d+ ms {2}\d+ ms\n {8}! replayed nonce [0-9A-F]{16}… was accepted \(000000/m);
    expect(out).toContain('9 cases: 9 passed, 0 failed, 0 skipped');
    expect(out).toContain('9 warnings');
    expect(readFileSync(junit, 'utf8')).toMatch(
      /<system-out>warning: replayed nonce [0-9A-F]{16}… was accepted \(000000 \(&quot;success&quot;\)\) — kgkit: a replayed nonce \(V1: authToken\) is refused with 000001 \(docs\/decisions\.md#4\)<\/system-out>/,
    );
  });

  it('--strict: exits 1 and names the fault in the table, the JUnit failure and the JSON', async () => {
    const junit = join(dir, 'broken.xml');
    const json = join(dir, 'broken.json');
    const { code, out } = await kgkit([...everyFamily(seller), '--case', 'security.replayed', '--strict', '--junit', junit, '--json-file', json]);
    expect(code).toBe(1);
    expect(out).toMatch(/^FAIL {4}saas-v2\.security\.replayed-nonce +\d+ ms {2}\d+ ms\n {8}- replayed nonce [0-9A-F]{16}… was accepted \(000000/m);
    expect(out).toContain('9 cases: 0 passed, 9 failed, 0 skipped');
    expect(readFileSync(junit, 'utf8')).toMatch(
      /<failure message="replayed nonce [0-9A-F]{16}… was accepted \(000000 \(&quot;success&quot;\)\) — kgkit: a replayed nonce/,
    );
    expect((JSON.parse(readFileSync(json, 'utf8')) as ConformanceReport).summary).toMatchObject({ passed: 0, failed: 9, warnings: 0 });
  });
});
