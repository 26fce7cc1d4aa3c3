import type { ConformanceCase } from '../case.js';
import { kitCases } from './kit.js';
import { licenseCodeCases } from './license-code.js';
import { onlineLicenseCases } from './online-license.js';
import { orderNotifyCases } from './order-notify.js';
import { saasV1Cases } from './saas-v1.js';
import { saasV2Cases } from './saas-v2.js';

/** Every case of the catalogue, family by family. */
export function catalogue(): ConformanceCase[] {
  return [...saasV2Cases, ...saasV1Cases, ...kitCases('v2'), ...kitCases('v1'), ...licenseCodeCases, ...onlineLicenseCases, ...orderNotifyCases];
}
