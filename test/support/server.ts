import type { Hono } from 'hono';
import { basicSignature, canonicalPayload } from '../../src/crypto/basic-signature.js';
import { loadConfig } from '../../src/config.js';
import { DataKeys } from '../../src/crypto/data-keys.js';
import { type AppConfig, buildApp } from '../../src/server/app.js';
import type { FamilyMount, OrderTracker } from '../../src/mount/family.js';
import type { TenantDirectoryReader } from '../../src/tenants/directory.js';
import { InstanceLifecycle, type LifecycleOptions } from '../../src/instances/lifecycle.js';
import { type Logger, silentLogger } from '../../src/log.js';
import { builtinProvisioner } from '../../src/provisioning/builtin-provisioner.js';
import { sqlNonceRegistry } from '../../src/security/nonce-registry.js';
import { SqlInstanceRepository } from '../../src/store/instances.js';
import type { UsageInfoSource } from '../../src/usage/status.js';
import type { TestStore } from './stores.js';
import { assertConforms } from './contract.js';

export const ACCESS_KEY = 'test-access-key-0123456789';
/** One key per interface type, as Seller Console binds them, so a test shows a family checks its own key. */
export const KEYS = {
  basic: ACCESS_KEY,
  kit: 'test-kit-key-0123456789',
  licenseCode: 'test-license-code-key-0123',
  orderNotify: 'test-order-notify-key-0123',
} as const;

/** The configuration of a server started with only the keys set: every default as a seller gets it. */
export const TEST_CONFIG: AppConfig = loadConfig({
  KOOGALLERY_ACCESS_KEY: KEYS.basic,
  KOOGALLERY_KIT_ACCESS_KEY: KEYS.kit,
  KOOGALLERY_LICENSE_CODE_ACCESS_KEY: KEYS.licenseCode,
  KOOGALLERY_ORDER_NOTIFY_ACCESS_KEY: KEYS.orderNotify,
  KGKIT_DATA_KEY: 'test-data-key-0123456789-0123456789',
});
/** The data keys of TEST_CONFIG, for stores a test builds itself. */
export const TEST_DATA_KEYS = new DataKeys(TEST_CONFIG);

export interface TestServer {
  app: Hono;
  lifecycle: InstanceLifecycle;
  clock: { now: number };
  /** Sends a signed POST to the production path; validates the answer against the contract; returns the JSON. */
  call(body: object, options?: { activity?: string }): Promise<{ response: Response; json: Record<string, unknown> }>;
  /** Sends raw bytes with the given query string, unvalidated. */
  raw(body: string | Uint8Array, query: string, headers?: Record<string, string>): Promise<Response>;
}

let nonceCounter = 0;
export function freshNonce(): string {
  nonceCounter += 1;
  return `N${Date.now().toString(16)}${nonceCounter.toString(16).padStart(8, '0')}`.toUpperCase();
}

export function signedQuery(rawBody: string, options: { key?: string; timestamp?: number; nonce?: string; canonical?: boolean } = {}): string {
  const key = options.key ?? ACCESS_KEY;
  const timestamp = String(options.timestamp ?? Date.now());
  const nonce = options.nonce ?? freshNonce();
  // Signs the canonical (key-sorted) payload, as the marketplace's sample does; `canonical: false` signs the raw bytes.
  const payload = options.canonical === false ? rawBody : canonicalPayload(JSON.parse(rawBody) as Record<string, unknown>);
  const signature = basicSignature(key, nonce, timestamp, payload);
  return `signature=${signature}&timestamp=${timestamp}&nonce=${nonce}`;
}

export function startTestServer(
  store: TestStore,
  options: {
    config?: Partial<AppConfig>;
    lifecycle?: Partial<LifecycleOptions>;
    now?: number;
    families?: FamilyMount[];
    directory?: TenantDirectoryReader;
    orders?: OrderTracker;
    usage?: UsageInfoSource;
    logger?: Logger;
  } = {},
): TestServer {
  const clock = { now: options.now ?? Date.now() };
  const now = () => clock.now;
  const lifecycle = new InstanceLifecycle({
    repository: new SqlInstanceRepository(store.db, new DataKeys({ ...TEST_CONFIG, ...options.config })),
    provisioner: builtinProvisioner({ frontEndUrl: 'https://app.example.com/t/{instanceId}', adminUrl: 'https://admin.example.com/t/{instanceId}' }),
    now,
    ...options.lifecycle,
  });
  const app = buildApp({
    config: { ...TEST_CONFIG, ...options.config },
    db: store.db,
    lifecycle,
    nonces: sqlNonceRegistry(store.db),
    logger: options.logger ?? silentLogger,
    now,
    ...(options.families ? { families: options.families } : {}),
    ...(options.directory ? { directory: options.directory } : {}),
    ...(options.orders ? { orders: options.orders } : {}),
    ...(options.usage ? { usage: options.usage } : {}),
  });
  const path = options.config?.saasPath ?? TEST_CONFIG.saasPath;
  const raw = async (body: string | Uint8Array, query: string, headers: Record<string, string> = {}) =>
    app.request(`${path}?${query}`, { method: 'POST', body, headers: { 'content-type': 'application/json;charset=utf8', ...headers } });
  return {
    app,
    lifecycle,
    clock,
    raw,
    async call(body, callOptions = {}) {
      const text = JSON.stringify(body);
      const response = await raw(text, signedQuery(text, { timestamp: clock.now, key: options.config?.accessKey ?? ACCESS_KEY }));
      const json = (await response.clone().json()) as Record<string, unknown>;
      assertConforms(callOptions.activity ?? (body as { activity?: string }).activity, json, response);
      return { response, json };
    },
  };
}
