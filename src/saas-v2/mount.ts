import { mountSaasV2 as mountContract } from '../../generated/saas-v2/server.js';
import type { FamilyMount } from '../http/family.js';
import { asciiJson } from '../http/ascii-json.js';
import { basicSignatureCheck } from '../security/basic-signature-check.js';
import { bodySign } from '../security/body-sign.js';
import { unstorable } from '../store/nul-text.js';
import { saasV2Handlers } from './handlers.js';

/** SaaS V2.0 basic interfaces: POST JSON to the production path, signature in the query (saas-v2.md §1–3). */
export const mountSaasV2: FamilyMount = (app, { config, lifecycle, usage, nonces, now, refuse, callDeadline, bodyWithin, observe }) => {
  const path = config.saasPath;
  // Order matters: Body-Sign wraps every answer on the path, refusals included.
  if (config.bodySign) app.on('POST', path, bodySign({ accessKey: config.accessKey }));
  app.on('POST', path, callDeadline);
  app.on('POST', path, bodyWithin());
  app.on('POST', path, basicSignatureCheck({ accessKey: config.accessKey, nonces, toleranceMs: config.signatureToleranceMs, now, refuse }));

  mountContract(app, {
    paths: { saasProduction: path },
    handlers: saasV2Handlers({
      lifecycle,
      ...(usage ? { usage } : {}),
      ...(config.credentialEncryption !== 'none' ? { credentialEncryption: { accessKey: config.accessKey, encryptType: config.credentialEncryption } } : {}),
    }),
    readBody: (c) => c.get('signedBody'),
    serialize: asciiJson,
    observe: observe('saas-v2'),
    screen: unstorable,
    strictRequests: config.strictRequests,
  });
};
