import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { type SimulatorOptions, createSimulator } from './simulator.js';

/** The AK/SK the simulator accepts unless told otherwise: the seller sets them as KOOGALLERY_AK / KOOGALLERY_SK. */
export const SIMULATOR_AK_SK = { accessKey: 'KGKITSIMULATORAK0001', secretKey: 'kgkit-simulator-secret-key-0123456789abc' };

export type RunningSimulator = Awaited<ReturnType<typeof startSimulator>>;

/** The simulator listening on `host:port` (port 0: any free one); `url` is its page and the marketplace base URL. */
export async function startSimulator(options: SimulatorOptions & { port?: number; host?: string }) {
  const simulator = createSimulator(options);
  const host = options.host ?? '127.0.0.1';
  const server = serve({ fetch: simulator.app.fetch, port: options.port ?? 0, hostname: host });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', (error: NodeJS.ErrnoException) => {
      void simulator.stop();
      reject(new Error(error.code === 'EADDRINUSE' ? `port ${options.port} is in use` : `cannot listen on ${host}:${options.port}: ${error.message}`));
    });
  });
  const { port } = server.address() as AddressInfo;
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    ...simulator,
    url: `http://${shown}:${port}`,
    port,
    /** Stops the scenarios, then the server (open connections included). */
    async close(): Promise<void> {
      await simulator.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as unknown as { closeAllConnections(): void }).closeAllConnections();
      });
    },
  };
}
