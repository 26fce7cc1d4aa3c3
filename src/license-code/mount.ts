import { mountLicenseCode as mountContract } from '../../generated/license-code/server.js';
import type { FamilyMount } from '../mount/family.js';
import { SqlLicenseCodeStore } from '../store/license-codes.js';
import { licenseCodeHandlers } from './handlers.js';
import { type LicenseCodeHooks, LicenseCodes } from './license-codes.js';
import { signedContractOptions } from '../mount/signed-path.js';

/**
 * License authorization codes 2.0: POST JSON to the license-code path, signed like SaaS V2.0 with the key bound to
 * this interface (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649248.html). `hooks` lets a seller's product follow the changes.
 */
export function licenseCodeMount({ hooks }: { hooks?: LicenseCodeHooks } = {}): FamilyMount {
  return (app, { config, db, logger, now, signedPath, observe }) => {
    const { path, accessKey } = config.licenseCode;
    signedPath(app, { path, scheme: 'basic', accessKey, bodySign: config.bodySign });

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
      ...signedContractOptions(observe('license-code'), config.strictRequests),
    });
  };
}
