import { type LicenseCodeHandlers, licenseCodeResult as result } from '../../generated/license-code/server.js';
import type { LicenseCodes } from './license-codes.js';

/** The `resultMsg` of each code this family answers (license-kit-openapi.md A.6). */
const MESSAGES = {
  '000000': 'success',
  '000003': 'license code does not exist',
} as const;

const messageOf = (outcome: { code: '000000' | '000003' } | { code: string; message: string }): string =>
  'message' in outcome ? outcome.message : MESSAGES[outcome.code];

/** Maps each activity to the license-code domain and its outcome back to the contract. */
export function licenseCodeHandlers(codes: LicenseCodes): LicenseCodeHandlers {
  const test = (request: { testFlag?: string }) => request.testFlag === '1';
  return {
    async refreshLicenseCode(request) {
      const outcome = await codes.refresh({
        license: request.license,
        orderId: request.orderId,
        orderLineId: request.orderLineId,
        scene: request.scene,
        expireTime: request.expireTime,
        ...(request.productId !== undefined ? { productId: request.productId } : {}),
        test: test(request),
      });
      return result.refreshLicenseCode({ resultCode: outcome.code, resultMsg: messageOf(outcome) });
    },

    async updateLicenseCodeStatus(request) {
      const outcome = await codes.setFrozen({ license: request.license, frozen: request.status === 'FREEZE', test: test(request) });
      return result.updateLicenseCodeStatus({ resultCode: outcome.code, resultMsg: messageOf(outcome) });
    },

    async releaseLicenseCode(request) {
      const outcome = await codes.release({
        license: request.license,
        ...(request.orderId !== undefined ? { orderId: request.orderId } : {}),
        ...(request.orderLineId !== undefined ? { orderLineId: request.orderLineId } : {}),
        test: test(request),
      });
      return result.releaseLicenseCode({ resultCode: outcome.code, resultMsg: messageOf(outcome) });
    },
  };
}
