import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { loadServerConfig } from '../../src/server/key-files.js';
import type { AkSk } from '../../src/crypto/apig-signature.js';
import { DataKeys } from '../../src/crypto/data-keys.js';
import { buildApp, familyMounts } from '../../src/server/app.js';
import { InstanceLifecycle } from '../../src/instances/lifecycle.js';
import { silentLogger } from '../../src/log.js';
import { MarketplaceApi } from '../../src/marketplace/client.js';
import { LicenseUploads } from '../../src/license-uploads/license-uploads.js';
import { OrderLookups } from '../../src/orders/order-lookups.js';
import { builtinProvisioner } from '../../src/provisioning/builtin-provisioner.js';
import { sqlNonceRegistry } from '../../src/security/nonce-registry.js';
import { SqlInstanceRepository } from '../../src/store/instances.js';
import { UsageMeter } from '../../src/usage/meter.js';
import { type DialectName, openTestStore } from '../support/stores.js';

export const KGKIT_API_TOKEN = 'simulator-test-api-token-0123456789';

/**
 * kgkit's own server assembled the way src/index.ts assembles it (order lookups, usage meter and its push loop, every
 * family), in this process on a real loopback port, on SQLite (or the given store), and on the given clock.
 */
export async function startKgkitServer(options: {
  now: () => number;
  accessKey: string;
  akSk: AkSk;
  marketplaceUrl: string;
  port: number;
  pushIntervalMs: number;
  env?: Record<string, string>;
  dialect?: DialectName;
}) {
  const { now } = options;
  const store = await openTestStore(options.dialect ?? 'sqlite');
  const config = loadServerConfig({
    KOOGALLERY_ACCESS_KEY: options.accessKey,
    KGKIT_DATA_KEY: 'simulator-test-data-key-0123456789abcdef',
    KGKIT_API_TOKEN,
    MARKETPLACE_URL: options.marketplaceUrl,
    KOOGALLERY_AK: options.akSk.accessKey,
    KOOGALLERY_SK: options.akSk.secretKey,
    // 15 minutes of compressed time: a few real seconds, room for a busy machine.
    SIGNATURE_TOLERANCE_MS: '900000',
    ...options.env,
  });
  const marketplace = new MarketplaceApi({
    hosts: config.marketplace.hosts,
    accessKey: config.accessKey,
    akSk: config.marketplace.akSk!,
    timeoutMs: 5_000,
    backoffMs: 50,
    now,
  });
  const orders = new OrderLookups({
    db: store.db,
    queryOrder: (orderId, orderLineId, signal) => marketplace.queryOrder(orderId, orderLineId, signal),
    logger: silentLogger,
    now,
    firstRetryMs: 1_000,
  });
  const meter = new UsageMeter({ db: store.db, now, logger: silentLogger, chargingModeOf: async (id) => (await orders.forInstance(id))?.chargingMode });
  const lifecycle = new InstanceLifecycle({
    repository: new SqlInstanceRepository(store.db, new DataKeys(config)),
    orders,
    provisioner: builtinProvisioner({ frontEndUrl: 'https://app.example.com/t/{instanceId}' }),
    now,
  });
  const app = buildApp({
    config,
    db: store.db,
    lifecycle,
    nonces: sqlNonceRegistry(store.db),
    logger: silentLogger,
    now,
    orders,
    usage: meter,
    families: familyMounts({ meter }),
  });
  const uploads = new LicenseUploads({
    db: store.db,
    upload: (eventId, license, signal) => marketplace.uploadLicense(eventId, license, signal),
    logger: silentLogger,
    now,
    firstRetryMs: 1_000,
  });
  const stopOrders = orders.start(200);
  const stopUploads = uploads.start(200);
  const stopMeter = meter.start({ intervalMs: options.pushIntervalMs, pushUsage: (records, signal) => marketplace.pushUsage(records, signal) });
  const server = serve({ fetch: app.fetch, port: options.port, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  /** A call of kgkit's own API (Bearer token), as the seller's product makes it. */
  const api = async (path: string, body?: unknown) => {
    const response = await fetch(`${url}/kgkit/v1/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${KGKIT_API_TOKEN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return (await response.json()) as Record<string, unknown>;
  };

  return {
    url,
    saasUrl: `${url}${config.saasPath}`,
    api,
    db: store.db,
    async close() {
      await stopMeter();
      await stopOrders();
      await stopUploads();
      await lifecycle.settle();
      await orders.settle();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as unknown as { closeAllConnections(): void }).closeAllConnections();
      });
      await store.dispose();
    },
  };
}
