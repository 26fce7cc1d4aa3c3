import { type OnlineLicenseHandlers, onlineLicenseResult as result } from '../../generated/online-license/server.js';
import type { InstanceLifecycle } from '../instances/lifecycle.js';
import { answerOf, isTest, messageFor } from '../http/answers.js';
import type { LicenseApplications } from './license-applications.js';

/**
 * Maps each activity to the instance lifecycle (the same instances as SaaS V2.0) or to the License applications, and
 * the outcome back to this contract (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649282.html).
 */
export function onlineLicenseHandlers({ lifecycle, applications }: { lifecycle: InstanceLifecycle; applications: LicenseApplications }): OnlineLicenseHandlers {
  return {
    async newInstance(request) {
      const outcome = await lifecycle.create({
        orderId: request.orderId,
        orderLineId: request.orderLineId,
        businessId: request.businessId,
        test: isTest(request),
      });
      if ('instanceId' in outcome) return result.newInstance({ resultCode: outcome.code, resultMsg: messageFor(outcome.code), instanceId: outcome.instanceId });
      // This guide documents 000100 as its only create refusal (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649288.html); SaaS's 000101-000107 would mean nothing here.
      if (outcome.code === '000100' || outcome.code === '000005') return result.newInstance({ resultCode: outcome.code, resultMsg: outcome.message });
      return result.newInstance({ resultCode: '000005', resultMsg: `the product refused the order: ${outcome.message}`.slice(0, 255) });
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

    async getLicenseAsync(request) {
      const outcome = await applications.apply({ ...request, test: isTest(request) });
      // The License goes to the marketplace by the upload API (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649351.html); the answer carries only the code (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649255.html).
      return result.getLicenseAsync(answerOf(outcome));
    },
  };
}
