import { type OnlineLicenseHandlers, onlineLicenseResult as result } from '../../generated/online-license/server.js';
import type { InstanceLifecycle } from '../instances/lifecycle.js';
import { messageFor, messageOf } from '../saas-v2/result-messages.js';
import type { LicenseApplications } from './license-applications.js';

/**
 * Maps each activity to the instance lifecycle (the same instances as SaaS V2.0) or to the License applications, and
 * the outcome back to this contract (license-kit-openapi.md B.4-B.8).
 */
export function onlineLicenseHandlers({ lifecycle, applications }: { lifecycle: InstanceLifecycle; applications: LicenseApplications }): OnlineLicenseHandlers {
  const test = (request: { testFlag?: string }) => request.testFlag === '1';
  return {
    async newInstance(request) {
      const outcome = await lifecycle.create({ orderId: request.orderId, orderLineId: request.orderLineId, businessId: request.businessId, test: test(request) });
      if ('instanceId' in outcome) return result.newInstance({ resultCode: outcome.code, resultMsg: messageFor(outcome.code), instanceId: outcome.instanceId });
      // This guide documents 000100 as its only create refusal (B.8); SaaS's 000101-000107 would mean nothing here.
      if (outcome.code === '000100' || outcome.code === '000005') return result.newInstance({ resultCode: outcome.code, resultMsg: outcome.message });
      return result.newInstance({ resultCode: '000005', resultMsg: `the product refused the order: ${outcome.message}`.slice(0, 255) });
    },

    async refreshInstance(request) {
      const outcome = await lifecycle.refresh({
        instanceId: request.instanceId,
        orderId: request.orderId,
        orderLineId: request.orderLineId,
        scene: request.scene,
        expireTime: request.expireTime,
        ...(request.productId !== undefined ? { productId: request.productId } : {}),
        test: test(request),
      });
      return result.refreshInstance({ resultCode: outcome.code, resultMsg: messageOf(outcome) });
    },

    async updateInstanceStatus(request) {
      const outcome = await lifecycle.setFrozen({ instanceId: request.instanceId, frozen: request.status === 'FREEZE', test: test(request) });
      return result.updateInstanceStatus({ resultCode: outcome.code, resultMsg: messageOf(outcome) });
    },

    async releaseInstance(request) {
      const outcome = await lifecycle.release({
        instanceId: request.instanceId,
        ...(request.orderId !== undefined ? { orderId: request.orderId } : {}),
        ...(request.orderLineId !== undefined ? { orderLineId: request.orderLineId } : {}),
        test: test(request),
      });
      return result.releaseInstance({ resultCode: outcome.code, resultMsg: messageOf(outcome) });
    },

    async getLicenseAsync(request) {
      const outcome = await applications.apply({
        instanceId: request.instanceId,
        eventId: request.eventId,
        effectiveTime: request.effectiveTime,
        ...(request.expireTime !== undefined ? { expireTime: request.expireTime } : {}),
        ...(request.deviceFingerprint !== undefined ? { deviceFingerprint: request.deviceFingerprint } : {}),
        test: test(request),
      });
      // The License goes to the marketplace by the upload API (D.3); the answer carries only the code (B.7).
      return result.getLicenseAsync({ resultCode: outcome.code, resultMsg: 'message' in outcome ? outcome.message : messageFor(outcome.code) });
    },
  };
}
