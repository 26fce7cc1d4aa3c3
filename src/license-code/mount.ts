import { mountLicenseCode as mountContract } from '../../generated/license-code/server.js';
import type { FamilyMount } from '../http/family.js';
import { asciiJson } from '../http/ascii-json.js';
import { basicSignatureCheck } from '../security/basic-signature-check.js';
import { bodySign } from '../security/body-sign.js';
import { SqlLicenseCodeStore } from '../store/license-codes.js';
import { unstorable } from '../store/nul-text.js';
import { licenseCodeHandlers } from './handlers.js';
import { type LicenseCodeHooks, LicenseCodes } from './license-codes.js';

/**
 * License authorization codes 2.0: POST JSON to the license-code path, signed like SaaS V2.0 with the key bound to
 * this interface (license-kit-openapi.md A.2-A.6). `hooks` lets a seller's product follow the changes.
 */
export function licenseCodeMount({ hooks }: { hooks?: LicenseCodeHooks } = {}): FamilyMount {
  return (app, { config, db, logger, nonces, now, refuse, callDeadline, bodyWithin, observe }) => {
    const { path, accessKey } = config.licenseCode;
    // Order matters: Body-Sign wraps every answer on the path, refusals included.
    if (config.bodySign) app.on('POST', path, bodySign({ accessKey }));
    app.on('POST', path, callDeadline);
    app.on('POST', path, bodyWithin());
    app.on('POST', path, basicSignatureCheck({ accessKey, nonces, toleranceMs: config.signatureToleranceMs, now, refuse }));

    const codes = new LicenseCodes({
      store: new SqlLicenseCodeStore(db),
      ...(hooks ? { hooks } : {}),
      now,
      // The code itself stays out of the log: it is what the buyer activates the software with.
      onHookError: (error) => logger.error('license code hook failed', { error: (error as Error).message }),
    });
    mountContract(app, {
      paths: { licenseCodeProduction: path },
      handlers: licenseCodeHandlers(codes),
      readBody: (c) => c.get('signedBody'),
      serialize: asciiJson,
      observe: observe('license-code'),
      screen: unstorable,
      strictRequests: config.strictRequests,
    });
  };
}

