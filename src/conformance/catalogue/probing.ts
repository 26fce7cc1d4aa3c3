import type { CaseRun, ConformanceCase, ProductType, Step } from '../case.js';
import type { SellerFamily } from '../families.js';

// Probing (拨测, https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649414.html): while a product is on sale, the marketplace re-runs its saved debug cases
// (testFlag "1") twice a day, with the same bodies, in no guaranteed order. Each must succeed every time.

export interface ProbingProfile {
  family: SellerFamily;
  productType: ProductType;
  /** The saved debug cases, in the order the seller debugged them; built once, re-sent as they are. */
  savedCases(run: CaseRun): Promise<Step[]>;
  /** Answers that count as success besides 000000, per handler (newInstance's 000004 carries the instance too). */
  alsoSuccess?: Record<string, string[]>;
}

export function probingCase({ family, productType, savedCases, alsoSuccess = {} }: ProbingProfile): ConformanceCase {
  return {
    id: `${family}.idempotency.probing`,
    family,
    productType,
    kind: 'idempotency',
    title: 'saved debug cases (testFlag "1") re-run like probing, in any order, all succeed again',
    steps: [
      'debug the saved cases once, in the seller console order',
      'probe: re-run the same requests in reverse order',
      'probe: re-run them once more starting from the middle',
      'every answer succeeds; every newInstance answers the instanceId of the first run',
    ],
    async run(run) {
      const saved = await savedCases(run);
      const middle = Math.floor(saved.length / 2);
      const rounds = [saved, [...saved].reverse(), [...saved.slice(middle), ...saved.slice(0, middle)]];
      const firstInstance = new Map<string, unknown>();
      for (const [index, round] of rounds.entries()) {
        for (const step of round) {
          const label = `${step.label ?? step.handler} (${index === 0 ? 'debug run' : `probe ${index}`})`;
          const reply = await run.send({ ...step, label });
          const ok = reply.code === '000000' || (reply.code !== undefined && (alsoSuccess[step.handler] ?? []).includes(reply.code));
          if (!ok) {
            run.check(false, run.rules.repeatable, `${label} answered ${reply.describe()}; a saved debug case must succeed on every run`);
            continue;
          }
          const instanceId = reply.field('instanceId');
          if (instanceId === undefined) continue;
          const key = step.label ?? step.handler;
          if (!firstInstance.has(key)) firstInstance.set(key, instanceId);
          else
            run.check(
              firstInstance.get(key) === instanceId,
              run.rules.sameInstance,
              `${label} got instanceId ${String(instanceId)}, the debug run got ${String(firstInstance.get(key))}`,
            );
        }
      }
    },
  };
}
