import type { AddressInfo } from 'node:net';
import { request as httpRequest } from 'node:http';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { buildApp, familyMounts } from '../../src/server/app.js';
import { InstanceLifecycle } from '../../src/instances/lifecycle.js';
import type { LogFields, Logger } from '../../src/log.js';
import { OrderLookups } from '../../src/orders/order-lookups.js';
import { builtinProvisioner } from '../../src/provisioning/builtin-provisioner.js';
import { sqlNonceRegistry } from '../../src/security/nonce-registry.js';
import { SqlInstanceRepository } from '../../src/store/instances.js';
import { UsageMeter } from '../../src/usage/meter.js';
import { KIT_RSA_PRIVATE_KEY } from '../support/kit.js';
import { KEYS, TEST_CONFIG, signedQuery, TEST_DATA_KEYS } from '../support/server.js';
import { type DialectName, type TestStore, openTestStore } from '../support/stores.js';
import { FUZZ_API_TOKEN } from './targets.js';
import { type Wire, urlOf } from './wire.js';

// kgkit's server assembled as src/index.ts assembles it (every family, kgkit's API, order lookups, the usage meter),
// on a test store and a clock the fuzzer moves, with a logger that keeps every error it is told. Requests go over a
// loopback port through @hono/node-server as in production, or straight to `app.fetch`.

export interface Answer {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** Set when Node's HTTP server refused the request before kgkit saw it (a head over its limit), and why. */
  transportRefusal?: string;
}

/** Node's limit on a request's head, as src/index.ts sets it. */
export const MAX_REQUEST_HEAD_BYTES = 64 * 1024;

export interface LogEntry {
  level: string;
  message: string;
  fields: LogFields;
}

export interface FuzzServer {
  store: TestStore;
  clock: { now: number };
  /** Every error-level line the server logged since the last `takeErrors()`. */
  takeErrors(): LogEntry[];
  send(wire: Wire): Promise<Answer>;
  /** Waits for what a call started in the background (provisioning, order lookups) to finish. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** 2026-06-01T00:00:00Z: fixed, so that a seed replays the same requests. */
export const FUZZ_EPOCH = Date.UTC(2026, 5, 1);

/** How requests reach the app: over a loopback port through @hono/node-server, or straight to `app.fetch`. */
export type Via = 'http' | 'fetch';

export async function startFuzzServer(dialect: DialectName, { via = 'http' }: { via?: Via } = {}): Promise<FuzzServer> {
  const store = await openTestStore(dialect);
  const clock = { now: FUZZ_EPOCH };
  const now = () => clock.now;
  let errors: LogEntry[] = [];
  const keep =
    (level: string) =>
    (message: string, fields: LogFields = {}) => {
      if (level === 'error') errors.push({ level, message, fields });
    };
  const logger: Logger = { debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') };

  // Query Order answers every order line: pay-per-use, so that kgkit's usage API meets metered instances.
  const orders = new OrderLookups({
    db: store.db,
    logger,
    now,
    queryOrder: async (orderId, orderLineId) => ({
      ok: true,
      status: 200,
      code: 'MKT.0000',
      data: { orderInfo: { orderId, orderType: 'NEW', orderLine: [{ orderLineId, chargingMode: 'ON_DEMAND' }] } },
    }),
  });
  const meter = new UsageMeter({ db: store.db, now, logger, chargingModeOf: async (id) => (await orders.forInstance(id))?.chargingMode });
  const lifecycle = new InstanceLifecycle({
    repository: new SqlInstanceRepository(store.db, TEST_DATA_KEYS),
    orders,
    provisioner: builtinProvisioner({ frontEndUrl: 'https://app.example.com/t/{instanceId}', adminUrl: 'https://admin.example.com/t/{instanceId}' }),
    now,
    onBackgroundError: (error, instanceId) => logger.error('background provisioning failed', { instanceId, error: (error as Error).message }),
  });
  const app = buildApp({
    config: { ...TEST_CONFIG, strictRequests: true, apiToken: FUZZ_API_TOKEN, kit: { accessKey: KEYS.kit, rsaPrivateKeyPem: KIT_RSA_PRIVATE_KEY } },
    db: store.db,
    lifecycle,
    nonces: sqlNonceRegistry(store.db),
    logger,
    now,
    orders,
    usage: meter,
    families: familyMounts({ meter }),
  });
  const transport = via === 'http' ? await overHttp(app) : inProcess(app);
  await seedInstances(app, clock.now);
  await lifecycle.settle();
  await orders.settle();
  return {
    store,
    clock,
    takeErrors() {
      const taken = errors;
      errors = [];
      return taken;
    },
    send: transport.send,
    async settle() {
      await lifecycle.settle();
      await orders.settle();
    },
    async close() {
      await lifecycle.settle();
      await orders.settle();
      await transport.close();
      await store.dispose();
    },
  };
}

/** Two live instances of the pools' first orders, so that every family's calls (and kgkit's usage API) meet state from the start. */
async function seedInstances(app: Hono, now: number): Promise<void> {
  for (const n of [1, 2]) {
    const body = JSON.stringify({ activity: 'newInstance', orderId: `CSFZ000${n}`, orderLineId: `CSFZ000${n}-000001`, businessId: `fz-${n}` });
    const query = signedQuery(body, { key: KEYS.basic, timestamp: now, nonce: `SEED${n}` });
    const answer = (await (await app.request(`${TEST_CONFIG.saasPath}?${query}`, { method: 'POST', body })).json()) as { resultCode: string };
    if (answer.resultCode !== '000000') throw new Error(`seeding fz-${n} answered ${answer.resultCode}`);
  }
}

function inProcess(app: Hono): { send(wire: Wire): Promise<Answer>; close(): Promise<void> } {
  return {
    async send(wire) {
      const response = await app.fetch(
        new Request(`http://kgkit.test${urlOf(wire)}`, {
          method: wire.method,
          headers: wire.headers,
          ...(wire.body && wire.method !== 'GET' ? { body: wire.body } : {}),
        }),
      );
      return { status: response.status, headers: Object.fromEntries(response.headers), text: await response.text() };
    },
    close: async () => {},
  };
}

async function overHttp(app: Hono): Promise<{ send(wire: Wire): Promise<Answer>; close(): Promise<void> }> {
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', serverOptions: { maxHeaderSize: MAX_REQUEST_HEAD_BYTES } });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    send: (wire) =>
      new Promise((resolve, reject) => {
        const headers: Record<string, string | string[]> = {};
        for (const [name, value] of wire.headers) {
          const key = name.toLowerCase();
          const had = headers[key];
          headers[key] = had === undefined ? value : [...(Array.isArray(had) ? had : [had]), value];
        }
        if (wire.body) headers['content-length'] = String(wire.body.length);
        const path = pathSafe(urlOf(wire));
        const headSize = path.length + wire.headers.reduce((size, [name, value]) => size + name.length + value.length + 4, 0);
        const outgoing = httpRequest({ host: '127.0.0.1', port, method: wire.method, path, headers, agent: false }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const flat: Record<string, string> = {};
            for (const [name, value] of Object.entries(response.headers)) if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
            const status = response.statusCode ?? 0;
            const refused =
              status === 431 && headSize > MAX_REQUEST_HEAD_BYTES
                ? { transportRefusal: `its head of ${headSize} bytes is over the server's ${MAX_REQUEST_HEAD_BYTES}` }
                : {};
            resolve({ status, headers: flat, text: Buffer.concat(chunks).toString('utf8'), ...refused });
          });
        });
        outgoing.on('error', reject);
        outgoing.end(wire.body);
      }),
    close: () =>
      new Promise<void>((resolve) => {
        (server as unknown as { closeAllConnections(): void }).closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The URL with what Node's client refuses in a path (spaces, controls, non-ASCII) percent-encoded as UTF-8, the rest as it is. */
const pathSafe = (url: string) =>
  url.replace(/[^\u0021-\u007e]/gu, (char) => [...Buffer.from(char, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
