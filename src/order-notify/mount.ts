import { mountOrderNotify as mountContract } from '../../generated/order-notify/server.js';
import type { FamilyMount } from '../http/family.js';
import { asciiJson } from '../http/ascii-json.js';
import { basicSignatureCheck } from '../security/basic-signature-check.js';
import { bodySign } from '../security/body-sign.js';
import { unstorable } from '../store/nul-text.js';
import { orderNotifyHandlers } from './handlers.js';

/** Order notification: POST JSON to the order-notify path, signed like SaaS V2.0 with the key bound to it (license-kit-openapi.md §E). */
export const mountOrderNotify: FamilyMount = (app, { config, db, nonces, orders, logger, now, refuse, callDeadline, bodyWithin, observe }) => {
  const { path, accessKey } = config.orderNotify;
  // Order matters: Body-Sign wraps every answer on the path, refusals included.
  if (config.bodySign) app.on('POST', path, bodySign({ accessKey }));
  app.on('POST', path, callDeadline);
  app.on('POST', path, bodyWithin());
  app.on('POST', path, basicSignatureCheck({ accessKey, nonces, toleranceMs: config.signatureToleranceMs, now, refuse }));

  mountContract(app, {
    paths: { orderNotifyProduction: path },
    handlers: orderNotifyHandlers({ db, now, ...(orders ? { orders } : {}), logger }),
    readBody: (c) => c.get('signedBody'),
    serialize: asciiJson,
    observe: observe('order-notify'),
    screen: unstorable,
    strictRequests: config.strictRequests,
  });
};
