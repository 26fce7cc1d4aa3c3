import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import type { Hono } from 'hono';
import { LICENSE_CODE_SCHEMAS } from '../../generated/license-code/server.js';
import { ONLINE_LICENSE_SCHEMAS } from '../../generated/online-license/server.js';
import { ORDER_NOTIFY_SCHEMAS } from '../../generated/order-notify/server.js';
import type { AppConfig, FamilyMount } from '../../src/mount/family.js';
import type { LifecycleOptions } from '../../src/instances/lifecycle.js';
import type { Store } from '../../src/store/connect.js';
import { KEYS, TEST_CONFIG, type TestServer, signedQuery, startTestServer } from './server.js';
import type { TestStore } from './stores.js';

// Helpers for the three families signed like SaaS V2.0 basic: license codes 2.0, online-open License, orderNotify.

export type LicenseFamily = 'license-code' | 'online-license' | 'order-notify';

type FamilySchemas = { handlers: Record<string, { response: string }>; rejections: Record<string, string> };

const FAMILIES: Record<LicenseFamily, { schemas: FamilySchemas; path: string; key: string }> = {
  'license-code': { schemas: LICENSE_CODE_SCHEMAS, path: TEST_CONFIG.licenseCode.path, key: KEYS.licenseCode },
  'online-license': { schemas: ONLINE_LICENSE_SCHEMAS, path: TEST_CONFIG.onlineLicense.path, key: KEYS.basic },
  'order-notify': { schemas: ORDER_NOTIFY_SCHEMAS, path: TEST_CONFIG.orderNotify.path, key: KEYS.orderNotify },
};

/** The key each family checks: the one Seller Console binds to that interface type. */
export const familyKey = (family: LicenseFamily) => FAMILIES[family].key;

const addFormats = ((addFormatsPlugin as unknown as { default?: typeof addFormatsPlugin }).default ?? addFormatsPlugin) as unknown as (ajv: Ajv2020) => Ajv2020;
const validators = new Map<string, ValidateFunction>();
const ajvs = new Map<LicenseFamily, Ajv2020>();

function validator(family: LicenseFamily, schema: string): ValidateFunction {
  let ajv = ajvs.get(family);
  if (!ajv) {
    const document = JSON.parse(readFileSync(new URL(`../../generated/${family}/openapi.json`, import.meta.url), 'utf8')) as { components: object };
    ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ $id: family, components: document.components });
    ajvs.set(family, ajv);
  }
  const id = `${family}#/components/schemas/${schema}`;
  let validate = validators.get(id);
  if (!validate) {
    validate = ajv.compile({ $ref: id });
    validators.set(id, validate);
  }
  return validate;
}

/** The response schema the family's YAML gives an activity; its rejection schema when the activity is unknown. */
export function responseSchemaOf(family: LicenseFamily, activity: string | undefined): string {
  const { handlers, rejections } = FAMILIES[family].schemas;
  return (activity !== undefined && handlers[activity]?.response) || Object.values(rejections)[0]!;
}

/** Every answer of the family: HTTP 200, JSON, and a body the family's contract allows for that activity. */
export function assertFamilyConforms(family: LicenseFamily, activity: string | undefined, body: unknown, response: Response): void {
  const problems: string[] = [];
  if (response.status !== 200) problems.push(`status ${response.status}, expected 200`);
  if (!response.headers.get('content-type')?.startsWith('application/json')) problems.push(`content-type ${response.headers.get('content-type')}`);
  const schema = responseSchemaOf(family, activity);
  const validate = validator(family, schema);
  if (!validate(body)) problems.push(`body ${JSON.stringify(body)} violates ${family} ${schema}: ${JSON.stringify(validate.errors)}`);
  if (problems.length > 0) throw new Error(`answer outside the contract: ${problems.join('; ')}`);
}

export interface FamilyServer {
  app: Hono;
  lifecycle: TestServer['lifecycle'];
  clock: { now: number };
  /** Signs the body with the family's key (canonical payload), POSTs it to the family's path, checks the answer against the YAML. */
  call(body: object, options?: { activity?: string }): Promise<{ response: Response; json: Record<string, unknown> }>;
  /** Sends raw bytes with the given query string to the family's path, unvalidated. */
  raw(body: string | Uint8Array, query: string): Promise<Response>;
}

/**
 * A server for one family. Without `mount`, the whole app as `buildApp` wires it (every family on its path); with
 * `mount`, an app with only that mount (for a custom issuer or hooks), given the context `buildApp` would give it
 * (src/server/app.ts builds that context inline, so `appWith` mirrors it).
 */
export function startFamilyServer(
  store: TestStore,
  family: LicenseFamily,
  options: { now?: number; lifecycle?: Partial<LifecycleOptions>; config?: Partial<AppConfig>; mount?: FamilyMount } = {},
): FamilyServer {
  const base = startTestServer(store, {
    ...(options.now !== undefined ? { now: options.now } : {}),
    ...(options.lifecycle ? { lifecycle: options.lifecycle } : {}),
    ...(options.config ? { config: options.config } : {}),
    ...(options.mount ? { families: [options.mount] } : {}),
  });
  const app = base.app;
  const { path, key } = FAMILIES[family];
  const raw = async (body: string | Uint8Array, query: string) =>
    app.request(`${path}?${query}`, { method: 'POST', body, headers: { 'content-type': 'application/json;charset=utf8' } });
  return {
    app,
    lifecycle: base.lifecycle,
    clock: base.clock,
    raw,
    async call(body, callOptions = {}) {
      const text = JSON.stringify(body);
      const response = await raw(text, signedQuery(text, { timestamp: base.clock.now, key }));
      const json = (await response.clone().json()) as Record<string, unknown>;
      assertFamilyConforms(family, callOptions.activity ?? (body as { activity?: string }).activity, json, response);
      return { response, json };
    },
  };
}

const BUSINESS_TABLES = [
  'instances',
  'instance_orders',
  'license_codes',
  'license_code_history',
  'license_requests',
  'license_signing_keys',
  'order_notifications',
] as const;

/** What the marketplace bought and asked for: a malformed but signed call must leave it as it was. */
export async function businessState(store: Store): Promise<Record<string, unknown[]>> {
  const result: Record<string, unknown[]> = {};
  for (const table of BUSINESS_TABLES) result[table] = await store.db.selectFrom(table).selectAll().execute();
  return result;
}

/** Every row of every table these families touch, audit trail and nonces included: a forged call leaves no trace at all. */
export async function fullState(store: Store): Promise<Record<string, unknown[]>> {
  return {
    ...(await businessState(store)),
    events: await store.db.selectFrom('events').selectAll().execute(),
    nonces: await store.db.selectFrom('nonces').selectAll().execute(),
  };
}

export const hasJava = (() => {
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** The signature test/fixtures/crypto/SignRequest.java (JDK only, no project code) computes for a flat JSON body. */
export function javaSignature(key: string, nonce: string, timestamp: string, body: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kgkit-java-'));
  try {
    writeFileSync(join(dir, 'body.json'), body);
    const script = new URL('../fixtures/crypto/SignRequest.java', import.meta.url).pathname;
    return execFileSync('java', [script, key, nonce, timestamp, join(dir, 'body.json')], { encoding: 'utf8' }).trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
