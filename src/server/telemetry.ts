import { serve } from '@hono/node-server';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { KgkitMetrics } from '../telemetry/metrics.js';
import type { CallTracing } from '../telemetry/tracing.js';
import { metricsApp } from './metrics-endpoint.js';

export interface Telemetry {
  /** The logger with trace ids (when tracing) and its warnings and errors counted (when metrics). */
  logger: Logger;
  metrics?: KgkitMetrics;
  tracing?: CallTracing;
}

/**
 * Metrics when /metrics can be reached (KGKIT_API_TOKEN or METRICS_PORT set), tracing when OTEL_EXPORTER_OTLP_ENDPOINT
 * is: each loaded by dynamic import only then, so that a server without them carries neither prom-client nor the
 * OpenTelemetry SDK (docs/decisions.md#23).
 */
export async function startTelemetry(config: Config, logger: Logger): Promise<Telemetry> {
  const tracing = config.tracing ? (await import('../telemetry/tracing.js')).startTracing(config.tracing, logger) : undefined;
  const reachable = config.apiToken !== undefined || config.metricsPort !== undefined;
  const metrics = reachable ? new (await import('../telemetry/metrics.js')).KgkitMetrics(logger) : undefined;
  let wrapped = tracing ? tracing.withIds(logger) : logger;
  if (metrics) wrapped = metrics.countLines(wrapped);
  return { logger: wrapped, ...(metrics ? { metrics } : {}), ...(tracing ? { tracing } : {}) };
}

/** The listener of METRICS_PORT on HOST; a port it cannot take ends the process with one line and exit code 2. */
export function listenForMetrics(metrics: KgkitMetrics, config: Config & { metricsPort: number }, logger: Logger): { close(): void } {
  const server = serve({ fetch: metricsApp(metrics).fetch, port: config.metricsPort, hostname: config.host }, (info) =>
    logger.info('metrics listening', { address: `http://${info.address}:${info.port}/metrics` }),
  );
  server.on('error', (error: NodeJS.ErrnoException) => {
    process.stderr.write(`kgkit: METRICS_PORT ${config.metricsPort} on ${config.host}: ${error.code ?? error.message}; choose another port\n`);
    process.exit(2);
  });
  return server;
}
