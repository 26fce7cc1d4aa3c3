import { serve } from '@hono/node-server';
import { type Config, loadConfigOrExit } from './config.js';
import { buildApp, familyMounts } from './http/app.js';
import { InstanceLifecycle } from './instances/lifecycle.js';
import { jsonLogger } from './log.js';
import { builtinProvisioner } from './provisioning/builtin-provisioner.js';
import { forwardingChangePolicy, forwardingProvisioner } from './provisioning/forwarding-provisioner.js';
import { type SellerModule, loadProvisionerModule } from './provisioning/module-provisioner.js';
import { sqlNonceRegistry } from './security/nonce-registry.js';
import { type Store, openStore } from './store/connect.js';
import { SqlInstanceRepository } from './store/instances.js';

const config = loadConfigOrExit();

const logger = jsonLogger(config.logLevel);
let product: SellerModule;
try {
  product = await productFrom(config.provisioner);
} catch (error) {
  process.stderr.write(`kgkit: ${(error as Error).message}\n`);
  process.exit(2);
}
let store: Store;
try {
  store = await openStore(config.database);
} catch (error) {
  logger.error('cannot open the database', { database: config.database.dialect, error: (error as Error).message });
  process.exit(1);
}
const lifecycle = new InstanceLifecycle({
  repository: new SqlInstanceRepository(store.db),
  provisioner: product.provisioner,
  ...(product.changePolicy ? { changePolicy: product.changePolicy } : {}),
  budgetMs: config.provisionBudgetMs,
  onBackgroundError: (error, instanceId) => logger.error('background provisioning failed', { instanceId, error: (error as Error).message }),
});
const nonces = sqlNonceRegistry(store.db);
const stopPruning = nonces.startPruning();
const app = buildApp({
  config,
  db: store.db,
  lifecycle,
  nonces,
  logger,
  families: familyMounts({
    ...(product.licenseIssuer ? { licenseIssuer: product.licenseIssuer } : {}),
    ...(product.licenseCodeHooks ? { licenseCodeHooks: product.licenseCodeHooks } : {}),
  }),
});

const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
  logger.info('listening', {
    address: `http://${info.address}:${info.port}`,
    saasPath: config.saasPath,
    database: config.database.dialect,
    provisioner: config.provisioner.kind,
  });
});

async function shutdown(signal: string): Promise<void> {
  logger.info('stopping', { signal });
  stopPruning();
  server.close();
  // Provisioning that outlived its marketplace call gets a short grace period to record its result.
  await Promise.race([lifecycle.settle(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
  await store.close();
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));

/** The seller's product behind kgkit, as configured (PROVISIONER). */
async function productFrom(settings: Config['provisioner']): Promise<SellerModule> {
  switch (settings.kind) {
    case 'module':
      return loadProvisionerModule(settings.path);
    case 'forward':
      return { provisioner: forwardingProvisioner(settings), changePolicy: forwardingChangePolicy(settings) };
    case 'builtin':
      return { provisioner: builtinProvisioner(settings) };
  }
}
