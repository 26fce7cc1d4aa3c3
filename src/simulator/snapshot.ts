import type { SimClock } from './clock.js';
import type { AcceptedUsage, MarketplaceState, UsageDelivery } from './marketplace-api.js';
import type { SimulatorModel } from './model.js';
import type { SellerProduct } from './product.js';
import { SCENARIOS } from './scenarios/index.js';
import { SDR_CODES } from './sdr-checks.js';
import type { SellerEndpoints } from './seller.js';
import { deliveriesOf, formatUnits, usageUnits } from './usage-values.js';

const LATEST = 300;

/** Everything the page shows, as JSON: newest first where lists grow. Keys are never included. */
export function snapshot({
  model,
  marketplace,
  clock,
  wallNow,
  endpoints,
  product,
}: {
  model: SimulatorModel;
  marketplace: { state: MarketplaceState };
  clock: SimClock;
  wallNow: () => number;
  endpoints: SellerEndpoints;
  product?: SellerProduct;
}) {
  const usage = [...marketplace.state.usage.values(), ...marketplace.state.duplicates].sort((a, b) => b.acceptedAt - a.acceptedAt);
  const { deliveries } = marketplace.state;
  const usageRow = ({ record, acceptedAt, sdr, validatedAt }: AcceptedUsage) => ({
    ...record,
    acceptedAt,
    ...(validatedAt !== undefined ? { validatedAt } : {}),
    state: sdr.state,
    ...(sdr.state === 'invalid' ? { code: sdr.code, meaning: SDR_CODES[sdr.code], reason: sdr.reason } : {}),
    /** The accepted pushes that carried it. */
    deliveries: deliveries.filter((d) => d.outcome === 'accepted' && d.records.some((r) => r.meteringSn === record.metering_sn)).map((d) => d.id),
  });
  /** An instance's usage as the marketplace saw it: its records with their SDR state, and the pushes that carried them. */
  const usageOfInstance = (instanceId: string) => {
    const records = usage.filter((u) => u.record.instance_id === instanceId || u.record.relate_pkg_instance === instanceId);
    const valid = records.filter((u) => u.sdr.state === 'valid').reduce((sum, u) => sum + (usageUnits(u.record.usage_value) ?? 0n), 0n);
    return {
      records: records.map(usageRow),
      deliveries: deliveriesOf(deliveries, instanceId)
        .reverse()
        .map((d) => instanceDeliveryRow(d, instanceId)),
      /** The sum of its valid records: what the marketplace bills. */
      validTotal: formatUnits(valid),
    };
  };
  return {
    now: clock.now(),
    speed: clock.speed,
    sellerNow: wallNow(),
    seller: Object.fromEntries(Object.entries(endpoints).map(([family, endpoint]) => [family, endpoint!.url])),
    /** The seller's product API the simulator plays (pay-per-use records usage and seals it now); its token is not shown. */
    product: product ? { url: product.url } : null,
    scenarios: Object.entries(SCENARIOS).map(([name, scenario]) => ({
      name,
      summary: scenario.summary,
      available: scenario.families.every((family) => endpoints[family] !== undefined),
    })),
    runs: [...model.runs.values()].reverse(),
    orders: [...model.orders.values()].reverse().map(({ orderInfo: _orderInfo, ...order }) => order),
    instances: [...model.instances.values()].reverse().map((instance) => ({ ...instance, usage: usageOfInstance(instance.instanceId) })),
    products: [...model.products.values()],
    calls: model.calls.slice(-LATEST).reverse(),
    usage: usage.slice(0, LATEST).map(usageRow),
    deliveries: deliveries.slice(-LATEST).reverse().map(deliveryRow),
    uploads: [...marketplace.state.uploads]
      .reverse()
      .map((upload) => ({ ...upload, content: upload.content.length > 200 ? `${upload.content.slice(0, 200)}…` : upload.content })),
    openApi: marketplace.state.requests.slice(-LATEST).reverse(),
    violations: marketplace.state.violations.slice(-LATEST),
  };
}

/** A usage push for the page: how many records it carried, and the instances they were of (the first 20). */
function deliveryRow({ records, ...delivery }: UsageDelivery) {
  return { ...delivery, records: records.length, instanceIds: [...new Set(records.map((r) => r.instanceId))].slice(0, 20) };
}

/** A usage push, as one instance's: how many records it carried, and which were that instance's. */
function instanceDeliveryRow({ records, ...delivery }: UsageDelivery, instanceId: string) {
  const mine = records.filter((r) => r.instanceId === instanceId || r.relatePkgInstance === instanceId);
  return { ...delivery, records: records.length, meteringSns: mine.map((r) => r.meteringSn) };
}

export type Snapshot = ReturnType<typeof snapshot>;
