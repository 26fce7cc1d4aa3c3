import { serve } from '@hono/node-server';
import type { Config } from '../config.js';
import { DataKeys } from '../crypto/data-keys.js';
import { buildApp, familyMounts } from './app.js';
import { databaseProblem } from './database-problem.js';
import { InstanceLifecycle } from '../instances/lifecycle.js';
import { MarketplaceApi } from '../marketplace/client.js';
import { LicenseUploads } from '../license-uploads/license-uploads.js';
import { OrderLookups } from '../orders/order-lookups.js';
import { builtinProvisioner } from '../provisioning/builtin-provisioner.js';
import { forwardingChangePolicy, forwardingProvisioner } from '../provisioning/forwarding-provisioner.js';
import { type SellerModule, loadProvisionerModule } from './seller-module.js';
import { RetentionJob } from '../retention/job.js';
import { sqlNonceRegistry } from '../security/nonce-registry.js';
import { type Store, openStore } from '../store/connect.js';
import { SqlInstanceRepository } from '../store/instances.js';
import { StoredSecretsError, forgetReplacedValues, sealStoredSecrets } from '../store/stored-secrets.js';
import { UsageMeter } from '../usage/meter.js';
import type { Logger } from '../log.js';
import { countedProvisioner, metricSources } from './metric-sources.js';
import { listenForMetrics, startTelemetry } from './telemetry.js';

/**
 * The composition root's start-up: the seller's module, the store (and its sealed secrets), the marketplace client,
 * the workers, the app, the listening server and the shutdown on SIGTERM/SIGINT. A problem it cannot serve with ends
 * the process with one line on stderr: exit code 2 for what the operator fixes (the configuration, the seller's module,
 * an unreachable database, a busy port), 1 for a database that fails otherwise.
 */
export async function startServer(config: Config, baseLogger: Logger): Promise<void> {
  const { logger, metrics, tracing } = await startTelemetry(config, baseLogger);
  let product: SellerModule;
  try {
    product = await productFrom(config.provisioner);
  } catch (error) {
    process.stderr.write(`kgkit: ${(error as Error).message}\n`);
    process.exit(2);
  }
  let store: Store;
  try {
    // A hung PostgreSQL fails the call (000005) within the marketplace's 5 s rather than hanging it.
    store = await openStore(config.database, { connectTimeoutMs: 2_000, queryTimeoutMs: 4_000 });
  } catch (error) {
    const { line, exitCode } = databaseProblem(config.database, error);
    process.stderr.write(`kgkit: ${line}\n`);
    process.exit(exitCode);
  }
  const dataKeys = new DataKeys(config);
  await sealSecretsOrExit(store, dataKeys, config, logger);
  const marketplace = new MarketplaceApi({
    hosts: config.marketplace.hosts,
    accessKey: config.accessKey,
    ...(config.marketplace.akSk ? { akSk: config.marketplace.akSk } : {}),
    timeoutMs: config.marketplace.timeoutMs,
  });
  // Order enrichment and License upload need the seller's AK/SK; the usage push only the basic key.
  const orders = config.orderLookup.enabled
    ? new OrderLookups({ db: store.db, queryOrder: (orderId, orderLineId, signal) => marketplace.queryOrder(orderId, orderLineId, signal), logger })
    : undefined;
  const uploads = config.marketplace.akSk
    ? new LicenseUploads({ db: store.db, upload: (eventId, license, signal) => marketplace.uploadLicense(eventId, license, signal), logger })
    : undefined;
  const meter = new UsageMeter({
    db: store.db,
    window: config.usage.window === 'day' ? 'daily' : 'hourly',
    logger,
    ...(orders ? { chargingModeOf: async (instanceId: string) => (await orders.forInstance(instanceId))?.chargingMode } : {}),
  });
  const lifecycle = new InstanceLifecycle({
    repository: new SqlInstanceRepository(store.db, dataKeys),
    ...(orders ? { orders, orderRequired: config.orderLookup.required } : {}),
    provisioner: metrics ? countedProvisioner(product.provisioner, metrics) : product.provisioner,
    ...(product.changePolicy ? { changePolicy: product.changePolicy } : {}),
    budgetMs: config.provisionBudgetMs,
    provisionTimeoutMs: config.provisionLeaseMs,
    onBackgroundError: (error, instanceId) => logger.error('background provisioning failed', { instanceId, error: (error as Error).message }),
  });
  try {
    await product.start?.({ recordUsage: (events) => meter.record(events) });
  } catch (error) {
    logger.error('the product module could not start', { error: (error as Error).message });
    process.exit(2);
  }
  const nonces = sqlNonceRegistry(store.db);
  const retention = new RetentionJob({ db: store.db, dialect: store.dialect, policy: config.retention, logger });
  const stopWorkers = [
    orders?.start(),
    uploads?.start(),
    config.usage.push
      ? meter.start({ intervalMs: config.usage.intervalMs, pushUsage: (records, signal) => marketplace.pushUsage(records, signal), logger })
      : undefined,
    retention.start(config.retention.intervalMs),
  ].filter((stop) => stop !== undefined);
  metrics?.watch(metricSources({ db: store.db, runners: [orders, uploads, { stats: () => meter.deliveryStats() }] }));
  if (!orders) logger.info('order lookup is off: set KOOGALLERY_AK and KOOGALLERY_SK to fetch order details');
  if (!uploads) logger.info('License upload is off: set KOOGALLERY_AK and KOOGALLERY_SK to upload issued Licenses');
  const app = buildApp({
    config,
    db: store.db,
    lifecycle,
    nonces,
    logger,
    ...(orders ? { orders } : {}),
    usage: meter,
    families: familyMounts({
      meter,
      ...(product.licenseIssuer ? { licenseIssuer: product.licenseIssuer } : {}),
      ...(product.licenseCodeHooks ? { licenseCodeHooks: product.licenseCodeHooks } : {}),
    }),
    ...(metrics ? { metrics, metricsRoute: config.metricsPort === undefined } : {}),
    ...(tracing ? { tracing } : {}),
  });

  // A SaaS V1.0 call carries everything in its query string: a newInstance the contract allows (saasExtendParams up to
  // 8192 Base64 characters, each "/" and "+" percent-encoded into three) can exceed Node's default 16 KiB limit on a
  // request's head, which answers HTTP 431 before kgkit sees the call.
  const MAX_REQUEST_HEAD_BYTES = 64 * 1024;
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host, serverOptions: { maxHeaderSize: MAX_REQUEST_HEAD_BYTES } }, (info) => {
    logger.info('listening', {
      address: `http://${info.address}:${info.port}`,
      saasPath: config.saasPath,
      database: config.database.dialect,
      provisioner: config.provisioner.kind,
    });
  });
  const metricsServer =
    metrics && config.metricsPort !== undefined ? listenForMetrics(metrics, { ...config, metricsPort: config.metricsPort }, logger) : undefined;

  server.once('error', (error: NodeJS.ErrnoException) => {
    process.stderr.write(`kgkit: ${listenProblem(config, error)}\n`);
    void shutdown('cannot listen', 2);
  });

  async function shutdown(signal: string, exitCode = 0): Promise<void> {
    logger.info('stopping', { signal });
    server.close();
    metricsServer?.close();
    await Promise.race([Promise.allSettled(stopWorkers.map((stop) => stop())), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
    // Provisioning that outlived its marketplace call gets a short grace period to record its result.
    await Promise.race([lifecycle.settle(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
    await store.close();
    // The spans of the last calls are still queued: sent before the process ends.
    const lastSpans = tracing
      ?.shutdown()
      .catch((error: unknown) => logger.warn('tracing: the last spans could not be sent', { error: (error as Error).message }));
    if (lastSpans) await Promise.race([lastSpans, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
    process.exit(exitCode);
  }
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

/** Why the server cannot listen, with the setting that fixes it. */
function listenProblem(config: Config, error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'EADDRINUSE':
      return `port ${config.port} is in use: stop the other process or set PORT`;
    case 'EACCES':
      return `no permission to listen on port ${config.port}: set PORT to 1024 or above`;
    case 'EADDRNOTAVAIL':
      return `HOST ${config.host} is not an address of this machine: set HOST (0.0.0.0 listens on every address)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `HOST ${config.host} does not resolve: set HOST to an address of this machine`;
    default:
      return `cannot listen on ${config.host}:${config.port} (${error.code ?? error.message}): check HOST and PORT`;
  }
}

/**
 * Before serving: seals what older versions stored in clear and re-seals what a previous data key sealed
 * (src/store/stored-secrets.ts). A secret no configured key opens stops the server here, not at its first use.
 */
async function sealSecretsOrExit(opened: Store, keys: DataKeys, config: Config, logger: Logger): Promise<void> {
  try {
    const reports = await sealStoredSecrets(opened, keys);
    const changed = reports.filter((report) => report.sealed + report.resealed > 0);
    const total = (field: 'sealed' | 'resealed') => reports.reduce((sum, report) => sum + report[field], 0);
    logger.info('stored secrets checked', { previousDataKeys: config.previousDataKeys.length, sealed: total('sealed'), resealed: total('resealed'), changed });
    if (changed.length > 0)
      await forgetReplacedValues(opened).catch((error: unknown) =>
        logger.warn('could not compact the SQLite file after sealing', { error: (error as Error).message }),
      );
  } catch (error) {
    logger.error(error instanceof StoredSecretsError ? 'wrong data key' : 'cannot check the stored secrets', { error: (error as Error).message });
    await opened.close();
    process.exit(error instanceof StoredSecretsError ? 2 : 1);
  }
}

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
