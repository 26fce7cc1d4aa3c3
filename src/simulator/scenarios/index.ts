import type { SellerFamily } from '../../conformance/driver.js';
import type { ScenarioContext } from '../steps.js';
import { jointOperation } from './kit.js';
import { licenseCode, onlineLicense, orderNotify } from './license.js';
import { resentCreate } from './resent-create.js';
import { saasV1Monthly } from './saas-v1.js';
import { monthly, oneTime, payPerUse, payPerUsePackage, trial, yearly } from './saas.js';

export interface Scenario {
  summary: string;
  /** The families whose URL the scenario needs. */
  families: SellerFamily[];
  run(ctx: ScenarioContext): Promise<void>;
}

/** Every scenario `kgkit simulate --scenario` and the page can start. */
export const SCENARIOS: Record<string, Scenario> = {
  'pay-per-use': {
    summary:
      'buy pay-per-use, record usage and seal it now (with the seller’s kgkit API token), the usage push and its SDR check, queryInstance with usage, unsubscribe',
    families: ['saas-v2'],
    run: payPerUse,
  },
  package: { summary: 'buy a pay-per-use package, query, expiry freeze, release', families: ['saas-v2'], run: payPerUsePackage },
  yearly: { summary: 'buy yearly, renew, expiry freeze, renew and unfreeze, freeze, release', families: ['saas-v2'], run: yearly },
  monthly: { summary: 'buy monthly, renewal-change check, upgrade, unsubscribe', families: ['saas-v2'], run: monthly },
  'one-time': { summary: 'buy one-time, query, release', families: ['saas-v2'], run: oneTime },
  'resent-create': {
    summary: 'buy monthly; the answer to newInstance is lost and it is sent again: the same instance, one for the order line; release',
    families: ['saas-v2'],
    run: resentCreate,
  },
  trial: { summary: '7-day trial, trial to formal, unsubscribe', families: ['saas-v2'], run: trial },
  'joint-op': {
    summary: 'joint-operation purchase with the Kit V2 syncs (tenant, application, users, organisation), tenant deleted',
    families: ['saas-v2', 'kit-v2'],
    run: jointOperation('kit-v2'),
  },
  'joint-op-v1': { summary: 'the same with the Kit V1 syncs', families: ['saas-v2', 'kit-v1'], run: jointOperation('kit-v1') },
  'license-code': { summary: 'License code renewal, freeze, unfreeze, release', families: ['license-code'], run: licenseCode },
  'online-license': {
    summary: 'online License: buy, getLicenseAsync and its upload, renew, freeze, release',
    families: ['online-license'],
    run: onlineLicense,
  },
  'order-notify': { summary: 'a paid order announced with orderNotify', families: ['order-notify'], run: orderNotify },
  'saas-v1': { summary: 'SaaS V1.0 (GET): monthly purchase, renewal, expiry, release', families: ['saas-v1'], run: saasV1Monthly },
};

export const SCENARIO_NAMES = Object.keys(SCENARIOS);
