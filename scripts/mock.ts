/**
 * `make mock`: every contract as a mock server for partner teams, each family on its own port (MOCK_PORTS below).
 *
 * Prism always answers an operation's first response example unless the client sends `Prefer: example=<name>`.
 * A production interface is one operation for every `activity`, and its success examples are named after the
 * activity, so a small proxy in front of each Prism adds that `Prefer` header from the request's `activity` (JSON body,
 * or the query of a GET interface). Everything else passes through unchanged, Prism's request validation included.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { type IncomingMessage, type ServerResponse, createServer, request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, bundleContract, families } from './contract.js';

/** Where each family's mock listens (Prism itself on the next port, loopback only). Documented in README.md. */
export const MOCK_PORTS: Record<string, number> = {
  'saas-v2': 4010,
  'kit-v2': 4020,
  'kit-v1': 4030,
  'saas-v1': 4040,
  'license-code': 4050,
  'online-license': 4060,
  'order-notify': 4070,
  oauth: 4080,
};

const PRISM_START_TIMEOUT_MS = 60_000;
const MAX_HEADER = 8 * 1024 - 100;

export interface MockOptions {
  /** The contract: a folder of openapi/. */
  family: string;
  /** Where clients connect. */
  port: number;
  /** Where Prism listens, on loopback only. */
  prismPort: number;
  /** Copy Prism's request log to stdout (the CLI does; tests don't). */
  verbose?: boolean;
  /** Called when Prism stops without `close()` having been called; the proxy is closed by then. */
  onPrismExit?: (code: number | null) => void;
}

export interface Mock {
  close(): Promise<void>;
}

export async function startMock({ family, port, prismPort, verbose = false, onPrismExit }: MockOptions): Promise<Mock> {
  const examples = await responseExampleNames(family);
  const contract = `openapi/${family}/openapi.yaml`;
  const prism = spawn(join(ROOT, 'node_modules/.bin/prism'), ['mock', contract, '--host', '127.0.0.1', '--port', String(prismPort)], {
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

  try {
    await waitUntilAnswering(prismPort, exited);
  } catch (error) {
    prism.kill();
    throw new Error(`${(error as Error).message}\n${output}`);
  }

  const proxy = createServer((req, res) => void forward(req, res, prismPort, examples));
  try {
    await new Promise<void>((resolve, reject) => proxy.once('error', reject).listen(port, resolve));
  } catch (error) {
    await stop(prism, exited);
    throw error;
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

/** The names of the contract's response examples: the activities with a success example, and a few failures. */
async function responseExampleNames(family: string): Promise<Set<string>> {
  type Document = { paths?: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { examples?: object }> }> }>> };
  const names = new Set<string>();
  for (const pathItem of Object.values(((await bundleContract(family)) as Document).paths ?? {}))
    for (const operation of Object.values(pathItem))
      for (const response of Object.values(operation?.responses ?? {}))
        for (const media of Object.values(response?.content ?? {})) for (const name of Object.keys(media?.examples ?? {})) names.add(name);
  return names;
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

async function forward(req: IncomingMessage, res: ServerResponse, prismPort: number, examples: Set<string>): Promise<void> {
  const body = await readAll(req);
  const headers = { ...req.headers };
  const activity = headers.prefer === undefined ? (activityOf(body) ?? new URL(req.url ?? '/', 'http://mock').searchParams.get('activity') ?? undefined) : undefined;
  if (activity !== undefined && examples.has(activity)) headers.prefer = `example=${activity}`;

  const upstream = request({ host: '127.0.0.1', port: prismPort, method: req.method, path: req.url, headers }, async (answer) => {
    const status = answer.statusCode ?? 502;
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

function activityOf(body: Buffer): string | undefined {
  try {
    const activity = (JSON.parse(body.toString('utf8')) as { activity?: unknown } | null)?.activity;
    return typeof activity === 'string' ? activity : undefined;
  } catch {
    return undefined;
  }
}

function violationsOf(problemJson: string): string | undefined {
  try {
    const { validation } = JSON.parse(problemJson) as { validation?: { location: string[] }[] };
    if (!Array.isArray(validation) || validation.length === 0) return undefined;
    const value = JSON.stringify(validation.map((v) => ({ ...v, location: ['request', ...v.location] })));
    // Prism's own cap, which keeps the header under common 8 KiB limits.
    return value.length > MAX_HEADER ? `Too many violations! ${value.slice(0, MAX_HEADER)}` : value;
  } catch {
    return undefined;
  }
}

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

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const served = families().filter((family) => MOCK_PORTS[family] !== undefined);
  const mocks = await Promise.all(
    served.map((family) =>
      startMock({
        family,
        port: MOCK_PORTS[family]!,
        prismPort: MOCK_PORTS[family]! + 1,
        verbose: true,
        onPrismExit: (code) => {
          console.error(`mock: prism for ${family} exited (code ${code}); stopping`);
          process.exit(code || 1);
        },
      }),
    ),
  );
  for (const family of served) console.log(`mock: openapi/${family} on http://localhost:${MOCK_PORTS[family]}`);
  const unmapped = families().filter((family) => MOCK_PORTS[family] === undefined);
  if (unmapped.length > 0) console.error(`mock: no port for ${unmapped.join(', ')}: add it to MOCK_PORTS in scripts/mock.ts`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void Promise.all(mocks.map((m) => m.close())).then(() => process.exit(0)));
}
