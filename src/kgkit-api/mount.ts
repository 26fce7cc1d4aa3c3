import { bodyWithin } from '../http/request-body.js';
import { mountKgkit } from '../../generated/kgkit/server.js';
import type { FamilyMount } from '../mount/family.js';
import { parseJsonObject } from '../http/json-object.js';
import { unstorable } from '../store/nul-text.js';
import type { UsageMeter } from '../usage/meter.js';
import { bearerToken } from './bearer-token.js';
import { auditHandlers } from './audit-handlers.js';
import { directoryHandlers } from './directory-handlers.js';
import { instanceHandlers } from './instance-handlers.js';
import { statusHandlers } from './status-handlers.js';
import { usageHandlers } from './usage-handlers.js';

const PREFIX = '/kgkit/v1';

/**
 * kgkit's own API for the seller's product and its operators (openapi/kgkit): record usage, see what kgkit keeps and sends
 * to the marketplace, and retry or give up usage records.
 * Bearer-token authenticated; 1000 usage events of ~200 bytes fit the 1 MiB body limit.
 */
export function kgkitApiMount({ meter }: { meter: UsageMeter }): FamilyMount {
  return (app, { config, db, json, logger, now }) => {
    app.use(
      `${PREFIX}/*`,
      bearerToken(config.apiToken, (reason) => {
        logger.warn('kgkit API call refused', { reason });
        return new Response(JSON.stringify({ resultCode: '000001', resultMsg: reason }), {
          status: 401,
          headers: { 'content-type': 'application/json;charset=UTF-8', 'www-authenticate': 'Bearer' },
        });
      }),
    );
    app.use(`${PREFIX}/*`, bodyWithin({ maxSize: 1024 * 1024, onError: (c) => json(c, { resultCode: '000002', resultMsg: 'body is larger than 1 MiB' }) }));
    mountKgkit(app, {
      handlers: { ...usageHandlers(meter), ...statusHandlers(db), ...instanceHandlers(db), ...auditHandlers(db, now), ...directoryHandlers(db) },
      // kgkit writes this contract and both its sides: requests are held to it as written, nulls and unknown fields
      // refused (the marketplace's families are tolerant instead, docs/decisions.md#16).
      strictRequests: true,
      // A GET's request is its query. A POST body is read as the signature checks of the other families read theirs.
      readBody: async (c) => (c.req.method === 'POST' ? parseJsonObject(new Uint8Array(await c.req.arrayBuffer())) : c.req.query()),
      screen: unstorable,
      // The seller's own calls are not the marketplace's: logged, not written to the audit trail.
      observe: (call) =>
        logger.info('kgkit API call', {
          operation: call.activity,
          resultCode: (call.result.body as { resultCode?: string }).resultCode,
          durationMs: Math.round(call.durationMs),
          ...(call.rejected !== undefined ? { rejected: call.rejected } : {}),
        }),
    });
  };
}
