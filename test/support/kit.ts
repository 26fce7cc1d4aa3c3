import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { KIT_V1_SCHEMAS } from '../../generated/kit-v1/server.js';
import { KIT_V2_SCHEMAS } from '../../generated/kit-v2/server.js';
import { authToken } from '../../src/crypto/auth-token.js';
import { canonicalPayload } from '../../src/crypto/basic-signature.js';
import { kitSignature } from '../../src/crypto/kit-signature.js';
import type { AppConfig } from '../../src/server/app.js';
import { KEYS, TEST_CONFIG, type TestServer, freshNonce, startTestServer } from './server.js';
import type { TestStore } from './stores.js';

export type KitVersion = 'v1' | 'v2';
export type KitOperation = keyof typeof KIT_V2_SCHEMAS.handlers;
export const KIT_OPERATIONS = Object.keys(KIT_V2_SCHEMAS.handlers) as KitOperation[];

const fixture = (name: string) => readFileSync(new URL(`../fixtures/crypto/${name}`, import.meta.url), 'utf8');
/** The seller's test RSA key pair (openssl, 3072 bits; test/fixtures/crypto/README.md). */
export const KIT_RSA_PRIVATE_KEY = fixture('kit-rsa-3072.pem');

// Values made by test/fixtures/crypto/KitFixtures.java with the JDK alone; nothing in them comes from src/.
export interface KitFixtures {
  oaep: { name: string; transformation: string; parameters: string; plaintext: string; ciphertext: string; accepted: boolean }[];
  xSign: {
    operation: KitOperation;
    name: string;
    accessKey: string;
    nonce: string;
    timestamp: string;
    body: string;
    canonicalPayload: string;
    signatureOverCanonical: string;
    signatureOverRaw: string;
  }[];
  authToken: { operation: KitOperation; name: string; accessKey: string; timeStamp: string; body: string; authToken: string }[];
  sealed: { name: string; dataKey: string; keyHex: string; iv: string; plaintext: string; value: string }[];
}
export const kitFixtures = JSON.parse(fixture('kit-fixtures.json')) as KitFixtures;
export const oaepCase = (name: string) => kitFixtures.oaep.find((c) => c.name === name)!;

// ---- the contracts ----

const validators = new Map<string, ValidateFunction>();
const ajvs = Object.fromEntries(
  (['v1', 'v2'] as const).map((version) => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addSchema({
      $id: version,
      components: JSON.parse(readFileSync(new URL(`../../generated/kit-${version}/openapi.json`, import.meta.url), 'utf8')).components,
    });
    return [version, ajv];
  }),
) as Record<KitVersion, Ajv2020>;

function validator(version: KitVersion, schema: string): ValidateFunction {
  const id = `${version}#/components/schemas/${schema}`;
  let validate = validators.get(id);
  if (!validate) validators.set(id, (validate = ajvs[version].compile({ $ref: id })));
  return validate;
}

const BODY_SIGN = /^sign_type="HMAC-SHA256", signature="[A-Za-z0-9+/]{43}="$/;

/** Every Kit answer: HTTP 200, JSON, a body the operation's response schema allows; on V1 a well-formed Body-Sign. */
export function assertKitConforms(version: KitVersion, operation: KitOperation, body: unknown, response: Response): void {
  const problems: string[] = [];
  if (response.status !== 200) problems.push(`status ${response.status}, expected 200`);
  if (!response.headers.get('content-type')?.startsWith('application/json')) problems.push(`content-type ${response.headers.get('content-type')}`);
  const schema = (version === 'v1' ? KIT_V1_SCHEMAS : KIT_V2_SCHEMAS).handlers[operation].response;
  const validate = validator(version, schema);
  if (!validate(body)) problems.push(`body ${JSON.stringify(body)} violates ${schema}: ${ajvs[version].errorsText(validate.errors)}`);
  if (version === 'v1' && !BODY_SIGN.test(response.headers.get('body-sign') ?? '')) problems.push(`Body-Sign ${response.headers.get('body-sign')}`);
  if (problems.length > 0) throw new Error(`Kit ${version} ${operation} answer outside the contract: ${problems.join('; ')}`);
}

// ---- signing as the marketplace does ----

/** `yyyyMMddHHmmssSSS` in UTC+8, the Kit `timeStamp` (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649433.html). */
export function kitTimeStamp(ms: number): string {
  return new Date(ms + 8 * 3_600_000).toISOString().replace(/\D/g, '').slice(0, 17);
}

export function xSignHeaders(
  bodyText: string,
  options: { key?: string; timestamp?: number; nonce?: string; canonical?: boolean } = {},
): Record<string, string> {
  const key = options.key ?? KEYS.kit;
  const timestamp = String(options.timestamp ?? Date.now());
  const nonce = options.nonce ?? freshNonce();
  const payload = options.canonical === false ? bodyText : canonicalPayload(JSON.parse(bodyText) as Record<string, unknown>);
  return { 'x-sign': kitSignature(key, nonce, timestamp, payload), 'x-timestamp': timestamp, 'x-nonce': nonce };
}

/** The Kit V1 authToken of a body: every member as text, keyed with key + the body's timeStamp. */
export function authTokenHeader(body: Record<string, unknown>, key: string = KEYS.kit): Record<string, string> {
  const params = Object.fromEntries(Object.entries(body).map(([name, value]) => [name, typeof value === 'string' ? value : JSON.stringify(value)]));
  return { authToken: authToken(key, String(body.timeStamp), params) };
}

// ---- a server with the Kit set up ----

export interface KitServer extends TestServer {
  /** Signs and sends a V2 sync; checks the answer against the contract. */
  v2(operation: KitOperation, body: object, options?: { key?: string }): Promise<{ response: Response; json: Record<string, unknown> }>;
  /** Sends a V1 sync with a timeStamp 1 ms after the last and its authToken; checks the answer against the contract. */
  v1(operation: KitOperation, body: object, options?: { key?: string }): Promise<{ response: Response; json: Record<string, unknown> }>;
  /** Sends bytes to a Kit path with the given headers, unchecked. */
  post(version: KitVersion, operation: string, body: string | Uint8Array, headers: Record<string, string>): Promise<Response>;
}

export const kitPath = (version: KitVersion, operation: string) => `${TEST_CONFIG.saasPath}/produceAPI${version === 'v2' ? '/v2' : ''}/${operation}`;

export function startKitServer(store: TestStore, options: { config?: Partial<AppConfig>; now?: number } = {}): KitServer {
  const server = startTestServer(store, {
    ...options,
    config: { kit: { accessKey: KEYS.kit, rsaPrivateKeyPem: KIT_RSA_PRIVATE_KEY }, ...options.config },
  });
  const post: KitServer['post'] = async (version, operation, body, headers) =>
    server.app.request(kitPath(version, operation), { method: 'POST', body, headers: { 'content-type': 'application/json;charset=utf8', ...headers } });
  const send = async (version: KitVersion, operation: KitOperation, text: string, headers: Record<string, string>) => {
    const response = await post(version, operation, text, headers);
    const json = (await response.clone().json()) as Record<string, unknown>;
    assertKitConforms(version, operation, json, response);
    return { response, json };
  };
  return {
    ...server,
    post,
    v2: (operation, body, callOptions = {}) => {
      const text = JSON.stringify(body);
      return send('v2', operation, text, xSignHeaders(text, { timestamp: server.clock.now, ...(callOptions.key ? { key: callOptions.key } : {}) }));
    },
    v1: (operation, body, callOptions = {}) => {
      // Each call a timeStamp of its own, as every resend has: the same authToken twice is a replay.
      server.clock.now += 1;
      const signed = { ...body, timeStamp: kitTimeStamp(server.clock.now) };
      return send('v1', operation, JSON.stringify(signed), authTokenHeader(signed, callOptions.key));
    },
  };
}

// ---- what the store holds ----

export const KIT_TABLES = ['kit_tenants', 'kit_applications', 'kit_users', 'kit_org_units', 'kit_org_trees'] as const;

/** The tenant directory's rows, in key order. */
export async function kitDirectoryState(store: TestStore): Promise<Record<string, unknown[]>> {
  const state: Record<string, unknown[]> = {};
  for (const table of KIT_TABLES) {
    const rows = await store.db.selectFrom(table).selectAll().execute();
    state[table] = rows.map((row) => JSON.stringify(row)).sort();
  }
  return state;
}

/** The directory plus the audit trail and the nonces: what a refused (forged) call must leave untouched. */
export async function kitSnapshot(store: TestStore): Promise<Record<string, unknown[]>> {
  return {
    ...(await kitDirectoryState(store)),
    events: await store.db.selectFrom('events').selectAll().orderBy('id').execute(),
    nonces: (await store.db.selectFrom('nonces').selectAll().execute()).map((row) => JSON.stringify(row)).sort(),
  };
}

export const lastEvent = (store: TestStore) => store.db.selectFrom('events').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
