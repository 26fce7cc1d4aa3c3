/**
 * `kgkit conformance`: runs the seller console's debug cases, and more, against any seller server over HTTP only.
 * By default only Huawei's rules fail a case and kgkit's own stricter ones are warnings; --strict makes them fail too
 * (docs/decisions.md#16).
 */
import { createPublicKey } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ConformanceCase } from '../conformance/case.js';
import type { SellerEndpoint } from '../conformance/driver.js';
import { SELLER_FAMILIES, type SellerFamily, isSellerFamily } from '../conformance/families.js';
import type { RunOptions } from '../conformance/runner.js';
import { CommandError, type CommandIo, type CommandSpec, EXIT, type Values, runCommand } from './command.js';
import { ProgressLine } from './progress.js';

export interface ConformanceCommandIo extends CommandIo {
  /** Options for the runner the command line does not expose (tests). */
  run?: Partial<RunOptions>;
}

export const CONFORMANCE = {
  name: 'conformance',
  summary: "run the seller console's debug cases, and more, against a seller server in any language, over HTTP",
  synopsis: '--url <SaaS production URL> --key <key> [options]',
  about: [
    'Each family is tested when its URL is given (the Kit families at --url). Every case and every answer is checked',
    "against Huawei's rules (a failure) and kgkit's stricter ones (a warning; a failure with --strict). A table of the",
    'cases follows; on a terminal a progress line shows the case running.',
  ],
  options: {
    url: { type: 'string', value: '<url>', help: 'SaaS V2.0 production URL; the Kit families use it too (…/produceAPI[/v2]/<operation>)' },
    key: { type: 'string', value: '<key>', help: 'the key bound to the basic interfaces (SaaS V2.0, V1.0, online License)' },
    'kit-key': { type: 'string', value: '<key>', help: 'the key bound to the Kit interfaces: tests Kit V2 (Kit V1 only with --family kit-v1)' },
    'kit-public-key': { type: 'string', value: '<file>', help: "PEM of the seller's RSA public key, to send applicationSync clientSecrets" },
    'saas-v1-url': { type: 'string', value: '<url>', help: 'SaaS V1.0 production URL' },
    'license-code-url': { type: 'string', value: '<url>', help: 'License code 2.0 URL' },
    'license-code-key': { type: 'string', value: '<key>', help: 'its key (default --key)' },
    'online-license-url': { type: 'string', value: '<url>', help: 'online-open License URL' },
    'order-notify-url': { type: 'string', value: '<url>', help: 'order notification URL' },
    'order-notify-key': { type: 'string', value: '<key>', help: 'its key (default --key)' },
    family: { type: 'string', value: '<f,…>', help: `only these families (${SELLER_FAMILIES.join(', ')})` },
    case: { type: 'string', value: '<text>', help: 'only the cases whose id contains text' },
    timeout: { type: 'string', value: '<ms>', help: "how long to wait for each answer (default 5000, the marketplace's)" },
    strict: { type: 'boolean', help: "kgkit's own rules fail too (by default they are warnings; docs/decisions.md#16)" },
    'no-upgrade': { type: 'boolean', help: 'the product never changes specification: no upgradeInstance, no changeInstanceCheck' },
    verbose: { type: 'boolean', help: 'print every reason, warning and unobservable check under each case' },
    json: { type: 'boolean', help: 'print the whole report as one JSON document instead of the table' },
    'json-file': { type: 'string', value: '<file>', help: 'also write the whole report as JSON to file (was --json <file>)' },
    junit: { type: 'string', value: '<file>', help: 'also write JUnit XML to file' },
  },
  examples: [
    'kgkit conformance --url http://127.0.0.1:8080/saas --key change-me-to-your-key',
    'kgkit conformance --url https://seller.example.com/saas --key … --kit-key … --family saas-v2,kit-v2 --strict',
    'kgkit conformance --url … --key … --case idempotency --verbose',
    'kgkit conformance --url … --key … --junit conformance.xml --json-file conformance.json',
  ],
  failure: 'a case failed',
} as const satisfies CommandSpec;

type Options = (typeof CONFORMANCE)['options'];

/**
 * `--json <file>` was the name of the JSON report file before --json meant JSON on stdout in every command: a value
 * after it (this command takes no positional argument) is that old form, read as --json-file with a note.
 */
function oldJsonFile(argv: string[]): { argv: string[]; note?: string } {
  const at = argv.findIndex((arg, i) => (arg === '--json' && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('-')) || arg.startsWith('--json='));
  if (at === -1) return { argv };
  const file = argv[at]!.startsWith('--json=') ? argv[at]!.slice('--json='.length) : argv[at + 1]!;
  const rest = [...argv.slice(0, at), '--json-file', file, ...argv.slice(at + (argv[at] === '--json' ? 2 : 1))];
  return { argv: rest, note: `note: --json <file> is now --json-file <file> (--json alone prints the report); the old form still works for now` };
}

/** What the arguments ask for, or every problem with them (one line each). */
function readArguments(values: Values<Options>, cases: readonly ConformanceCase[]): Plan {
  const problems: string[] = [];
  const key = values.key;
  if (!key) problems.push('--key is required (the key bound to the basic interfaces): see kgkit conformance --help');

  const wanted = values.family
    ?.split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  for (const name of wanted ?? []) if (!isSellerFamily(name)) problems.push(`--family: unknown family "${name}" (known: ${SELLER_FAMILIES.join(', ')})`);
  const named = (family: SellerFamily) => wanted?.includes(family) ?? false;

  // Where each family is and why a family is not tested.
  const urls: Record<SellerFamily, [string | undefined, string]> = {
    'saas-v2': [values.url, '--url'],
    'kit-v2': [values.url, '--url'],
    'kit-v1': [values.url, '--url'],
    'saas-v1': [values['saas-v1-url'], '--saas-v1-url'],
    'license-code': [values['license-code-url'], '--license-code-url'],
    'online-license': [values['online-license-url'], '--online-license-url'],
    'order-notify': [values['order-notify-url'], '--order-notify-url'],
  };
  const keys: Record<SellerFamily, string | undefined> = {
    'saas-v2': key,
    'saas-v1': key,
    'online-license': key,
    'kit-v2': values['kit-key'] ?? key,
    'kit-v1': values['kit-key'] ?? key,
    'license-code': values['license-code-key'] ?? key,
    'order-notify': values['order-notify-key'] ?? key,
  };
  for (const [family, [url, flag]] of Object.entries(urls) as [SellerFamily, [string | undefined, string]][]) {
    if (url !== undefined && !isHttpUrl(url)) problems.push(`${flag} must be an http:// or https:// URL, got "${url}"`);
    if (url === undefined && named(family)) problems.push(`--family ${family} needs ${flag}`);
  }

  const endpoints: Partial<Record<SellerFamily, SellerEndpoint>> = {};
  const skipped: Partial<Record<SellerFamily, string>> = {};
  for (const family of SELLER_FAMILIES) {
    const [url, flag] = urls[family];
    if (wanted && !named(family)) skipped[family] = 'not in --family';
    else if (url === undefined) skipped[family] = `no ${flag}`;
    // A seller without joint-operation products serves no Kit: tested only when asked for. Kit V1 belongs to the
    // V1.0 guide (a V2.0 seller serves only /produceAPI/v2/…): tested only when named.
    else if (family === 'kit-v1' && !named(family)) skipped[family] = 'Kit V1 (the V1.0 guide) is tested only with --family kit-v1';
    else if (family === 'kit-v2' && !values['kit-key'] && !named(family)) skipped[family] = 'no --kit-key';
    else if (keys[family]) endpoints[family] = { url, key: keys[family]! };
  }
  if (key && problems.length === 0 && Object.keys(endpoints).length === 0) problems.push('nothing to test: give --url or another family URL');

  const timeoutMs = values.timeout === undefined ? 5_000 : Number(values.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 60_000) problems.push('--timeout must be an integer from 100 to 60000 (ms)');

  let kitPublicKeyPem: string | undefined;
  if (values['kit-public-key'] !== undefined) {
    try {
      kitPublicKeyPem = readFileSync(values['kit-public-key'], 'utf8');
      const publicKey = createPublicKey(kitPublicKeyPem);
      if (publicKey.asymmetricKeyType !== 'rsa') problems.push(`--kit-public-key: ${values['kit-public-key']} is not an RSA public key`);
    } catch (error) {
      problems.push(`--kit-public-key: cannot read an RSA public key from ${values['kit-public-key']}: ${(error as Error).message}`);
    }
  }
  for (const flag of ['junit', 'json-file'] as const) {
    const file = values[flag];
    if (file !== undefined && !(existsSync(dirname(file)) && statSync(dirname(file)).isDirectory()))
      problems.push(`--${flag}: the folder of ${file} does not exist`);
  }
  if (values.case !== undefined && !cases.some((c) => endpoints[c.family] && c.id.includes(values.case!))) {
    problems.push(`--case: no case of the families tested has "${values.case}" in its id`);
  }
  // The Kit families share --url: its problem is said once.
  if (problems.length > 0) throw new CommandError([...new Set(problems)].join('\n'));
  return {
    endpoints,
    skipped,
    timeoutMs,
    strict: values.strict === true,
    noUpgrade: values['no-upgrade'] === true,
    verbose: values.verbose === true,
    json: values.json === true,
    ...(kitPublicKeyPem ? { kitPublicKeyPem } : {}),
    ...(values.case ? { caseFilter: values.case } : {}),
    ...(values.junit ? { junit: values.junit } : {}),
    ...(values['json-file'] ? { jsonFile: values['json-file'] } : {}),
  };
}

interface Plan {
  endpoints: Partial<Record<SellerFamily, SellerEndpoint>>;
  skipped: Partial<Record<SellerFamily, string>>;
  timeoutMs: number;
  strict: boolean;
  noUpgrade: boolean;
  verbose: boolean;
  json: boolean;
  kitPublicKeyPem?: string;
  caseFilter?: string;
  junit?: string;
  jsonFile?: string;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

export function conformanceCommand(argv: string[], io: ConformanceCommandIo = {}): Promise<number> {
  const old = oldJsonFile(argv);
  return runCommand(CONFORMANCE, old.argv, io, async (values, { out, err, isTTY }) => {
    if (old.note) err(`kgkit conformance: ${old.note}\n`);
    // The runner and its catalogue load only now: --help and a bad option answer without them.
    const [{ catalogue }, { jsonReport, junitXml, progressLine, summaryTable }, { runConformance }] = await Promise.all([
      import('../conformance/catalogue/index.js'),
      import('../conformance/report.js'),
      import('../conformance/runner.js'),
    ]);
    const plan = readArguments(values, catalogue());
    for (const [family, why] of Object.entries(plan.skipped)) err(`kgkit conformance: ${family} skipped (${why})\n`);
    const progress = new ProgressLine(err, isTTY);
    const report = await runConformance({
      endpoints: plan.endpoints,
      skippedFamilies: plan.skipped,
      timeoutMs: plan.timeoutMs,
      profile: plan.strict ? 'strict' : 'default',
      ...(plan.noUpgrade ? { noUpgrade: true } : {}),
      ...(plan.kitPublicKeyPem ? { kitPublicKeyPem: plan.kitPublicKeyPem } : {}),
      ...(plan.caseFilter ? { only: (c) => c.id.includes(plan.caseFilter!) } : {}),
      onProgress: (event) => {
        if (event.type === 'end') progress.show((width) => progressLine(event, width));
      },
      ...io.run,
    });
    progress.clear();

    out(plan.json ? jsonReport(report) : summaryTable(report, { verbose: plan.verbose }));
    try {
      if (plan.junit) writeFileSync(plan.junit, junitXml(report));
      if (plan.jsonFile) writeFileSync(plan.jsonFile, jsonReport(report));
    } catch (error) {
      throw new CommandError(`cannot write the report: ${(error as Error).message}`, EXIT.failure);
    }
    return report.summary.failed > 0 ? EXIT.failure : EXIT.ok;
  });
}
