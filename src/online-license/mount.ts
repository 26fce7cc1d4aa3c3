import { mountOnlineLicense as mountContract } from '../../generated/online-license/server.js';
import { DataKeys } from '../crypto/data-keys.js';
import type { FamilyMount } from '../mount/family.js';
import { SqlInstanceRepository } from '../store/instances.js';
import { SqlLicenseRequestStore } from '../store/license-requests.js';
import { ed25519LicenseIssuer } from './ed25519-issuer.js';
import { onlineLicenseHandlers } from './handlers.js';
import { LicenseApplications } from './license-applications.js';
import type { LicenseIssuer } from './license-issuer.js';
import { licenseSigningKey } from './signing-key.js';
import { signedContractOptions } from '../mount/signed-path.js';

/**
 * Online-open License: POST JSON to the License path, signed like SaaS V2.0 with the basic key
 * (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649282.html). `issuer` replaces the default Ed25519 License issuer.
 */
export function onlineLicenseMount({ issuer }: { issuer?: LicenseIssuer } = {}): FamilyMount {
  return (app, { config, db, lifecycle, logger, now, signedPath, observe }) => {
    const { path, accessKey, signingKeyPem } = config.onlineLicense;
    const keys = new DataKeys(config);
    // Checked here, at start-up: a wrong key file must stop the server, not fail the first application.
    const licenseIssuer = issuer ?? ed25519LicenseIssuer({ signingKey: licenseSigningKey({ pem: signingKeyPem, db, keys, now }) });
    signedPath(app, { path, scheme: 'basic', accessKey, bodySign: config.bodySign });

    const applications = new LicenseApplications({
      instances: new SqlInstanceRepository(db, keys),
      requests: new SqlLicenseRequestStore(db),
      issuer: licenseIssuer,
      now,
      onIssuerError: (error) => logger.error('license issuer failed', { error: (error as Error).message }),
    });
    mountContract(app, {
      paths: { onlineLicenseProduction: path },
      handlers: onlineLicenseHandlers({ lifecycle, applications }),
      ...signedContractOptions(observe('online-license'), config.strictRequests),
    });
  };
}
