import { mountSaasV1 as mountContract } from '../../generated/saas-v1/server.js';
import type { FamilyMount } from '../mount/family.js';
import { asciiJson } from '../http/ascii-json.js';
import { unstorable } from '../store/nul-text.js';
import { sqlV1OrderRepository } from '../store/saas-v1-orders.js';
import { saasV1Handlers } from './handlers.js';

/** Personal data a V1.0 newInstance carries: kept in saas_v1_orders, never in the audit trail or the logs. */
const PERSONAL = ['customerName', 'userId', 'userName', 'mobilePhone', 'email', 'saasExtendParams'];

/** SaaS V1.0 (deprecated): GET with the parameters and the authToken in the query (https://support.huaweicloud.com/intl/en-us/accessg-marketplace/en-us_topic_0070649066.html, https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649013.html). */
export const mountSaasV1: FamilyMount = (app, { config, db, lifecycle, now, signedPath, observe }) => {
  const path = config.saasV1Path;
  // V1.0 requires Body-Sign on every answer (https://support.huaweicloud.com/intl/en-us/accessg-marketplace/en-us_topic_0070649067.html), whatever BODY_SIGN says for V2.0.
  signedPath(app, { path, scheme: 'saas-v1', accessKey: config.accessKey, bodySign: true });

  const audit = observe('saas-v1');
  mountContract(app, {
    paths: { saasV1Production: path },
    handlers: saasV1Handlers({ lifecycle, orders: sqlV1OrderRepository(db, now), accessKey: config.accessKey }),
    // An empty value says nothing: treated as absent, so that `&email=` cannot fail an order (UNCONFIRMED whether
    // KooGallery sends empty optional parameters). The authToken check above has covered them as sent.
    readBody: (c) => Object.fromEntries(Object.entries(c.req.query()).filter(([, value]) => value !== '')),
    reject: (reason) => ({ status: 200, body: { resultCode: '000002', resultMsg: reason.replace(/^body\b/, 'query') } }),
    serialize: asciiJson,
    observe: (call) => audit({ ...call, request: redacted(call.request) }),
    screen: unstorable,
    strictRequests: config.strictRequests,
  });
};

function redacted(query: unknown): unknown {
  if (typeof query !== 'object' || query === null) return query;
  return Object.fromEntries(Object.entries(query).map(([name, value]) => [name, PERSONAL.includes(name) ? '[redacted]' : value]));
}
