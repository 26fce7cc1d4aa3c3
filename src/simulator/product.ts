import type { components } from '../../generated/kgkit/types.js';

type Schemas = components['schemas'];

/** An answer of the seller's product API: its body when it answered 000000, else why not in one line. */
export type ProductAnswer<T> = { ok: true; body: T } | { ok: false; error: string };

/**
 * The seller's own product, which the simulator may play when the seller is kgkit: it records usage as the product
 * would and asks kgkit to seal it now (docs/decisions.md#25), so that a pay-per-use scenario delivers usage in
 * simulated time. The marketplace has no such interface: this is kgkit's API (openapi/kgkit), with its token.
 */
export interface SellerProduct {
  /** Where its API answers (shown on the page; the token is not). */
  readonly url: string;
  recordUsage(events: Schemas['UsageEvent'][]): Promise<ProductAnswer<Schemas['RecordUsageResponse']>>;
  sealNow(instanceId: string): Promise<ProductAnswer<Schemas['SealUsageResponse']>>;
  /** The seller's view of the instance's usage records: what it sent, and the state of each. */
  usageRecords(instanceId: string): Promise<ProductAnswer<Schemas['ListUsageRecordsResponse']>>;
}

/** kgkit's API beside the seller's SaaS production URL (`/kgkit/v1/…` on the same server), with KGKIT_API_TOKEN. */
export function kgkitProduct({ saasUrl, token, timeoutMs = 30_000 }: { saasUrl: string; token: string; timeoutMs?: number }): SellerProduct {
  const base = new URL('/kgkit/v1/', saasUrl);

  async function call<T>(path: string, body?: unknown): Promise<ProductAnswer<T>> {
    let response: Response;
    try {
      response = await fetch(new URL(path, base), {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      return { ok: false, error: `kgkit's API at ${base.href} did not answer (${cause ?? (error as Error).message})` };
    }
    const text = await response.text().catch(() => '');
    let json: { resultCode?: unknown; resultMsg?: unknown } | undefined;
    try {
      json = JSON.parse(text) as typeof json;
    } catch {
      json = undefined;
    }
    if (response.status === 200 && json?.resultCode === '000000') return { ok: true, body: json as T };
    const said = json ? `${String(json.resultCode)} ${String(json.resultMsg ?? '')}` : text.slice(0, 200);
    const hint = response.status === 401 ? ' (is --api-token the seller’s KGKIT_API_TOKEN?)' : '';
    return { ok: false, error: `kgkit's API answered HTTP ${response.status} ${said}${hint}` };
  }

  return {
    url: base.href,
    recordUsage: (events) => call('usage-events', { events }),
    sealNow: (instanceId) => call('usage-records/seal', { instanceId }),
    usageRecords: (instanceId) => call(`usage-records?instanceId=${encodeURIComponent(instanceId)}&limit=1000`),
  };
}
