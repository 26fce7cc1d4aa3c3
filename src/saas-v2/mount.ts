import { mountSaasV2 as mountContract } from '../../generated/saas-v2/server.js';
import type { FamilyMount } from '../mount/family.js';
import { saasV2Handlers } from './handlers.js';
import { signedContractOptions } from '../mount/signed-path.js';

/** SaaS V2.0 basic interfaces: POST JSON to the production path, signature in the query (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649414.html, https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649476.html). */
export const mountSaasV2: FamilyMount = (app, { config, lifecycle, usage, signedPath, observe }) => {
  const path = config.saasPath;
  signedPath(app, { path, scheme: 'basic', accessKey: config.accessKey, bodySign: config.bodySign });

  mountContract(app, {
    paths: { saasProduction: path },
    handlers: saasV2Handlers({
      lifecycle,
      ...(usage ? { usage } : {}),
      ...(config.credentialEncryption !== 'none' ? { credentialEncryption: { accessKey: config.accessKey, encryptType: config.credentialEncryption } } : {}),
    }),
    ...signedContractOptions(observe('saas-v2'), config.strictRequests),
  });
};
