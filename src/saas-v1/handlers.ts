import { type EncryptType, encryptCredential } from '../crypto/aes-credentials.js';
import type { AppAccess, InstanceAccess } from '../instances/instance.js';
import type { InstanceLifecycle } from '../instances/lifecycle.js';
import type { RefreshScene } from '../instances/provisioner.js';
import { answerOf, messageFor } from '../http/answers.js';
import { type RefreshInstanceRequest, type SaasV1Handlers, saasV1Result as result } from '../../generated/saas-v1/server.js';
import { type V1OrderRepository, readOrderDetails } from './order-details.js';

export interface SaasV1HandlerOptions {
  lifecycle: InstanceLifecycle;
  orders: V1OrderRepository;
  /** The key bound to the basic interfaces: decrypts mobilePhone/email, encrypts the answers' credentials. */
  accessKey: string;
}

// Credentials are always encrypted in V1.0; `1` (AES-256-CBC) is Huawei's default (https://support.huaweicloud.com/intl/en-us/accessg-marketplace/en-us_topic_0070649063.html, docs/decisions.md#11).
const ENCRYPT_TYPE: EncryptType = '1';

/**
 * V1.0 has no orderLineId. Every single-line order's line is `<orderId>-000001` (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649350.html), so that is the line
 * a V1.0 call is applied to: the idempotency keys stay V2.0's (docs/decisions.md#14), and a V2.0 call for the same order line
 * finds the same instance.
 */
export const v1OrderLine = (orderId: string): string => `${orderId}-000001`;

/**
 * kgkit's scene for a V1.0 renewal, which carries no `scene`: `trialToFormal=1` is a conversion, a negative
 * `orderAmount` a renewal cancellation (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649013.html), anything else a renewal.
 */
export function refreshSceneOf(request: Pick<RefreshInstanceRequest, 'trialToFormal' | 'orderAmount'>): RefreshScene {
  if (request.trialToFormal === '1') return 'TRIAL_TO_FORMAL';
  if (request.orderAmount?.startsWith('-') && /[1-9]/.test(request.orderAmount)) return 'UNSUBSCRIBE_RENEWAL_PERIOD';
  return 'RENEWAL';
}

/** Maps each V1.0 activity to the instance lifecycle shared with V2.0, and its outcome back to the contract. */
export function saasV1Handlers({ lifecycle, orders, accessKey }: SaasV1HandlerOptions): SaasV1Handlers {
  const test = (request: { testFlag?: string }) => request.testFlag === '1';
  const seal = (value: string) => encryptCredential(accessKey, ENCRYPT_TYPE, value);
  const sealed = ({ userName, password, ...open }: AppAccess): AppAccess => ({
    ...open,
    ...(userName !== undefined ? { userName: seal(userName) } : {}),
    ...(password !== undefined ? { password: seal(password) } : {}),
  });
  const infoOf = (instance: InstanceAccess) =>
    instance.appInfo ? { instanceId: instance.instanceId, appInfo: sealed(instance.appInfo) } : { instanceId: instance.instanceId };

  return {
    async newInstance(request) {
      const read = readOrderDetails(request, accessKey);
      if ('problem' in read) return result.newInstance({ resultCode: '000002', resultMsg: read.problem });
      const outcome = await lifecycle.create({
        orderId: request.orderId,
        orderLineId: v1OrderLine(request.orderId),
        businessId: request.businessId,
        test: test(request),
      });
      if (!('instanceId' in outcome)) return result.newInstance({ resultCode: outcome.code, resultMsg: outcome.message });
      await orders.save(outcome.instanceId, read.details);
      if (outcome.code === '000004')
        return result.newInstance({ resultCode: outcome.code, resultMsg: messageFor(outcome.code), instanceId: outcome.instanceId });
      // V1.0 answers the access information at once (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649013.html); V2.0 leaves it to queryInstance.
      const found = await lifecycle.query([outcome.instanceId]);
      const appInfo = found.code === '000000' ? found.instances[0]?.appInfo : undefined;
      return result.newInstance({
        resultCode: outcome.code,
        resultMsg: messageFor(outcome.code),
        instanceId: outcome.instanceId,
        ...(appInfo ? { encryptType: ENCRYPT_TYPE, appInfo: sealed(appInfo) } : {}),
      });
    },

    async queryInstance(request) {
      const outcome = await lifecycle.query(request.instanceId.split(','));
      if (outcome.code === '000003') return result.queryInstance({ resultCode: outcome.code, resultMsg: messageFor(outcome.code) });
      return result.queryInstance({
        resultCode: outcome.code,
        resultMsg: messageFor(outcome.code),
        encryptType: ENCRYPT_TYPE,
        info: outcome.instances.map(infoOf),
      });
    },

    async refreshInstance(request) {
      const outcome = await lifecycle.refresh({
        instanceId: request.instanceId,
        orderId: request.orderId,
        orderLineId: v1OrderLine(request.orderId),
        scene: refreshSceneOf(request),
        expireTime: request.expireTime,
        productId: request.productId,
        test: test(request),
      });
      return result.refreshInstance(answerOf(outcome));
    },

    async expireInstance(request) {
      const outcome = await lifecycle.setFrozen({ instanceId: request.instanceId, frozen: true, test: test(request) });
      return result.expireInstance(answerOf(outcome));
    },

    async instanceStatus(request) {
      const outcome = await lifecycle.setFrozen({ instanceId: request.instanceId, frozen: request.instanceStatus === 'FREEZE', test: test(request) });
      return result.instanceStatus(answerOf(outcome));
    },

    async releaseInstance(request) {
      const outcome = await lifecycle.release({
        instanceId: request.instanceId,
        orderId: request.orderId,
        orderLineId: v1OrderLine(request.orderId),
        test: test(request),
      });
      return result.releaseInstance(answerOf(outcome));
    },

    async upgrade(request) {
      const outcome = await lifecycle.upgrade({
        instanceId: request.instanceId,
        orderId: request.orderId,
        orderLineId: v1OrderLine(request.orderId),
        test: test(request),
      });
      return result.upgrade(answerOf(outcome));
    },
  };
}
