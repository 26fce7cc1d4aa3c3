import { type SellerAnswer, type SellerCall, type SellerEndpoint, type SellerFamily, checkAnswer, sendToSeller } from '../conformance/driver.js';

/** Where each of the seller's interface families answers, and with which key (Seller Console's production URLs and keys). */
export type SellerEndpoints = Partial<Record<SellerFamily, SellerEndpoint>>;

/** How the simulator reaches the seller: the marketplace driver, or a stand-in in unit tests. */
export interface SellerLink {
  send(endpoint: SellerEndpoint, call: SellerCall): Promise<SellerAnswer>;
  check(endpoint: SellerEndpoint, call: SellerCall, answer: SellerAnswer): string[];
}

export const driverLink: SellerLink = { send: sendToSeller, check: checkAnswer };

export interface SellerSettings {
  /** The SaaS production URL (V2.0); the Kit families are below it. */
  saasUrl: string;
  /** The key bound to the basic interfaces; also signs the seller's usage push. */
  key: string;
  kitKey?: string;
  saasV1Url?: string;
  licenseCodeUrl?: string;
  licenseCodeKey?: string;
  onlineLicenseUrl?: string;
  orderNotifyUrl?: string;
  orderNotifyKey?: string;
  /**
   * KGKIT_API_TOKEN of a seller that is kgkit: the simulator then plays the seller's product on kgkit's API (records
   * usage, seals it now), so that pay-per-use delivers usage in simulated time (src/simulator/product.ts).
   */
  apiToken?: string;
}

/** Problems of the settings, one line each (a URL that is not http(s), a key shorter than 8 characters). */
export function sellerSettingsProblems(settings: SellerSettings): string[] {
  const problems: string[] = [];
  const url = (name: string, value: string | undefined) => {
    if (value === undefined) return;
    try {
      if (!/^https?:$/.test(new URL(value).protocol)) problems.push(`${name} must be an http(s) URL (got "${value}")`);
    } catch {
      problems.push(`${name} must be an http(s) URL (got "${value}")`);
    }
  };
  const key = (name: string, value: string | undefined) => {
    if (value !== undefined && value.length < 8) problems.push(`${name} must be at least 8 characters`);
  };
  url('the SaaS production URL', settings.saasUrl);
  url('the SaaS V1.0 URL', settings.saasV1Url);
  url('the license-code URL', settings.licenseCodeUrl);
  url('the online License URL', settings.onlineLicenseUrl);
  url('the order-notification URL', settings.orderNotifyUrl);
  key('the key', settings.key);
  key('the Kit key', settings.kitKey);
  key('the license-code key', settings.licenseCodeKey);
  key('the order-notification key', settings.orderNotifyKey);
  // kgkit refuses a shorter KGKIT_API_TOKEN (src/config.ts), so a shorter one cannot be the seller's.
  if (settings.apiToken !== undefined && settings.apiToken.length < 24)
    problems.push("the kgkit API token must be at least 24 characters (the seller's KGKIT_API_TOKEN)");
  return problems;
}

/** Each family's endpoint; a family without a URL is left out (its scenarios say what is missing). */
export function sellerEndpoints(settings: SellerSettings): SellerEndpoints {
  const kit = { url: settings.saasUrl, key: settings.kitKey ?? settings.key };
  return {
    'saas-v2': { url: settings.saasUrl, key: settings.key },
    'kit-v2': kit,
    'kit-v1': kit,
    ...(settings.saasV1Url ? { 'saas-v1': { url: settings.saasV1Url, key: settings.key } } : {}),
    ...(settings.licenseCodeUrl ? { 'license-code': { url: settings.licenseCodeUrl, key: settings.licenseCodeKey ?? settings.key } } : {}),
    ...(settings.onlineLicenseUrl ? { 'online-license': { url: settings.onlineLicenseUrl, key: settings.key } } : {}),
    ...(settings.orderNotifyUrl ? { 'order-notify': { url: settings.orderNotifyUrl, key: settings.orderNotifyKey ?? settings.key } } : {}),
  };
}
