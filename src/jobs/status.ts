/** Where a kind's items stand: how many are in each state, and the newest that match the filter. */
export interface JobStatus<State extends string, View> {
  counts: Record<State, number>;
  items: View[];
}

/** How a kind counts and lists its items (each from its own table, mapped to its own view). */
export interface JobListing<State extends string, View, Filter> {
  states: readonly State[];
  count(filter: Filter): Promise<Map<State, number>>;
  newest(filter: Filter, limit: number): Promise<View[]>;
}

export const MAX_LISTED = 10_000;

/** The status the kgkit API and the CLI show; `limit` (100 by default) is held to 1..10000. */
export async function jobStatus<State extends string, View, Filter>(
  listing: JobListing<State, View, Filter>,
  filter: Filter & { limit?: number },
): Promise<JobStatus<State, View>> {
  const limit = Math.min(Math.max(Math.trunc(filter.limit ?? 100) || 100, 1), MAX_LISTED);
  const [byState, items] = await Promise.all([listing.count(filter), listing.newest(filter, limit)]);
  const counts = Object.fromEntries(listing.states.map((state) => [state, byState.get(state) ?? 0])) as Record<State, number>;
  return { counts, items };
}
