import { type CaseOptions, type CaseRun, type ConformanceCase, MODES, type Mode, type ProductType } from '../case.js';
import type { SellerFamily } from '../families.js';

/** A product type's happy lifecycle after its instance was created. */
export interface Lifecycle {
  productType: ProductType;
  name: string;
  title: string;
  steps: string[];
  /** Why the lifecycle cannot run with these options, if it cannot (e.g. the seller offers no upgrades). */
  unmet?: (options: CaseOptions) => string | undefined;
  then(run: CaseRun, instanceId: string, mode: Mode): Promise<void>;
}

/**
 * Two cases per product type, one in each mode: the seller console's debug calls (testFlag "1") and the production
 * calls of real orders. A seller that answers debug calls without doing anything, as Huawei's sample does, passes the
 * first; only the second shows whether the production path works.
 */
export function lifecycleCases(family: SellerFamily, lifecycles: Lifecycle[], create: (run: CaseRun, mode: Mode) => Promise<string>): ConformanceCase[] {
  return lifecycles.flatMap((lifecycle) =>
    MODES.map(
      (mode): ConformanceCase => ({
        id: `${family}.${lifecycle.name}.${mode}`,
        family,
        productType: lifecycle.productType,
        kind: 'lifecycle',
        title: `${lifecycle.title} (${mode === 'debug' ? 'debug calls, testFlag "1"' : 'production calls'})`,
        steps: lifecycle.steps,
        ...(lifecycle.unmet ? { unmet: lifecycle.unmet } : {}),
        async run(run) {
          await lifecycle.then(run, await create(run, mode), mode);
        },
      }),
    ),
  );
}

/** Huawei marks upgradeInstance and changeInstanceCheck optional: a product that never changes specification has neither. */
export const needsUpgrades = (options: CaseOptions): string | undefined =>
  options.noUpgrade ? 'the seller offers no specification changes (--no-upgrade): upgradeInstance and changeInstanceCheck are optional' : undefined;
