import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { type MarketplaceApiOptions, marketplaceApi } from '../../src/simulator/marketplace-api.js';
import { MARKETPLACE_KEYS } from '../support/marketplace-server.js';
import { freePort } from '../support/ports.js';

/**
 * The marketplace double (src/simulator/marketplace-api.ts) on a fixed loopback port that can go down and come back:
 * what it billed survives a stop, as the real marketplace's records do. `down()` drops every open connection, so an
 * answer it was holding is never sent.
 */
export async function restartableMarketplace(options: Partial<MarketplaceApiOptions> = {}) {
  const double = marketplaceApi({ ...MARKETPLACE_KEYS, ...options });
  const port = await freePort();
  let server: ReturnType<typeof serve> | undefined;
  return {
    ...double,
    url: `http://127.0.0.1:${port}`,
    async up(): Promise<void> {
      if (server) return;
      server = serve({ fetch: double.app.fetch, port, hostname: '127.0.0.1' });
      await new Promise((resolve) => server!.once('listening', resolve));
      if ((server.address() as AddressInfo).port !== port) throw new Error(`the double came back on another port than ${port}`);
    },
    async down(): Promise<void> {
      const stopping = server;
      server = undefined;
      if (!stopping) return;
      await new Promise<void>((resolve) => {
        stopping.close(() => resolve());
        (stopping as unknown as { closeAllConnections(): void }).closeAllConnections();
      });
    },
  };
}
