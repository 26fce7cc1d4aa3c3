import type { Context, Hono } from 'hono';
import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { InstanceLifecycle } from '../instances/lifecycle.js';
import type { TenantDirectoryReader } from '../tenants/directory.js';
import type { Logger } from '../log.js';
import type { NonceRegistry, SignatureFailureCode } from '../security/signed-request-check.js';
import type { UsageInfoSource } from '../usage/status.js';
import type { Database } from '../store/schema.js';
import type { SignedPath } from './signed-path.js';

/** What a family needs of order enrichment: ask for an order line to be looked up (src/orders/order-lookups.ts). */
export interface OrderTracker {
  track(order: { orderId: string; orderLineId: string; instanceId?: string; reason: 'newInstance' | 'upgradeInstance' | 'orderNotify' }): Promise<void>;
}

/** The part of the configuration the HTTP surface uses (the rest is for start-up: port, database, provisioner). */
export type AppConfig = Omit<
  Config,
  'port' | 'host' | 'database' | 'provisioner' | 'provisionBudgetMs' | 'provisionLeaseMs' | 'logLevel' | 'metricsPort' | 'tracing'
>;

/** What the mount of an interface family receives: shared services, and the answers every family writes alike. */
export interface FamilyContext {
  config: AppConfig;
  db: Kysely<Database>;
  lifecycle: InstanceLifecycle;
  /** What the Kit syncs stored about buyers' enterprises, as the SSO login reads it. */
  directory: TenantDirectoryReader;
  nonces: NonceRegistry;
  /** Order enrichment, when the marketplace's Query Order is configured (KOOGALLERY_AK/SK). */
  orders?: OrderTracker;
  /** Usage metering: where queryInstance reads pay-per-use usage. */
  usage?: UsageInfoSource;
  logger: Logger;
  now: () => number;
  /** A JSON answer with non-ASCII written as \uXXXX (see ascii-json.ts). */
  json(c: Context, body: object, status?: 200 | 302 | 400 | 401 | 403 | 404 | 500 | 503): Response;
  /** A refused request (signature, size): logged, never stored, answered HTTP 200 with the code. */
  refuse(c: Context, code: SignatureFailureCode, reason: string): Response;
  /** Puts the guard of a signed family in front of `path`: Body-Sign, deadline, body limit, signature (src/mount/signed-path.ts). */
  signedPath(app: Hono<any>, spec: SignedPath): void;
  /** The observer a generated mount reports every call to: JSON log line and audit trail. */
  observe(
    family: string,
  ): (call: { activity: string | undefined; request: unknown; result: { body: unknown }; rejected?: string; durationMs: number }) => Promise<void>;
}

/** Mounts one family on the app, whatever the variables its middleware sets. */
export type FamilyMount = (app: Hono<any>, context: FamilyContext) => void;
