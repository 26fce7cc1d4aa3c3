/** ISO 8601 of an epoch-ms time. */
export const iso = (ms: number) => new Date(ms).toISOString();

/** The object without its null and undefined members (the contract leaves absent what kgkit does not know). */
export const defined = <T extends object>(value: T) =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)) as { [K in keyof T]: Exclude<T[K], null> };

/** A list's page: `limit` (100 by default) and `offset` (0 by default) as the contract's query strings carry them. */
export const page = (query: { limit?: string; offset?: string }, defaultLimit = 100) => ({
  limit: Number(query.limit ?? defaultLimit),
  offset: Number(query.offset ?? 0),
});

/** Text cut to `max` characters, the last of them `…`, so that it fits the contract's maxLength. */
export const cut = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);
