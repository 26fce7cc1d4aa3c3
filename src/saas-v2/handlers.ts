import type { UsageInfoEntry, UsageInfoSource } from '../usage/status.js';
import type { EncryptType } from '../crypto/aes-credentials.js';
import { encryptCredential } from '../crypto/aes-credentials.js';
import type { AppAccess, InstanceAccess } from '../instances/instance.js';
import type { InstanceLifecycle } from '../instances/lifecycle.js';
import { type SaasV2Handlers, saasV2Result as result } from '../../generated/saas-v2/server.js';
import { answerOf, isTest, messageFor } from '../http/answers.js';

export interface SaasV2HandlerOptions {
  lifecycle: InstanceLifecycle;
  /** Encrypt userName/password in queryInstance answers (https://support.huaweicloud.com/intl/en-us/accessg-marketplace/en-us_topic_0070649063.html); V2.0 sends them in clear by default. */
  credentialEncryption?: { accessKey: string; encryptType: EncryptType };
  /** Usage metering: queryInstance answers each pay-per-use instance's usage (`usageInfo`) from it. */
  usage?: UsageInfoSource;
}

/** Maps each activity to the instance lifecycle and its outcome back to the contract. */
export function saasV2Handlers({ lifecycle, credentialEncryption, usage }: SaasV2HandlerOptions): SaasV2Handlers {
  const appInfoOf = (access: AppAccess): AppAccess => {
    if (!credentialEncryption) return access;
    const { accessKey, encryptType } = credentialEncryption;
    const seal = (value: string | undefined) => (value === undefined ? undefined : encryptCredential(accessKey, encryptType, value));
    return withoutUndefined({ ...access, userName: seal(access.userName), password: seal(access.password) });
  };
  const infoOf = (instance: InstanceAccess) =>
    instance.appInfo ? { instanceId: instance.instanceId, appInfo: appInfoOf(instance.appInfo) } : { instanceId: instance.instanceId };

  return {
    async newInstance(request) {
      const outcome = await lifecycle.create({
        orderId: request.orderId,
        orderLineId: request.orderLineId,
        businessId: request.businessId,
        test: isTest(request),
      });
      if ('instanceId' in outcome) {
        return result.newInstance({ resultCode: outcome.code, resultMsg: messageFor(outcome.code), instanceId: outcome.instanceId });
      }
      return result.newInstance({ resultCode: outcome.code, resultMsg: outcome.message });
    },

    async queryInstance(request) {
      const outcome = await lifecycle.query(request.instanceId.split(','));
      if (outcome.code === '000003') return result.queryInstance({ resultCode: outcome.code, resultMsg: messageFor(outcome.code) });
      const usageOf = usage ? await usage.usageInfo(outcome.instances.map((instance) => instance.instanceId)) : new Map<string, UsageInfoEntry[]>();
      return result.queryInstance({
        resultCode: outcome.code,
        resultMsg: messageFor(outcome.code),
        ...(credentialEncryption ? { encryptType: credentialEncryption.encryptType } : {}),
        info: outcome.instances.map((instance) => {
          const entries = usageOf.get(instance.instanceId) ?? [];
          return entries.length === 0
            ? infoOf(instance)
            : { ...infoOf(instance), usageInfo: entries.map((entry) => ({ ...entry, usageValue: Number(entry.usageValue) })) };
        }),
      });
    },

    async refreshInstance(request) {
      return result.refreshInstance(answerOf(await lifecycle.refresh({ ...request, test: isTest(request) })));
    },

    async updateInstanceStatus(request) {
      const outcome = await lifecycle.setFrozen({ instanceId: request.instanceId, frozen: request.status === 'FREEZE', test: isTest(request) });
      return result.updateInstanceStatus(answerOf(outcome));
    },

    async releaseInstance(request) {
      return result.releaseInstance(answerOf(await lifecycle.release({ ...request, test: isTest(request) })));
    },

    async upgradeInstance(request) {
      const outcome = await lifecycle.upgrade({
        instanceId: request.instanceId,
        orderId: request.orderId,
        orderLineId: request.orderLineId,
        test: isTest(request),
      });
      return result.upgradeInstance(answerOf(outcome));
    },

    async changeInstanceCheck(request) {
      const outcome = await lifecycle.checkChange({ instanceId: request.instanceId, productInfo: request.productInfo, test: isTest(request) });
      return result.changeInstanceCheck(answerOf(outcome));
    },
  };
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
