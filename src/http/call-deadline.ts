import type { Context, MiddlewareHandler } from 'hono';
import { withDeadline } from '../time/deadline.js';

/**
 * KooGallery waits 5 s for an answer and then counts the call as failed
 * (https://support.huaweicloud.com/eu/accessg-marketplace/en-us_topic_000006.html). kgkit answers by 4.5 s whatever
 * holds the call up (a hung database, a slow disk): 000005 ("retry later") goes out at the deadline and the work goes
 * on, which is safe because every marketplace call is idempotent (docs/decisions.md#14). PROVISION_BUDGET_MS stays
 * below it, so a slow provisioning still answers 000004 first.
 */
export const CALL_DEADLINE_MS = 4_500;

export function callDeadline({ ms = CALL_DEADLINE_MS, answer }: { ms?: number; answer: (c: Context) => Response | Promise<Response> }): MiddlewareHandler {
  return async function callDeadlineMiddleware(c, next) {
    // What the work does later is the audit trail's and the log's; its answer has nobody to go to.
    if (!(await withDeadline(ms, () => next())).done) return answer(c);
  };
}
