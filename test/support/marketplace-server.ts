import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { type MarketplaceApiOptions, marketplaceApi } from '../../src/simulator/marketplace-api.js';

export const MARKETPLACE_KEYS = {
  accessKey: 'usage-push-key-0123456789',
  akSk: { accessKey: 'QTWAOYTTINDUT2QVKYUC', secretKey: 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc' },
};

/** The marketplace double (src/simulator/marketplace-api.ts) listening on a loopback port. */
export async function startMarketplace(options: Partial<MarketplaceApiOptions> = {}) {
  const double = marketplaceApi({ ...MARKETPLACE_KEYS, ...options });
  const server = serve({ fetch: double.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    ...double,
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as unknown as { closeAllConnections(): void }).closeAllConnections();
      }),
  };
}
