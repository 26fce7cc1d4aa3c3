import type { SimClock } from './clock.js';
import type { MarketplaceState } from './marketplace-api.js';
import type { SimulatorModel } from './model.js';
import { SCENARIOS } from './scenarios/index.js';
import { SDR_CODES } from './sdr-checks.js';
import type { SellerEndpoints } from './seller.js';

const LATEST = 300;

/** Everything the page shows, as JSON: newest first where lists grow. Keys are never included. */
export function snapshot({
  model,
  marketplace,
  clock,
  wallNow,
  endpoints,
}: {
  model: SimulatorModel;
  marketplace: { state: MarketplaceState };
  clock: SimClock;
  wallNow: () => number;
  endpoints: SellerEndpoints;
}) {
  const usage = [...marketplace.state.usage.values(), ...marketplace.state.duplicates].sort((a, b) => b.acceptedAt - a.acceptedAt);
  return {
    now: clock.now(),
    speed: clock.speed,
    sellerNow: wallNow(),
    seller: Object.fromEntries(Object.entries(endpoints).map(([family, endpoint]) => [family, endpoint!.url])),
    scenarios: Object.entries(SCENARIOS).map(([name, scenario]) => ({
      name,
      summary: scenario.summary,
      available: scenario.families.every((family) => endpoints[family] !== undefined),
    })),
    runs: [...model.runs.values()].reverse(),
    orders: [...model.orders.values()].reverse().map(({ orderInfo: _orderInfo, ...order }) => order),
    instances: [...model.instances.values()].reverse(),
    products: [...model.products.values()],
    calls: model.calls.slice(-LATEST).reverse(),
    usage: usage.slice(0, LATEST).map(({ record, acceptedAt, sdr, validatedAt }) => ({
      ...record,
      acceptedAt,
      ...(validatedAt !== undefined ? { validatedAt } : {}),
      state: sdr.state,
      ...(sdr.state === 'invalid' ? { code: sdr.code, meaning: SDR_CODES[sdr.code], reason: sdr.reason } : {}),
    })),
    uploads: [...marketplace.state.uploads]
      .reverse()
      .map((upload) => ({ ...upload, content: upload.content.length > 200 ? `${upload.content.slice(0, 200)}…` : upload.content })),
    openApi: marketplace.state.requests.slice(-LATEST).reverse(),
    violations: marketplace.state.violations.slice(-LATEST),
  };
}

export type Snapshot = ReturnType<typeof snapshot>;
