import { Hono } from 'hono';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { type Kysely, sql } from 'kysely';
import { mountSaasProduction } from '../../generated/saas-v2/server.js';
import type { Config } from '../config.js';
import type { InstanceLifecycle } from '../instances/lifecycle.js';
import type { Logger } from '../log.js';
import { saasV2Handlers } from '../saas-v2/handlers.js';
import { basicSignatureCheck, type NonceRegistry, type SignatureFailureCode, type SignedBodyVariables } from '../security/basic-signature-check.js';
import { bodySign } from '../security/body-sign.js';
import { appendEvent } from '../store/events.js';
import type { Database } from '../store/schema.js';
import { asciiJson } from './ascii-json.js';
import { auditRecord } from './audit.js';

export type AppConfig = Pick<Config, 'accessKey' | 'saasPath' | 'signatureToleranceMs' | 'maxBodyBytes' | 'bodySign' | 'credentialEncryption'>;

export interface AppDeps {
  config: AppConfig;
  db: Kysely<Database>;
  lifecycle: InstanceLifecycle;
  nonces: NonceRegistry;
  logger: Logger;
  now?: () => number;
}

/** The whole HTTP surface, built apart from listening so tests drive it with `app.request()`. */
export function buildApp({ config, db, lifecycle, nonces, logger, now = Date.now }: AppDeps): Hono {
  const app = new Hono<{ Variables: SignedBodyVariables }>();
  const path = config.saasPath;

  const json = (c: Context, body: object, status: 200 | 404 | 503 = 200) =>
    c.body(asciiJson(body), status, { 'content-type': 'application/json;charset=UTF-8' });
  const refuse = (c: Context, code: SignatureFailureCode, reason: string) => {
    logger.warn('refused', { path: c.req.path, resultCode: code, reason });
    return json(c, { resultCode: code, resultMsg: reason });
  };

  app.get('/healthz', async (c) => {
    try {
      await sql`select 1`.execute(db);
      return json(c, { status: 'ok' });
    } catch {
      return json(c, { status: 'unavailable', reason: 'database does not answer' }, 503);
    }
  });

  // Order matters: Body-Sign wraps every answer on the path, refusals included.
  if (config.bodySign) app.on('POST', path, bodySign({ accessKey: config.accessKey }));
  app.on('POST', path, bodyLimit({ maxSize: config.maxBodyBytes, onError: (c) => refuse(c, '000002', `body is larger than ${config.maxBodyBytes} bytes`) }));
  app.on('POST', path, basicSignatureCheck({ accessKey: config.accessKey, nonces, scope: 'basic', toleranceMs: config.signatureToleranceMs, now, refuse }));

  mountSaasProduction(app, {
    path,
    handlers: saasV2Handlers({
      lifecycle,
      ...(config.credentialEncryption !== 'none' ? { credentialEncryption: { accessKey: config.accessKey, encryptType: config.credentialEncryption } } : {}),
    }),
    readBody: (c) => c.get('signedBody'),
    serialize: asciiJson,
    observe: async (call) => {
      const record = auditRecord('saas-v2', call, now() - Math.round(call.durationMs));
      logger.info('call', {
        family: record.family,
        activity: record.activity,
        orderId: record.order_id,
        orderLineId: record.order_line_id,
        instanceId: record.instance_id,
        testFlag: record.test_flag === 1,
        resultCode: record.result_code,
        durationMs: record.duration_ms,
        ...(call.rejected !== undefined ? { rejected: call.rejected } : {}),
      });
      // Only calls that passed the signature check get here: the audit trail holds what the marketplace really
      // asked, malformed requests included, while forged ones (refused above) never reach the store.
      try {
        await appendEvent(db, record);
      } catch (error) {
        logger.error('event log write failed', { activity: record.activity, error: (error as Error).message });
      }
    },
  });

  app.notFound((c) => json(c, { resultCode: '000002', resultMsg: `no interface at ${c.req.method} ${c.req.path}` }, 404));
  app.onError((error, c) => {
    logger.error('unhandled error', { path: c.req.path, error: error.message });
    return json(c, { resultCode: '000005', resultMsg: 'internal error' });
  });
  return app as unknown as Hono;
}
