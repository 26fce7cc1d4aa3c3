/**
 * The CI conformance gate: kgkit's server as a real process (temporary SQLite, every family's key set,
 * STRICT_REQUESTS=true), Prism in proxy mode in front of each family as an independent validator, and the whole
 * conformance catalogue run through the proxies with --strict: kgkit's own server is held to kgkit's level. Prism
 * reads each family's per-activity view at kgkit's level (scripts/activity-view.ts, x-kgkit-strict merged in), so it
 * judges each call against its own activity's request and answer. Fails (exit 1) on any failed case, and on any
 * violation or warning Prism reports, in its `sl-violations` answer header or in its output.
 *
 * Prism 5.14 `proxy --errors` answers a request that breaks the contract itself (422, or 400 for a body that is not
 * JSON) without forwarding it. So each call goes where Prism can judge it: requests the contract allows (stale or
 * wrongly signed ones included) through `--errors`; the catalogue's deliberately invalid requests through a second
 * proxy without `--errors`, which forwards them and still validates the answers (its request violations are
 * expected, and must be there); bodies that are not JSON straight to the server.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer as createHttpServer, request as httpRequest } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Finding } from '../src/conformance/answer-check.js';
import type { RequestShape } from '../src/conformance/case.js';
import type { SellerAnswer, SellerEndpoint } from '../src/conformance/driver.js';
import type { Rule } from '../src/conformance/rules.js';
import { atLevel } from '../src/runtime/levels.js';
import { type ActivityRoutes, activityRoutes, activityView } from './activity-view.js';
import { SELLER_FAMILIES, type SellerFamily } from '../src/conformance/families.js';
import { runConformance } from '../src/conformance/runner.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'node_modules/.bin');
const KEYS = {
  basic: 'gate-basic-key-0123456789',
  kit: 'gate-kit-key-0123456789',
  licenseCode: 'gate-license-code-key-0123',
  orderNotify: 'gate-order-notify-key-0123',
};
const KIT_PRIVATE_KEY = join(ROOT, 'test/fixtures/crypto/kit-rsa-3072.pem');
const KIT_PUBLIC_KEY = join(ROOT, 'test/fixtures/crypto/kit-rsa-3072.pub.pem');
const START_TIMEOUT_MS = 60_000;

/** Each family's path on kgkit's server (its defaults, the contracts' paths) and the key bound to it. */
const FAMILY_AT: Record<SellerFamily, { path: string; key: string }> = {
  'saas-v2': { path: '/saas', key: KEYS.basic },
  'saas-v1': { path: '/saas-v1', key: KEYS.basic },
  'kit-v2': { path: '/saas', key: KEYS.kit },
  'kit-v1': { path: '/saas', key: KEYS.kit },
  'license-code': { path: '/license-code', key: KEYS.licenseCode },
  'online-license': { path: '/license', key: KEYS.basic },
  'order-notify': { path: '/order-notify', key: KEYS.orderNotify },
};

interface Process {
  name: string;
  child: ChildProcess;
  output: () => string;
}

const started: Process[] = [];

function start(name: string, command: string, args: string[], env: Record<string, string> = {}): Process {
  let output = '';
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const running = { name, child, output: () => output };
  started.push(running);
  return running;
}

async function until(what: string, running: Process, ready: (output: string) => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await ready(running.output()))) {
    if (running.child.exitCode !== null) throw new Error(`${what} stopped (exit ${running.child.exitCode}):\n${running.output().slice(-2_000)}`);
    if (Date.now() > deadline) throw new Error(`${what} did not start within ${START_TIMEOUT_MS / 1000} s:\n${running.output().slice(-2_000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const bundled = (family: SellerFamily): object => JSON.parse(readFileSync(join(ROOT, 'generated', family, 'openapi.json'), 'utf8')) as object;

const hops: Server[] = [];

/** A loopback HTTP hop to `targetPort` that rewrites each request's path (the query is kept) and passes the rest on. */
async function rewritingHop(targetPort: number, rewrite: (method: string | undefined, url: URL, body: Buffer) => string): Promise<{ port: number }> {
  const hop = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://hop');
      const onward = httpRequest(
        { host: '127.0.0.1', port: targetPort, method: req.method, path: `${rewrite(req.method, url, body)}${url.search}`, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      onward.on('error', (error) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`gate hop: ${error.message}\n`);
      });
      onward.end(body);
    });
  });
  hops.push(hop);
  await new Promise<void>((resolve) => hop.listen(0, '127.0.0.1', resolve));
  return { port: (hop.address() as AddressInfo).port };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function stopAll(): Promise<void> {
  const open = hops.splice(0);
  for (const hop of open) hop.closeAllConnections();
  await Promise.all(open.map((hop) => new Promise((resolve) => hop.close(resolve))));
  await Promise.all(
    started.map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
          child.once('exit', () => (clearTimeout(force), resolve()));
          child.kill('SIGTERM');
        }),
    ),
  );
}

interface Violation {
  location?: string[];
  severity?: string;
  message?: string;
}

function violationsOf(answer: SellerAnswer): Violation[] {
  const header = answer.headers['sl-violations'];
  if (!header) return [];
  try {
    return JSON.parse(header) as Violation[];
  } catch {
    return [{ severity: 'Error', message: `unreadable sl-violations header: ${header.slice(0, 200)}` }];
  }
}

const describeViolation = (v: Violation) => `Prism ${v.severity ?? 'violation'} at ${(v.location ?? []).join('.')}: ${v.message ?? ''}`;

/** What the gate holds kgkit's server to beyond the runner's own checks: an independent validator finds nothing. */
const PRISM: Rule = { level: 'huawei', says: 'Prism, validating each call against the contract, reports no violation', source: 'scripts/conformance-gate.ts' };

/**
 * What Prism says about one answer: every violation it reports, except the request violations a deliberately invalid
 * request is expected to have. `unseen` counts invalid requests Prism did not flag (what it cannot check).
 */
function prismProblems(request: RequestShape, answer: SellerAnswer, unseen: () => void): string[] {
  if (request === 'unparseable') return [];
  const violations = violationsOf(answer);
  if (answer.headers['content-type']?.includes('application/problem+json')) {
    const problem = answer.json as { title?: string; validation?: Violation[] } | undefined;
    return [
      `Prism answered ${answer.status} instead of the seller: ${problem?.title ?? answer.text.slice(0, 120)}`,
      ...(problem?.validation ?? []).slice(0, 5).map(describeViolation),
    ];
  }
  if (request === 'conforming') return violations.map(describeViolation);
  const ofResponse = violations.filter((v) => v.location?.[0] !== 'request');
  if (violations.length === ofResponse.length) unseen();
  return ofResponse.map(describeViolation);
}

/** Lines of Prism's output reporting an error or a warning; a plain proxy's request violations are expected. */
function loggedViolations(proxy: Process, strict: boolean): string[] {
  const lines = proxy
    .output()
    .split('\n')
    .filter((line) => /(✖|⚠)\s+(error|warning|fatal)\b/.test(line));
  return (strict ? lines : lines.filter((line) => !/Violation: request\b/.test(line))).map((line) => `${proxy.name}: ${line.replace(/^.*?›\s*/, '').trim()}`);
}

async function main(): Promise<number> {
  const began = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'kgkit-gate-'));
  try {
    const port = await freePort();
    const server = start('kgkit', join(BIN, 'tsx'), ['src/index.ts'], {
      KOOGALLERY_ACCESS_KEY: KEYS.basic,
      KOOGALLERY_KIT_ACCESS_KEY: KEYS.kit,
      KOOGALLERY_LICENSE_CODE_ACCESS_KEY: KEYS.licenseCode,
      KOOGALLERY_ORDER_NOTIFY_ACCESS_KEY: KEYS.orderNotify,
      KGKIT_DATA_KEY: 'gate-data-key-0123456789-0123456789',
      KIT_RSA_PRIVATE_KEY_FILE: KIT_PRIVATE_KEY,
      DATABASE_URL: `file:${join(dir, 'kgkit.sqlite')}`,
      PORT: String(port),
      HOST: '127.0.0.1',
      USAGE_PUSH: 'false',
      STRICT_REQUESTS: 'true',
      LOG_LEVEL: 'warn',
    });
    const upstream = `http://127.0.0.1:${port}`;

    // Prism judges each call against its activity alone, at kgkit's level (the per-activity view of the contract with
    // x-kgkit-strict merged in): a front hop sends a call to `<path>/<activity>` of the view, a back hop returns it to
    // the real path before kgkit's server.
    const routes = Object.fromEntries(SELLER_FAMILIES.map((family) => [family, activityRoutes(bundled(family))])) as Record<SellerFamily, ActivityRoutes>;
    const back = await rewritingHop(port, (method, url) => SELLER_FAMILIES.reduce((path, family) => routes[family].fromView(method, path), url.pathname));
    const proxies = {} as Record<SellerFamily, { strict: Process; plain: Process; strictPort: number; plainPort: number }>;
    for (const family of SELLER_FAMILIES) {
      const view = join(dir, `${family}.view.json`);
      writeFileSync(view, JSON.stringify(activityView(atLevel(bundled(family), 'kgkit'))));
      const front = async (prismPort: number) =>
        (await rewritingHop(prismPort, (method, url, body) => routes[family].toView(method, url, body) ?? url.pathname)).port;
      const [prismStrict, prismPlain] = [await freePort(), await freePort()];
      const args = (p: number) => ['proxy', view, `http://127.0.0.1:${back.port}`, '--host', '127.0.0.1', '--port', String(p)];
      proxies[family] = {
        strict: start(`prism --errors (${family})`, join(BIN, 'prism'), [...args(prismStrict), '--errors']),
        plain: start(`prism (${family})`, join(BIN, 'prism'), args(prismPlain)),
        strictPort: await front(prismStrict),
        plainPort: await front(prismPlain),
      };
    }
    await until('kgkit', server, async () => (await fetch(`${upstream}/healthz`).catch(() => undefined))?.ok === true);
    await Promise.all(
      Object.values(proxies).flatMap(({ strict, plain }) => [strict, plain].map((p) => until(p.name, p, (output) => output.includes('Prism is listening')))),
    );
    const ready = Date.now();

    const at = (family: SellerFamily, portOf: number): SellerEndpoint => ({
      url: `http://127.0.0.1:${portOf}${FAMILY_AT[family].path}`,
      key: FAMILY_AT[family].key,
    });
    const routed: Record<RequestShape, number> = { conforming: 0, violating: 0, unparseable: 0 };
    const unseen: Partial<Record<SellerFamily, number>> = {};
    const report = await runConformance({
      endpoints: Object.fromEntries(SELLER_FAMILIES.map((family) => [family, at(family, proxies[family].strictPort)])),
      route: (family, request) => {
        routed[request] += 1;
        if (request === 'conforming') return at(family, proxies[family].strictPort);
        if (request === 'violating') return at(family, proxies[family].plainPort);
        return at(family, port);
      },
      inspect: (family, _call, request, answer): Finding[] =>
        prismProblems(request, answer, () => (unseen[family] = (unseen[family] ?? 0) + 1)).map((detail) => ({ rule: PRISM, detail })),
      profile: 'strict',
      kitPublicKeyPem: readFileSync(KIT_PUBLIC_KEY, 'utf8'),
    });

    const logged = Object.values(proxies).flatMap(({ strict, plain }) => [...loggedViolations(strict, true), ...loggedViolations(plain, false)]);
    const failed = report.results.filter((r) => r.status === 'fail');
    const { passed, skipped, calls, slowestMs } = report.summary;
    const lines = [
      `conformance gate: ${report.results.length} cases through Prism 5.14 proxies: ${passed} passed, ${failed.length} failed, ${skipped} skipped`,
      `  ${calls} calls: ${routed.conforming} via prism --errors, ${routed.violating} deliberately invalid via prism without --errors, ${routed.unparseable} non-JSON straight to the server`,
      `  slowest answer ${slowestMs} ms; start-up ${((ready - began) / 1000).toFixed(1)} s, catalogue ${(report.durationMs / 1000).toFixed(1)} s, total ${((Date.now() - began) / 1000).toFixed(1)} s`,
      `  Prism output: ${logged.length} violation or warning line(s)`,
      `  invalid requests Prism did not flag (it cannot check them): ${
        Object.entries(unseen)
          .map(([family, n]) => `${family} ${n}`)
          .join(', ') || 'none'
      }`,
    ];
    for (const result of failed.slice(0, 20)) lines.push(`  FAIL ${result.id}`, ...result.reasons.slice(0, 5).map((reason) => `       - ${reason}`));
    if (failed.length > 20) lines.push(`  … and ${failed.length - 20} more failed cases`);
    for (const line of logged.slice(0, 20)) lines.push(`  ${line}`);
    process.stdout.write(`${lines.join('\n')}\n`);
    return failed.length > 0 || logged.length > 0 || report.results.length === 0 ? 1 : 0;
  } finally {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stopAll().then(() => process.exit(130)));
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`conformance gate: ${(error as Error).message}\n`);
    void stopAll().then(() => process.exit(1));
  },
);
