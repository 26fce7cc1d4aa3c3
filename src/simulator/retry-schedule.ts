import type { SellerFamily } from '../conformance/driver.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * How the marketplace repeats a call that failed (no answer in 5 s, not HTTP 200, a result code other than success,
 * an answer outside the contract): docs/decisions.md#marketplace-retries (each row with its Huawei page).
 */
export interface RetryPlan {
  /** Time between two attempts. */
  everyMs: number;
  /** Attempts after the first one. */
  retries: number;
  /** When the retries run out: the order fails and is unsubscribed, or only the call is marked failed. */
  exhausted: 'order-failed' | 'call-failed';
  /** The order is judged failed this long after the first attempt (online License: retried 2 h, failed after 3 h). */
  failOrderAfterMs?: number;
  /** The schedule in words, for the page. */
  summary: string;
}

const plan = (everyMs: number, retries: number, exhausted: RetryPlan['exhausted'], summary: string, failOrderAfterMs?: number): RetryPlan => ({
  everyMs,
  retries,
  exhausted,
  summary,
  ...(failOrderAfterMs !== undefined ? { failOrderAfterMs } : {}),
});

const CREATE = plan(HOUR, 3, 'order-failed', 'hourly for 3 h, then the order fails and is unsubscribed');
// V1 text says 1 h; the interval is not documented, "hourly" is taken from the create row (https://support.huaweicloud.com/intl/zh-cn/accessg-marketplace/zh-cn_topic_0182376880.html).
const UPDATE = plan(HOUR, 1, 'call-failed', 'again after 1 h, then failed (restart by hand)');
const NO_RETRY = plan(0, 0, 'call-failed', 'no automatic retry: the buyer decides to resend');

/** The retry plan of a call the marketplace makes to the seller. */
export function retryPlanOf(family: SellerFamily, handler: string): RetryPlan {
  switch (family) {
    case 'saas-v2':
    case 'saas-v1':
      if (handler === 'newInstance' || handler === 'upgradeInstance' || handler === 'upgrade') return CREATE;
      if (handler === 'queryInstance' || handler === 'changeInstanceCheck') return plan(0, 0, 'call-failed', 'no retry: the buyer is waiting for the answer');
      return UPDATE;
    case 'online-license':
      if (handler === 'newInstance')
        return plan(2 * MINUTE, 60, 'order-failed', 'every 2 min for 2 h; the order fails and is unsubscribed after 3 h', 3 * HOUR);
      if (handler === 'releaseInstance') return UPDATE;
      // refresh, status and (our choice, undocumented) getLicenseAsync: 2 h, every 2 min like the create.
      return plan(2 * MINUTE, 60, 'call-failed', 'every 2 min for 2 h, then failed');
    case 'license-code':
      return plan(2 * MINUTE, 60, 'call-failed', '60 more times, every 2 min, then failed');
    case 'order-notify':
      return plan(HOUR, 3, 'call-failed', 'hourly for 3 h, then failed');
    case 'kit-v2':
    case 'kit-v1':
      return NO_RETRY;
  }
}

/** While newInstance answered 000004, the marketplace asks queryInstance until the instance is ready (interval ours). */
export const PROVISIONING_POLL: RetryPlan = plan(5 * MINUTE, 36, 'order-failed', 'queryInstance every 5 min for 3 h until the instance is ready');
