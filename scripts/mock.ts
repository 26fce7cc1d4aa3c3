/**
 * `make mock`: every contract (or those of FAMILY) as a mock server for partner teams, each family on its own port,
 * consecutive from MOCK_PORT in README order (scripts/mock-plan.ts); a table says what runs where once they answer.
 *   tsx scripts/mock.ts [--family <name>[,<name>…]]… [--port <first port>]
 *
 * A production interface is one operation for every `activity`, told apart by a discriminator that Prism cannot read:
 * against the contract itself it would report the violations of every activity and answer the first example. So Prism
 * serves the per-activity view of the contract (scripts/activity-view.ts), and a small proxy in front of it sends a
 * call for activity X (JSON body, or the query of a GET interface) to `<path>/X`, where Prism validates X's request
 * and answers X's example first; a call without a known activity goes to the operation as the contract has it. Each
 * `newInstance` answer gets a fresh `instanceId`, as a seller's would.
 *
 * Prism answers an operation's first response example unless the client sends `Prefer: example=<name>`; the
 * marketplace's order query names its examples after the mock order IDs, so the proxy adds that header from the
 * query's `orderId`. The proxy also checks what Prism cannot: the shape of the signature headers of an HTTP
 * authentication scheme it does not support (the marketplace's `SDK-HMAC-SHA256`), and the JSON parts of a multipart
 * body against their `contentSchema` (the License upload). Everything else passes through unchanged, Prism's request
 * validation included.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, type ServerResponse, createServer, request } from 'node:http';
import { type AddressInfo, connect, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { type ActivityRoutes, activityRoutes, activityView } from './activity-view.js';
import { ROOT, bundleContract } from './contract.js';
import { type MockPlanEntry, MockSettingError, mockPlan, mockTable } from './mock-plan.js';

const PRISM_START_TIMEOUT_MS = 60_000;
const MAX_HEADER = 8 * 1024 - 100;
/** The query parameter whose value names the response example to answer with (the marketplace's mock orders). */
const EXAMPLE_SELECTOR = 'orderId';
/** Activities that create something, and the answer property that names it: each answer gets a fresh one. */
const FRESH_IDS: Record<string, string> = { newInstance: 'instanceId' };

/**
 * HTTP authentication schemes Prism does not support (it lets the request through with a warning), checked here for
 * shape only, never for value: each required header and its pattern. SDK-HMAC-SHA256 is Huawei API Gateway's AK/SK
 * signing (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649242.html; the `apigAkSk` scheme of openapi/marketplace).
 */
const HTTP_SCHEME_HEADERS: Record<string, Record<string, RegExp>> = {
  'sdk-hmac-sha256': {
    authorization: /^SDK-HMAC-SHA256 Access=[^\s,]+, SignedHeaders=[a-z0-9-]+(;[a-z0-9-]+)*, Signature=[0-9a-f]{64}$/,
    'x-sdk-date': /^[0-9]{8}T[0-9]{6}Z$/,
  },
};
/** The failure example a contract answers a request with malformed scheme headers with, if it has one (else a problem). */
const AUTH_FAILURE_EXAMPLE = 'signatureRefused';

export interface MockOptions {
  /** The contract: a folder of openapi/. */
  family: string;
  /** Where clients connect. */
  port: number;
  /** Where Prism listens, on loopback only: a free port when not given. */
  prismPort?: number;
  /** Copy Prism's request log to stdout (the CLI does; tests don't). */
  verbose?: boolean;
  /** Called when Prism stops without `close()` having been called; the proxy is closed by then. */
  onPrismExit?: (code: number | null) => void;
}

export interface Mock {
  close(): Promise<void>;
}

export async function startMock({ family, port, prismPort: chosenPrismPort, verbose = false, onPrismExit }: MockOptions): Promise<Mock> {
  const document = (await bundleContract(family)) as Document;
  const contract = contractFacts(family, document);
  const prismPort = chosenPrismPort ?? (await freeLoopbackPort());
  // The proxy takes its port first: Prism needs seconds to start, time in which a free port can be taken.
  const proxy = createServer((req, res) => void forward(req, res, prismPort, contract));
  await new Promise<void>((resolve, reject) => proxy.once('error', reject).listen(port, resolve));

  const folder = mkdtempSync(join(tmpdir(), `kgkit-mock-${family}-`));
  const removeFolder = () => rmSync(folder, { recursive: true, force: true });
  writeFileSync(join(folder, 'openapi.json'), JSON.stringify(activityView(document)));
  const prism = spawn(join(ROOT, 'node_modules/.bin/prism'), ['mock', join(folder, 'openapi.json'), '--host', '127.0.0.1', '--port', String(prismPort)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const remember = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4_000);
    if (verbose) process.stdout.write(chunk);
  };
  prism.stdout!.on('data', remember);
  prism.stderr!.on('data', remember);
  const exited = new Promise<number | null>((resolve) => prism.once('exit', resolve));
  void exited.then(removeFolder);

  try {
    await waitUntilAnswering(prismPort, exited);
  } catch (error) {
    prism.kill();
    proxy.close();
    throw new Error(`${(error as Error).message}\n${output}`);
  }

  let closing = false;
  void exited.then((code) => {
    if (closing) return;
    proxy.close();
    onPrismExit?.(code);
  });

  return {
    async close() {
      closing = true;
      const proxyClosed = new Promise((resolve) => proxy.close(resolve));
      proxy.closeAllConnections();
      await Promise.all([proxyClosed, stop(prism, exited)]);
    },
  };
}

type Example = { value?: unknown; $ref?: string };
type Media = { schema?: Schema; examples?: Record<string, Example> };
type Schema = { $ref?: string; properties?: Record<string, Schema>; contentMediaType?: string; contentSchema?: object };
type Operation = {
  security?: Record<string, string[]>[];
  requestBody?: { content?: Record<string, Media> };
  responses?: Record<string, { content?: Record<string, Media> }>;
};
type Document = {
  paths?: Record<string, Record<string, Operation>>;
  security?: Record<string, string[]>[];
  components?: { securitySchemes?: Record<string, { type?: string; scheme?: string }>; examples?: Record<string, Example>; schemas?: Record<string, Schema> };
};
type Answer = { status: number; body: unknown };

/** An operation whose request the proxy checks beyond Prism: its signature headers, or the JSON parts of its multipart body. */
interface CheckedRoute {
  method: string;
  path: RegExp;
  /** Lower-case HTTP scheme names (keys of HTTP_SCHEME_HEADERS); one of them must be satisfied. */
  schemes: string[];
  /** Multipart parts that carry JSON text (`contentMediaType: application/json`), with their `contentSchema`. */
  jsonParts: [string, ValidateFunction][];
  /** The operation's answer to malformed scheme headers (AUTH_FAILURE_EXAMPLE), with its status. */
  refused?: Answer;
  /** What Prism answers an invalid request: the first example of the 422, 400 or default answer, with status 422. */
  invalid?: Answer;
}

interface ContractFacts {
  /** The names of the contract's response examples: the activities or order IDs with an example, and a few failures. */
  examples: Set<string>;
  routes: CheckedRoute[];
  /** Which operation of the per-activity view answers a call. */
  activities: ActivityRoutes;
}

function contractFacts(family: string, document: Document): ContractFacts {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ $id: family, components: document.components ?? {} });
  const compile = (schema: object) => ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', `"${family}#/components/`)) as object);
  const examples = new Set<string>();
  const routes: CheckedRoute[] = [];
  for (const [path, pathItem] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(pathItem)) {
      for (const response of Object.values(operation?.responses ?? {}))
        for (const media of Object.values(response?.content ?? {})) for (const name of Object.keys(media?.examples ?? {})) examples.add(name);
      const schemes = (operation?.security ?? document.security ?? [])
        .flatMap((requirement) => Object.keys(requirement))
        .map((name) => document.components?.securitySchemes?.[name])
        .filter((scheme) => scheme?.type === 'http' && HTTP_SCHEME_HEADERS[scheme.scheme?.toLowerCase() ?? ''] !== undefined)
        .map((scheme) => scheme!.scheme!.toLowerCase());
      const multipart = resolved(document, operation?.requestBody?.content?.['multipart/form-data']?.schema);
      const jsonParts = Object.entries(multipart?.properties ?? {})
        .filter(([, part]) => part.contentMediaType === 'application/json' && part.contentSchema !== undefined)
        .map(([name, part]): [string, ValidateFunction] => [name, compile(part.contentSchema!)]);
      if (schemes.length === 0 && jsonParts.length === 0) continue;
      routes.push({
        method: method.toUpperCase(),
        path: templateToRegExp(path),
        schemes,
        jsonParts,
        refused: namedExample(document, operation, AUTH_FAILURE_EXAMPLE),
        invalid: invalidExample(document, operation),
      });
    }
  }
  return { examples, routes, activities: activityRoutes(document) };
}

const templateToRegExp = (template: string): RegExp =>
  new RegExp(
    `^${template
      .split(/\{[^}]+\}/)
      .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
      .join('[^/]+')}$`,
  );

// The bundled contract keeps each schema and example once, in components, and refers to it.
function resolved<T extends { $ref?: string }>(document: Document, node: T | undefined): T | undefined {
  const [, kind, name] = /^#\/components\/(schemas|examples)\/(.+)$/.exec(node?.$ref ?? '') ?? [];
  return kind === undefined ? node : ((document.components?.[kind as 'schemas' | 'examples']?.[name!] as T | undefined) ?? node);
}

const statusOf = (key: string, otherwise: number) => (/^[0-9]{3}$/.test(key) ? Number(key) : otherwise);

function namedExample(document: Document, operation: Operation, name: string): Answer | undefined {
  for (const [status, response] of Object.entries(operation.responses ?? {}))
    for (const media of Object.values(response.content ?? {})) {
      const value = resolved(document, media.examples?.[name])?.value;
      if (value !== undefined) return { status: statusOf(status, 401), body: value };
    }
  return undefined;
}

function invalidExample(document: Document, operation: Operation): Answer | undefined {
  const response = operation.responses?.['422'] ?? operation.responses?.['400'] ?? operation.responses?.default;
  const first = Object.values(Object.values(response?.content ?? {})[0]?.examples ?? {})[0];
  const value = resolved(document, first)?.value;
  return value === undefined ? undefined : { status: 422, body: value };
}

async function waitUntilAnswering(port: number, exited: Promise<number | null>): Promise<void> {
  const deadline = Date.now() + PRISM_START_TIMEOUT_MS;
  let stopped = false;
  void exited.then(() => (stopped = true));
  // Prism opens its port only once the contract is loaded, so an accepted connection means it is serving.
  const accepts = () =>
    new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
  while (!(await accepts())) {
    if (stopped) throw new Error('prism exited while starting');
    if (Date.now() > deadline) throw new Error(`prism did not answer on port ${port} within ${PRISM_START_TIMEOUT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function forward(req: IncomingMessage, res: ServerResponse, prismPort: number, contract: ContractFacts): Promise<void> {
  const body = await readAll(req);
  const headers = { ...req.headers };
  const url = new URL(req.url ?? '/', 'http://mock');
  const example = headers.prefer === undefined ? (url.searchParams.get(EXAMPLE_SELECTOR) ?? undefined) : undefined;
  if (example !== undefined && contract.examples.has(example)) headers.prefer = `example=${example}`;
  const route = contract.routes.find((r) => r.method === req.method && r.path.test(url.pathname));
  const authViolations = route ? schemeViolations(route, req) : [];
  const partViolations = route ? await jsonPartViolations(route, req.headers['content-type'], body) : [];
  const viewPath = contract.activities.toView(req.method, url, body);
  const activity = viewPath?.slice(viewPath.lastIndexOf('/') + 1);
  const path = viewPath === undefined ? req.url : `${viewPath}${url.search}`;

  const upstream = request({ host: '127.0.0.1', port: prismPort, method: req.method, path, headers }, async (answer) => {
    const status = answer.statusCode ?? 502;
    if (route) {
      await answerCheckedRoute(res, answer, route, authViolations, partViolations);
      return;
    }
    if (status === 200 && activity !== undefined && FRESH_IDS[activity] !== undefined) {
      const text = withFreshId((await readAll(answer)).toString('utf8'), FRESH_IDS[activity]);
      const { 'transfer-encoding': _chunked, ...answerHeaders } = answer.headers;
      res.writeHead(status, { ...answerHeaders, 'content-length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    if (status === 422 && answer.headers['sl-violations'] === undefined) {
      // Prism reports request violations in `sl-violations` only when it mocks a declared response. This contract
      // declares no 4xx (every answer is HTTP 200), so Prism answers its own 422 problem with the violations in the
      // body; copy them into the header, in Prism's format, so clients have one place to look.
      const text = (await readAll(answer)).toString('utf8');
      const violations = violationsOf(text);
      res.writeHead(status, { ...answer.headers, ...(violations ? { 'sl-violations': violations } : {}) });
      res.end(text);
      return;
    }
    res.writeHead(status, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', (error) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`mock: prism did not answer: ${error.message}\n`);
  });
  upstream.end(body);
}

interface Violation {
  location: string[];
  severity: string;
  code?: string;
  message: string;
}

/** What is wrong with the headers of the route's scheme: nothing when one of its schemes is satisfied. */
function schemeViolations(route: CheckedRoute, req: IncomingMessage): Violation[] {
  const perScheme = route.schemes.map((scheme) =>
    Object.entries(HTTP_SCHEME_HEADERS[scheme]!).flatMap(([name, pattern]): Violation[] => {
      const value = req.headers[name];
      if (typeof value === 'string' && pattern.test(value)) return [];
      return [
        {
          location: ['request', 'header', name],
          severity: 'Error',
          code: 'security',
          message: `Request header ${name} of the ${scheme.toUpperCase()} scheme ${value === undefined ? 'is missing' : `must match ${pattern.source}`}`,
        },
      ];
    }),
  );
  return perScheme.some((violations) => violations.length === 0) ? [] : perScheme.flat();
}

/** Prism leaves a multipart part as text: what is wrong with the JSON parts, decoded and checked against their contentSchema. */
async function jsonPartViolations(route: CheckedRoute, contentType: string | undefined, body: Buffer): Promise<Violation[]> {
  if (route.jsonParts.length === 0 || !contentType?.startsWith('multipart/form-data')) return [];
  let form: FormData;
  try {
    form = await new Request('http://mock/', { method: 'POST', headers: { 'content-type': contentType }, body }).formData();
  } catch {
    return []; // Prism reports a body it cannot read.
  }
  const violations: Violation[] = [];
  for (const [name, validate] of route.jsonParts) {
    const part = form.get(name);
    if (part === null) continue; // Prism reports a missing part.
    const location = ['request', 'body', name];
    let value: unknown;
    try {
      value = JSON.parse(typeof part === 'string' ? part : await part.text());
    } catch {
      violations.push({ location, severity: 'Error', code: 'contentMediaType', message: `Request body part ${name} must be JSON` });
      continue;
    }
    if (!validate(value))
      for (const error of validate.errors ?? [])
        violations.push({
          location: [...location, ...error.instancePath.split('/').filter(Boolean)],
          severity: 'Error',
          code: error.keyword,
          message: `Request body part ${name}${error.instancePath} ${error.message ?? 'is invalid'}`,
        });
  }
  return violations;
}

/**
 * Prism lets a request of a scheme it does not support through, with a warning in `sl-violations`, and does not decode
 * JSON parts: drop the warning and add the proxy's own findings. A request that Prism accepted but whose signature
 * headers are malformed gets the contract's refusal example (or a 401 problem, as Prism answers a scheme it
 * supports); one whose JSON parts are wrong gets 422, as Prism answers any other invalid request.
 */
async function answerCheckedRoute(
  res: ServerResponse,
  answer: IncomingMessage,
  route: CheckedRoute,
  authViolations: Violation[],
  partViolations: Violation[],
): Promise<void> {
  const status = answer.statusCode ?? 502;
  const text = (await readAll(answer)).toString('utf8');
  const unsupported = route.schemes.map((scheme) => `We currently do not support this type of security scheme: http/${scheme}`);
  const prismViolations = parseViolations(answer.headers['sl-violations']).filter((v) => !unsupported.includes(v.message));
  const violations = [...prismViolations, ...authViolations, ...partViolations];
  const headers = { ...answer.headers };
  delete headers['sl-violations'];
  delete headers['content-length'];
  if (violations.length > 0) headers['sl-violations'] = capped(JSON.stringify(violations));
  const accepted = status >= 200 && status < 300;
  const replacement: (Answer & { type: string }) | undefined =
    accepted && authViolations.length > 0
      ? route.refused
        ? { ...route.refused, type: 'application/json' }
        : {
            status: 401,
            type: 'application/problem+json',
            body: problem(401, 'UNAUTHORIZED', 'Invalid security scheme used', 'The signature headers are missing or malformed.'),
          }
      : accepted && partViolations.length > 0
        ? route.invalid
          ? { ...route.invalid, type: 'application/json' }
          : {
              status: 422,
              type: 'application/problem+json',
              body: problem(422, 'UNPROCESSABLE_ENTITY', 'Invalid request', 'A JSON part of the body is invalid.'),
            }
        : undefined;
  if (replacement) {
    res.writeHead(replacement.status, {
      ...headers,
      'content-type': replacement.type,
      ...(replacement.status === 401 ? { 'www-authenticate': route.schemes[0]!.toUpperCase() } : {}),
    });
    res.end(JSON.stringify(replacement.body));
    return;
  }
  res.writeHead(status, headers);
  res.end(text);
}

const problem = (status: number, kind: string, title: string, detail: string) => ({ type: `https://stoplight.io/prism/errors#${kind}`, title, status, detail });

function parseViolations(header: string | string[] | undefined): Violation[] {
  if (typeof header !== 'string') return [];
  try {
    const parsed = JSON.parse(header) as unknown;
    return Array.isArray(parsed) ? (parsed as Violation[]) : [];
  } catch {
    return [];
  }
}

/** The answer with a fresh ID where it names one: every mock create makes a new thing, as a seller's would. */
function withFreshId(text: string, property: string): string {
  try {
    const answer = JSON.parse(text) as Record<string, unknown> | null;
    if (typeof answer?.[property] !== 'string') return text;
    return JSON.stringify({ ...answer, [property]: randomUUID() });
  } catch {
    return text;
  }
}

function violationsOf(problemJson: string): string | undefined {
  try {
    const { validation } = JSON.parse(problemJson) as { validation?: { location: string[] }[] };
    if (!Array.isArray(validation) || validation.length === 0) return undefined;
    return capped(JSON.stringify(validation.map((v) => ({ ...v, location: ['request', ...v.location] }))));
  } catch {
    return undefined;
  }
}

/** Prism's own cap of `sl-violations`, which keeps the header under common 8 KiB limits. */
const capped = (value: string): string => (value.length > MAX_HEADER ? `Too many violations! ${value.slice(0, MAX_HEADER)}` : value);

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function stop(prism: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (prism.exitCode !== null || prism.signalCode !== null) return;
  prism.kill('SIGTERM');
  const timer = setTimeout(() => prism.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** A loopback port nobody listens on right now (the OS picks it). */
async function freeLoopbackPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Why a port cannot be listened on, as the one line `make mock` answers with; undefined when it can. */
async function portProblem(entry: MockPlanEntry, base: number): Promise<string | undefined> {
  const server = createNetServer();
  const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    server.once('error', resolve).listen(entry.port, () => server.close(() => resolve(undefined)));
  });
  return error === undefined ? undefined : listenProblem(entry, error, base);
}

function listenProblem(entry: MockPlanEntry, error: NodeJS.ErrnoException, base: number): string {
  const fix = `choose other ports with MOCK_PORT=<first port> (e.g. make mock MOCK_PORT=${base >= 60_000 ? 5010 : base + 1000})`;
  if (error.code === 'EADDRINUSE') return `mock: port ${entry.port} (${entry.family}) is in use: stop what listens there, or ${fix}`;
  if (error.code === 'EACCES') return `mock: port ${entry.port} (${entry.family}) needs privileges: ${fix}`;
  return `mock: cannot listen on port ${entry.port} (${entry.family}): ${error.message}`;
}

async function main(): Promise<void> {
  let plan: MockPlanEntry[];
  try {
    const { values } = parseArgs({ options: { family: { type: 'string', multiple: true }, port: { type: 'string' } } });
    plan = mockPlan(values.family, values.port);
  } catch (error) {
    const message = (error as Error).message;
    console.error(
      error instanceof MockSettingError ? message : `mock: ${message} (usage: tsx scripts/mock.ts [--family <name>[,<name>…]]… [--port <first port>])`,
    );
    process.exit(2);
  }
  for (const entry of plan) {
    const problem = await portProblem(entry, plan[0]!.port);
    if (problem) {
      console.error(problem);
      process.exit(2);
    }
  }
  const started = await Promise.allSettled(
    plan.map((entry) =>
      startMock({
        family: entry.family,
        port: entry.port,
        verbose: true,
        onPrismExit: (code) => {
          console.error(`mock: prism for ${entry.family} exited (code ${code}); stopping`);
          process.exit(code || 1);
        },
      }),
    ),
  );
  const mocks = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failed = started.findIndex((result) => result.status === 'rejected');
  if (failed !== -1) {
    await Promise.all(mocks.map((mock) => mock.close()));
    const error = (started[failed] as PromiseRejectedResult).reason as NodeJS.ErrnoException;
    const entry = plan[failed]!;
    console.error(error.code ? listenProblem(entry, error, plan[0]!.port) : `mock: ${entry.family} did not start: ${error.message.split('\n')[0]}`);
    process.exit(error.code === 'EADDRINUSE' || error.code === 'EACCES' ? 2 : 1);
  }
  console.log(
    `\nmock: ${plan.length} contract${plan.length === 1 ? '' : 's'} answering (Ctrl-C stops ${plan.length === 1 ? 'it' : 'them'})\n${mockTable(plan)}`,
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void Promise.all(mocks.map((m) => m.close())).then(() => process.exit(0)));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
