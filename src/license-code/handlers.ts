import { type LicenseCodeHandlers, licenseCodeResult as result } from '../../generated/license-code/server.js';
import { answerOf, isTest } from '../http/answers.js';
import type { LicenseCodes } from './license-codes.js';

/** The `resultMsg` of each code this family answers (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649189.html). */
const MESSAGES = { '000003': 'license code does not exist' };

/** Maps each activity to the license-code domain and its outcome back to the contract. */
export function licenseCodeHandlers(codes: LicenseCodes): LicenseCodeHandlers {
  return {
    async refreshLicenseCode(request) {
      return result.refreshLicenseCode(answerOf(await codes.refresh({ ...request, test: isTest(request) }), MESSAGES));
    },

    async updateLicenseCodeStatus(request) {
      const outcome = await codes.setFrozen({ license: request.license, frozen: request.status === 'FREEZE', test: isTest(request) });
      return result.updateLicenseCodeStatus(answerOf(outcome, MESSAGES));
    },

    async releaseLicenseCode(request) {
      return result.releaseLicenseCode(answerOf(await codes.release({ ...request, test: isTest(request) }), MESSAGES));
    },
  };
}
