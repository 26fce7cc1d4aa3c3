/**
 * `kgkit conformance`: runs the seller console's debug cases, and more, against any seller server over HTTP only.
 *   kgkit conformance --url https://seller.example.com/saas --key <key>      SaaS V2.0
 *     [--kit-key k] [--kit-public-key seller-rsa.pub.pem]                   + Kit V2 at the same URL (V1: --family kit-v1)
 *     [--saas-v1-url u]                                                     + SaaS V1.0 (basic key)
 *     [--license-code-url u --license-code-key k] [--online-license-url u]
 *     [--order-notify-url u --order-notify-key k]
 *     [--family saas-v2,kit-v2] [--case <text>] [--timeout 5000] [--junit file] [--json file]
 *     [--strict] [--no-upgrade] [--verbose]
 * Exit code 0 when every case passed or was skipped, 1 on any failure, 2 on bad arguments. By default only Huawei's
 * rules fail a case and kgkit's own stricter ones are warnings; --strict makes them fail too (docs/decisions.md#16).
 */
import { createPublicKey } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { catalogue } from '../conformance/catalogue/index.js';
import type { SellerEndpoint } from '../conformance/driver.js';
import { SELLER_FAMILIES, type SellerFamily, isSellerFamily } from '../conformance/families.js';
import { jsonReport, junitXml, progressLine, summaryTable } from '../conformance/report.js';
import { type RunOptions, runConformance } from '../conformance/runner.js';

export interface ConformanceCommandIo {
  out?: (text: string) => void;
  err?: (text: string) => void;
  /** Whether stderr is a terminal: the progress line is then rewritten in place. */
  isTTY?: boolean;
  /** Options for the runner the command line does not expose (tests). */
  run?: Partial<RunOptions>;
}

const HELP = `usage: kgkit conformance --url <SaaS production URL> --key <key> [options]
  --url u                  SaaS V2.0 production URL; the Kit families use it too (…/produceAPI[/v2]/<operation>)
  --key k                  the key bound to the basic interfaces (SaaS V2.0, V1.0, online License)
  --kit-key k              the key bound to the Kit interfaces: tests Kit V2 (Kit V1 only with --family kit-v1)
  --kit-public-key file    PEM of the seller's RSA public key, to send applicationSync clientSecrets
  --saas-v1-url u          SaaS V1.0 production URL
  --license-code-url u     License code 2.0 URL, with --license-code-key k (default --key)
  --online-license-url u   online-open License URL
  --order-notify-url u     order notification URL, with --order-notify-key k (default --key)
  --family f,…             only these families (${SELLER_FAMILIES.join(', ')})
  --case text              only the cases whose id contains text
  --timeout ms             how long to wait for each answer (default 5000, the marketplace's)
  --strict                 kgkit's own rules fail too (by default they are warnings; docs/decisions.md#16)
  --no-upgrade             the product never changes specification: no upgradeInstance, no changeInstanceCheck
  --verbose                print every reason, warning and unobservable check under each case
  --junit file             write JUnit XML;  --json file  write the whole report as JSON
`;

const OPTIONS = {
  url: { type: 'string' },
  key: { type: 'string' },
  'kit-key': { type: 'string' },
  'kit-public-key': { type: 'string' },
  'saas-v1-url': { type: 'string' },
  'license-code-url': { type: 'string' },
  'license-code-key': { type: 'string' },
  'online-license-url': { type: 'string' },
  'order-notify-url': { type: 'string' },
  'order-notify-key': { type: 'string' },
  family: { type: 'string' },
  case: { type: 'string' },
  timeout: { type: 'string' },
  junit: { type: 'string' },
  json: { type: 'string' },
  strict: { type: 'boolean', default: false },
  'no-upgrade': { type: 'boolean', default: false },
  verbose: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const;

type Values = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

/** What the arguments ask for, or every problem with them. */
function readArguments(argv: string[]): { problems: string[]; help?: boolean; plan?: Plan } {
  let values: Values;
  try {
    const parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: false, strict: true });
    values = parsed.values as Values;
  } catch (error) {
    return { problems: [(error as Error).message] };
  }
  if (values.help) return { problems: [], help: true };
  const problems: string[] = [];
  const key = values.key;
  if (!key) problems.push('--key is required');

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
  for (const flag of ['junit', 'json'] as const) {
    const file = values[flag];
    if (file !== undefined && !(existsSync(dirname(file)) && statSync(dirname(file)).isDirectory()))
      problems.push(`--${flag}: the folder of ${file} does not exist`);
  }
  if (values.case !== undefined && !catalogue().some((c) => endpoints[c.family] && c.id.includes(values.case!))) {
    problems.push(`--case: no case of the families tested has "${values.case}" in its id`);
  }
  if (problems.length > 0) return { problems };
  return {
    problems,
    plan: {
      endpoints,
      skipped,
      timeoutMs,
      strict: values.strict === true,
      noUpgrade: values['no-upgrade'] === true,
      verbose: values.verbose === true,
      ...(kitPublicKeyPem ? { kitPublicKeyPem } : {}),
      ...(values.case ? { caseFilter: values.case } : {}),
      ...(values.junit ? { junit: values.junit } : {}),
      ...(values.json ? { json: values.json } : {}),
    },
  };
}

interface Plan {
  endpoints: Partial<Record<SellerFamily, SellerEndpoint>>;
  skipped: Partial<Record<SellerFamily, string>>;
  timeoutMs: number;
  strict: boolean;
  noUpgrade: boolean;
  verbose: boolean;
  kitPublicKeyPem?: string;
  caseFilter?: string;
  junit?: string;
  json?: string;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

export async function conformanceCommand(argv: string[], io: ConformanceCommandIo = {}): Promise<number> {
  const out = io.out ?? ((text: string) => process.stdout.write(text));
  const err = io.err ?? ((text: string) => process.stderr.write(text));
  const tty = io.isTTY ?? process.stderr.isTTY === true;
  const { problems, help, plan } = readArguments(argv);
  if (help) return (out(HELP), 0);
  if (!plan) {
    err(`${problems.map((problem) => `kgkit conformance: ${problem}`).join('\n')}\n${HELP}`);
    return 2;
  }

  for (const [family, why] of Object.entries(plan.skipped)) err(`kgkit conformance: ${family} skipped (${why})\n`);
  let live = false;
  const report = await runConformance({
    endpoints: plan.endpoints,
    skippedFamilies: plan.skipped,
    timeoutMs: plan.timeoutMs,
    profile: plan.strict ? 'strict' : 'default',
    ...(plan.noUpgrade ? { noUpgrade: true } : {}),
    ...(plan.kitPublicKeyPem ? { kitPublicKeyPem: plan.kitPublicKeyPem } : {}),
    ...(plan.caseFilter ? { only: (c) => c.id.includes(plan.caseFilter!) } : {}),
    onProgress: (event) => {
      if (event.type !== 'end') return;
      if (tty) {
        err(`\r\u001b[2K${progressLine(event, Math.max(40, (process.stderr.columns ?? 100) - 1))}`);
        live = true;
      } else err(`${progressLine(event, 200)}\n`);
    },
    ...io.run,
  });
  if (live) err('\r\u001b[2K');

  out(summaryTable(report, { verbose: plan.verbose }));
  try {
    if (plan.junit) writeFileSync(plan.junit, junitXml(report));
    if (plan.json) writeFileSync(plan.json, jsonReport(report));
  } catch (error) {
    err(`kgkit conformance: cannot write the report: ${(error as Error).message}\n`);
    return 1;
  }
  return report.summary.failed > 0 ? 1 : 0;
}
