import type { CaseRun, ConformanceCase, ProductType } from '../case.js';
import type { SellerFamily } from '../families.js';

/** A product type's happy lifecycle after its instance was created. */
export interface Lifecycle {
  productType: ProductType;
  name: string;
  title: string;
  steps: string[];
  then(run: CaseRun, instanceId: string): Promise<void>;
}

/** One lifecycle case per product type: create an instance, then go through its lifecycle. */
export function lifecycleCases(family: SellerFamily, lifecycles: Lifecycle[], create: (run: CaseRun) => Promise<string>): ConformanceCase[] {
  return lifecycles.map((lifecycle) => ({
    id: `${family}.${lifecycle.name}.lifecycle`,
    family,
    productType: lifecycle.productType,
    kind: 'lifecycle',
    title: lifecycle.title,
    steps: lifecycle.steps,
    async run(run) {
      await lifecycle.then(run, await create(run));
    },
  }));
}
