/**
 * Every Open API call comes back as data, never as an exception: the marketplace's own code and message, or
 * `UNREACHABLE` (status 0) when no host answered after the transport's retries.
 */
export type MarketplaceAnswer<T> = { ok: true; status: number; code: string; data: T } | { ok: false; status: number; code: string; message: string };

export const UNREACHABLE = 'UNREACHABLE';

export function unreachable(message: string): MarketplaceAnswer<never> {
  return { ok: false, status: 0, code: UNREACHABLE, message };
}
