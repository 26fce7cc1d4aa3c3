import { Hono } from 'hono';
import type { Handler } from 'hono';
import { bearerToken } from '../kgkit-api/bearer-token.js';
import type { Logger } from '../log.js';
import type { KgkitMetrics } from '../telemetry/metrics.js';

const PATH = '/metrics';

/** The Prometheus text of every metric. */
function scrape(metrics: KgkitMetrics): Handler {
  return async (c) => c.body(await metrics.scrape(), 200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
}

/** GET /metrics on the main port, behind the kgkit API's bearer check (docs/decisions.md#23). */
export function mountMetrics(app: Hono, metrics: KgkitMetrics, token: string | undefined, logger: Logger): void {
  const refuse = (reason: string) => {
    logger.warn('metrics scrape refused', { reason });
    return new Response(JSON.stringify({ resultCode: '000001', resultMsg: reason }), {
      status: 401,
      headers: { 'content-type': 'application/json;charset=UTF-8', 'www-authenticate': 'Bearer' },
    });
  };
  app.get(PATH, bearerToken(token, refuse), scrape(metrics));
}

/** The app of METRICS_PORT: GET /metrics without a token, nothing else (docs/decisions.md#23). */
export function metricsApp(metrics: KgkitMetrics): Hono {
  const app = new Hono();
  app.get(PATH, scrape(metrics));
  app.notFound((c) => c.text(`kgkit: this port serves GET ${PATH} only\n`, 404));
  return app;
}
