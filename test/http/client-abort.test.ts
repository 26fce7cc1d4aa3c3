import type { Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { familyMounts } from '../../src/server/app.js';
import { jsonLogger } from '../../src/log.js';
import { UsageMeter } from '../../src/usage/meter.js';
import { KIT_RSA_PRIVATE_KEY, kitPath } from '../support/kit.js';
import { KEYS, TEST_CONFIG, startTestServer } from '../support/server.js';
import { type TestStore, openTestStore } from '../support/stores.js';

// A client that goes away in the middle of its body is not an error of the server: one quiet line (info) with the
// path, never an error-level "unhandled error" a caller could flood the log with. Raw sockets, a real port.

const PATHS: [string, string][] = [
  ['SaaS V2.0', TEST_CONFIG.saasPath],
  ['Kit V2', kitPath('v2', 'tenantSync')],
  ['License codes', TEST_CONFIG.licenseCode.path],
  ['online License', TEST_CONFIG.onlineLicense.path],
  ['order notification', TEST_CONFIG.orderNotify.path],
  ['kgkit API', '/kgkit/v1/usage-events'],
];

describe('a client that disconnects mid-body', () => {
  let store: TestStore;
  let server: Server;
  let port: number;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    store = await openTestStore('sqlite');
    const app = startTestServer(store, {
      config: { apiToken: 'test-api-token-0123456789', kit: { accessKey: KEYS.kit, rsaPrivateKeyPem: KIT_RSA_PRIVATE_KEY } },
      logger: jsonLogger('debug', (line) => lines.push(JSON.parse(line) as Record<string, unknown>)),
      families: familyMounts({ meter: new UsageMeter({ db: store.db }) }),
    }).app;
    server = await new Promise<Server>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
    });
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await store.dispose();
  });

  /** Sends the head and part of a body, then destroys the socket; resolves once the server has seen the close. */
  const abortMidBody = (path: string) =>
    new Promise<void>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(
          `POST ${path}?timestamp=1&nonce=n&signature=s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer test-api-token-0123456789\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"activity":"newIn`,
        );
        setTimeout(() => {
          socket.destroy();
          setTimeout(resolve, 150);
        }, 50);
      });
      socket.on('error', reject);
    });

  it.each(PATHS)('%s: one info line naming the path, no error', async (_name, path) => {
    const before = lines.length;
    await abortMidBody(path);
    const logged = lines.slice(before);
    expect(logged.filter((line) => line.level === 'error' || line.level === 'warn')).toEqual([]);
    expect(logged.filter((line) => line.msg === 'client went away')).toEqual([expect.objectContaining({ level: 'info', path })]);
  });

  it('keeps answering afterwards', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(response.status).toBe(200);
  });
});
