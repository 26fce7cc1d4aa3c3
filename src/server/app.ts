import { Hono } from 'hono';
import type { Context } from 'hono';
import type { Kysely } from 'kysely';
import { DataKeys } from '../crypto/data-keys.js';
import type { InstanceLifecycle } from '../instances/lifecycle.js';
import type { Logger } from '../log.js';
import type { TenantDirectoryReader } from '../tenants/directory.js';
import { tenantDirectoryReader } from '../tenants/directory-reader.js';
import { kgkitApiMount } from '../kgkit-api/mount.js';
import { mountKit } from '../kit/mount.js';
import type { LicenseCodeHooks } from '../license-code/license-codes.js';
import { licenseCodeMount } from '../license-code/mount.js';
import type { LicenseIssuer } from '../online-license/license-issuer.js';
import { onlineLicenseMount } from '../online-license/mount.js';
import { mountOrderNotify } from '../order-notify/mount.js';
import { mountSaasV1 } from '../saas-v1/mount.js';
import { mountSaasV2 } from '../saas-v2/mount.js';
import { mountSso } from '../sso/mount.js';
import type { UsageMeter } from '../usage/meter.js';
import type { NonceRegistry, SignatureFailureCode } from '../security/signed-request-check.js';
import type { Database } from '../store/schema.js';
import { asciiJson } from '../http/ascii-json.js';
import { CALL_DEADLINE_MS, callDeadline } from '../http/call-deadline.js';
import { clientWentAway } from '../http/client-gone.js';
import { type AuditCounters, auditObserver } from '../http/audit.js';
import { mountDocs } from './docs.js';
import { mountConsole } from '../console/mount.js';
import { bodyWithin } from '../http/request-body.js';
import { textAnswer } from '../runtime/text-answer.js';
import type { UsageInfoSource } from '../usage/status.js';
import type { AppConfig, FamilyContext, FamilyMount, OrderTracker } from '../mount/family.js';
import { guardSignedPath } from '../mount/signed-path.js';
import { databaseAnswers } from '../store/health.js';
import type { KgkitMetrics } from '../telemetry/metrics.js';
import type { CallTracing } from '../telemetry/tracing.js';
import { mountMetrics } from './metrics-endpoint.js';

export type { AppConfig } from '../mount/family.js';

export interface AppDeps {
  config: AppConfig;
  db: Kysely<Database>;
  lifecycle: InstanceLifecycle;
  nonces: NonceRegistry;
  logger: Logger;
  now?: () => number;
  /** Order enrichment (Query Order); without it orderNotify only records the notification. */
  orders?: OrderTracker;
  /** Usage metering (queryInstance usageInfo); the kgkit API mount takes the meter itself. */
  usage?: UsageInfoSource;
  /** The families to serve; default all of them (tests mount one with its own options). */
  families?: FamilyMount[];
  /** Where the SSO login reads tenants and users; default the Kit family's store. */
  directory?: TenantDirectoryReader;
  /** Where /docs serves the API reference from; default docs/ (`make docs`). */
  docsDir?: string;
  /** Counts every call (src/telemetry/metrics.ts); loaded only when /metrics can be reached (docs/decisions.md#23). */
  metrics?: KgkitMetrics;
  /** Whether this app serves GET /metrics behind KGKIT_API_TOKEN (default); false when METRICS_PORT serves it instead. */
  metricsRoute?: boolean;
  /** A span per marketplace call, when OTEL_EXPORTER_OTLP_ENDPOINT is set. */
  tracing?: CallTracing;
}

/** Every interface family one server answers, each on its configured path; the seller's code where it plugs in. */
export function familyMounts({
  licenseIssuer,
  licenseCodeHooks,
  meter,
}: {
  licenseIssuer?: LicenseIssuer;
  licenseCodeHooks?: LicenseCodeHooks;
  meter?: UsageMeter;
} = {}): FamilyMount[] {
  return [
    ...(meter ? [kgkitApiMount({ meter })] : []),
    mountSaasV2,
    mountKit,
    mountSaasV1,
    licenseCodeMount(licenseCodeHooks ? { hooks: licenseCodeHooks } : {}),
    onlineLicenseMount(licenseIssuer ? { issuer: licenseIssuer } : {}),
    mountOrderNotify,
    mountSso,
  ];
}

/** The whole HTTP surface, built apart from listening so tests drive it with `app.request()`. */
export function buildApp({
  config,
  db,
  lifecycle,
  nonces,
  logger,
  now = Date.now,
  orders,
  usage,
  families = familyMounts(),
  directory = tenantDirectoryReader(db, new DataKeys(config)),
  docsDir,
  metrics,
  metricsRoute = true,
  tracing,
}: AppDeps): Hono {
  const app = new Hono();
  const json: FamilyContext['json'] = (c, body, status = 200) => textAnswer(c, asciiJson(body), status);
  const refuse = (c: Context, code: SignatureFailureCode, reason: string) => {
    logger.warn('refused', { path: c.req.path, resultCode: code, reason });
    return json(c, { resultCode: code, resultMsg: reason });
  };
  const audit: AuditCounters = { writeFailures: 0 };
  metrics?.watchAuditFailures(() => audit.writeFailures);
  const observe: FamilyContext['observe'] = (family) => {
    const audited = auditObserver({ family, db, logger, now, counters: audit });
    const count = metrics?.callCounter(family);
    if (count === undefined && tracing === undefined) return audited;
    return (call) => {
      count?.(call);
      tracing?.annotate({ family, activity: call.activity, resultCode: resultCodeOf(call.result.body) });
      return audited(call);
    };
  };
  const limitBody = (maxSize = config.maxBodyBytes, refused = refuse) =>
    bodyWithin({ maxSize, onError: (c) => refused(c, '000002', `body is larger than ${maxSize} bytes`) });
  const deadline = callDeadline({
    answer: (c) => {
      logger.warn('call deadline passed: answered 000005, the work goes on', { method: c.req.method, path: c.req.path, deadlineMs: CALL_DEADLINE_MS });
      return json(c, { resultCode: '000005', resultMsg: 'the call could not be completed in time; please retry' });
    },
  });
  const signedPath: FamilyContext['signedPath'] = (target, spec) => {
    const counted = metrics?.refusalCounter(spec.path);
    const refuseHere: typeof refuse =
      counted === undefined && tracing === undefined
        ? refuse
        : (c, code, reason) => {
            counted?.(code);
            tracing?.annotate({ resultCode: code });
            return refuse(c, code, reason);
          };
    guardSignedPath(target, spec, {
      nonces,
      toleranceMs: config.signatureToleranceMs,
      now,
      refuse: refuseHere,
      callDeadline: deadline,
      bodyWithin: (maxSize) => limitBody(maxSize, refuseHere),
      ...(tracing ? { enter: tracing.enter } : {}),
    });
  };
  const context: FamilyContext = {
    config,
    db,
    lifecycle,
    directory,
    nonces,
    ...(orders ? { orders } : {}),
    ...(usage ? { usage } : {}),
    logger,
    now,
    json,
    refuse,
    signedPath,
    observe,
  };

  app.get('/healthz', async (c) => {
    if (await databaseAnswers(db)) return json(c, { status: 'ok', auditWriteFailures: audit.writeFailures });
    return json(c, { status: 'unavailable', reason: 'database does not answer', auditWriteFailures: audit.writeFailures }, 503);
  });

  if (metrics && metricsRoute) mountMetrics(app, metrics, config.apiToken, logger);
  mountDocs(app, docsDir);
  for (const mount of families) mount(app, context);
  // The operator console reads and acts through the kgkit API's own routes, in process: its bearer check and contract
  // validation apply to every call it makes, as to the seller's product's.
  mountConsole(app, { api: (path, init) => app.request(path, init), logger, now });

  app.notFound((c) => json(c, { resultCode: '000002', resultMsg: `no interface at ${c.req.method} ${c.req.path}` }, 404));
  app.onError((error, c) => {
    // Nobody is left to answer: one quiet line, so that hanging up cannot fill the log with errors.
    if (clientWentAway(c)) {
      logger.info('client went away', { method: c.req.method, path: c.req.path });
      return new Response(null, { status: 499 });
    }
    logger.error('unhandled error', { path: c.req.path, error: error.message });
    metrics?.unhandledError();
    tracing?.failed(error);
    // The marketplace's interfaces answer every failure HTTP 200 with a code (docs/decisions.md#6); a browser on the login
    // routes gets a plain server error.
    if (c.req.path === config.sso.path || c.req.path.startsWith(`${config.sso.path}/`)) {
      return json(c, { error: 'server_error', error_description: 'internal error' }, 500);
    }
    return json(c, { resultCode: '000005', resultMsg: 'internal error' });
  });
  return app;
}

/** The result code an answer carries, for the call's span. */
function resultCodeOf(body: unknown): string {
  const code = (body as { resultCode?: unknown } | null | undefined)?.resultCode;
  return typeof code === 'string' ? code : 'none';
}
