import { mountOrderNotify as mountContract } from '../../generated/order-notify/server.js';
import type { FamilyMount } from '../mount/family.js';
import { orderNotifyHandlers } from './handlers.js';
import { signedContractOptions } from '../mount/signed-path.js';

/** Order notification: POST JSON to the order-notify path, signed like SaaS V2.0 with the key bound to it (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0000002091799149.html). */
export const mountOrderNotify: FamilyMount = (app, { config, db, orders, logger, now, signedPath, observe }) => {
  const { path, accessKey } = config.orderNotify;
  signedPath(app, { path, scheme: 'basic', accessKey, bodySign: config.bodySign });

  mountContract(app, {
    paths: { orderNotifyProduction: path },
    handlers: orderNotifyHandlers({ db, now, ...(orders ? { orders } : {}), logger }),
    ...signedContractOptions(observe('order-notify'), config.strictRequests),
  });
};
