import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import { SAAS_V1_SCHEMAS } from '../../generated/saas-v1/server.js';
import { authToken } from '../../src/crypto/auth-token.js';
import type { Store } from '../../src/store/connect.js';
import { ACCESS_KEY, TEST_CONFIG, type TestServer } from './server.js';
import { snapshot } from './stores.js';

// The SaaS V1.0 counterpart of contract.ts and server.ts: requests signed with authToken, answers checked against
// openapi/saas-v1 (bundled in generated/saas-v1/openapi.json) and their Body-Sign recomputed with node:crypto.

const addFormats = ((addFormatsPlugin as unknown as { default?: typeof addFormatsPlugin }).default ?? addFormatsPlugin) as unknown as (ajv: Ajv2020) => Ajv2020;

const document = JSON.parse(readFileSync(new URL('../../generated/saas-v1/openapi.json', import.meta.url), 'utf8')) as { components: object };
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ $id: 'saas-v1', components: document.components });
const cache = new Map<string, ValidateFunction>();

export const V1_PATH = TEST_CONFIG.saasV1Path;

export function v1SchemaValidator(name: string): ValidateFunction {
  let validate = cache.get(name);
  if (!validate) {
    validate = ajv.compile({ $ref: `saas-v1#/components/schemas/${name}` });
    cache.set(name, validate);
  }
  return validate;
}

/** The response schema the contract gives an activity; the rejection schema when the activity is unknown. */
export function v1ResponseSchemaFor(activity: string | undefined): string {
  const byActivity = SAAS_V1_SCHEMAS.handlers as Record<string, { response: string }>;
  return (activity !== undefined && byActivity[activity]?.response) || SAAS_V1_SCHEMAS.rejections.saasV1Production;
}

/** `Body-Sign` as an independent check computes it: node:crypto HMAC-SHA256 over the exact bytes, Base64. */
export function expectedBodySign(key: string, bytes: Uint8Array): string {
  return `sign_type="HMAC-SHA256", signature="${createHmac('sha256', Buffer.from(key, 'utf8')).update(bytes).digest('base64')}"`;
}

/** Every V1.0 answer: HTTP 200, JSON, a body the contract allows for that activity, and a Body-Sign over its bytes. */
export async function assertV1Conforms(activity: string | undefined, response: Response, key: string = ACCESS_KEY): Promise<Record<string, unknown>> {
  const bytes = new Uint8Array(await response.clone().arrayBuffer());
  const problems: string[] = [];
  if (response.status !== 200) problems.push(`status ${response.status}, expected 200`);
  if (!response.headers.get('content-type')?.startsWith('application/json')) problems.push(`content-type ${response.headers.get('content-type')}`);
  const sign = response.headers.get('body-sign');
  if (sign !== expectedBodySign(key, bytes)) problems.push(`Body-Sign ${sign} does not sign the body with the access key`);
  const body = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
  const validate = v1SchemaValidator(v1ResponseSchemaFor(activity));
  if (!validate(body)) problems.push(`body ${JSON.stringify(body)} violates ${v1ResponseSchemaFor(activity)}: ${ajv.errorsText(validate.errors)}`);
  if (problems.length > 0) throw new Error(`answer outside the contract: ${problems.join('; ')}`);
  return body;
}

/** `yyyyMMddHHmmssSSS` in UTC, the V1.0 timeStamp. */
export function v1TimeStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:TZ.]/g, '');
}

let sequence = 0;

/**
 * A V1.0 query string as KooGallery sends it: the parameters, `timeStamp` and `authToken`, URL-encoded. Successive
 * calls step the timeStamp back by a millisecond or so, so that two calls with the same parameters get two tokens
 * (a token is accepted once), as KooGallery's retries do.
 */
export function v1Query(params: Record<string, string>, options: { at: number; key?: string; timeStamp?: string }): string {
  sequence += 1;
  const timeStamp = options.timeStamp ?? v1TimeStamp(options.at - (sequence % 1000));
  const signed = { ...params, timeStamp };
  return new URLSearchParams({ ...signed, authToken: authToken(options.key ?? ACCESS_KEY, timeStamp, signed) }).toString();
}

/** Sends a signed V1.0 GET; checks the answer against the contract and its Body-Sign; returns the JSON. */
export async function v1Call(
  server: TestServer,
  params: Record<string, string>,
  options: { key?: string; activity?: string } = {},
): Promise<{ response: Response; json: Record<string, unknown> }> {
  const response = await v1Raw(server, v1Query(params, { at: server.clock.now, ...(options.key ? { key: options.key } : {}) }));
  const json = await assertV1Conforms(options.activity ?? params.activity, response, options.key);
  return { response, json };
}

/** A GET of the V1.0 path with this query string, unchecked. */
export function v1Raw(server: TestServer, query: string): Promise<Response> {
  return Promise.resolve(server.app.request(`${V1_PATH}?${query}`));
}

/** Every row of every table a V1.0 call may touch, the audit trail and the nonces included. */
export async function v1Snapshot(store: Store): Promise<Record<string, unknown[]>> {
  return { ...(await snapshot(store)), saas_v1_orders: await store.db.selectFrom('saas_v1_orders').selectAll().execute() };
}

/** What the marketplace bought: instances, applied orders and V1.0 order details (not the audit trail or nonces). */
export async function v1BusinessState(store: Store): Promise<Record<string, unknown[]>> {
  const { instances, instance_orders, saas_v1_orders } = await v1Snapshot(store);
  return { instances: instances!, instance_orders: instance_orders!, saas_v1_orders: saas_v1_orders! };
}

/** The V1.0 debug-fixture requests made by test/fixtures/crypto/SaasV1Request.java (JDK only). */
export interface V1RequestFixture {
  name: string;
  accessKey: string;
  timeStamp: string;
  params: Record<string, string>;
  /** Plain values of the parameters Java encrypted or Base64-encoded. */
  plain: Record<string, string>;
  query: string;
}

export const v1Fixtures = JSON.parse(readFileSync(new URL('../fixtures/crypto/saas-v1-requests.json', import.meta.url), 'utf8')) as V1RequestFixture[];

/** Epoch ms of a V1.0 timeStamp, for a test clock set to the moment a fixture was signed. */
export function v1Instant(timeStamp: string): number {
  const [, y, mo, d, h, mi, s, ms] = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{3})$/.exec(timeStamp)!.map(Number) as number[];
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!, ms!);
}
