import type { SellerFamily } from './families.js';
import type { Tamper } from './signing.js';

// One marketplace → seller call and its answer, as the driver sends and receives them and the checks judge them.

/** The marketplace's timeout per call (https://support.huaweicloud.com/eu/accessg-marketplace/en-us_topic_000006.html). */
export const DEFAULT_TIMEOUT_MS = 5_000;

export interface SellerEndpoint {
  /** The production URL of the family as configured in Seller Console, e.g. http://127.0.0.1:8080/saas (the Kit
   *  families get the SaaS production URL: the driver appends /produceAPI[/v2]/<operation>). */
  url: string;
  /** The access key bound to that interface type. */
  key: string;
}

export interface SellerCall {
  family: SellerFamily;
  /** The activity (basic families, SaaS V1.0) or the Kit operation (tenantSync, …). */
  handler: string;
  /** The JSON body; for SaaS V1.0 the query parameters (strings). Sent as given, then signed like the marketplace. */
  body: Record<string, unknown>;
  /** Raw bytes to send instead of JSON.stringify(body) (bad-input cases); signed as they are unless tampered. */
  raw?: string;
  tamper?: Tamper;
  /** Default 5000, the marketplace's. */
  timeoutMs?: number;
  now?: number;
}

export interface SellerAnswer {
  request: { method: string; url: string; headers: Record<string, string>; body: string };
  /** 0 when no answer (then `error` says why). */
  status: number;
  headers: Record<string, string>;
  text: string;
  json?: unknown;
  durationMs: number;
  error?: string;
}
