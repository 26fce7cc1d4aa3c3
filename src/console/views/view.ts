import type { Language, Translate } from '../i18n/language.js';

/** What every page is rendered with: the operator's language, and where they are (for the language switch's way back). */
export interface View {
  t: Translate;
  lang: Language;
  /** The current page's path and query, under /console. */
  here: string;
}

/** A console URL with the given query, leaving out empty values. */
export function href(path: string, query: Record<string, string | number | undefined> = {}): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') search.set(name, String(value));
  return search.size > 0 ? `${path}?${search}` : path;
}

/** `2026-11-21T01:00:00.000Z` → `2026-11-21 01:00:00`. */
export const shortTime = (iso: string | undefined): string => (iso ? iso.replace('T', ' ').replace(/(\.\d+)?Z$/, '') : '—');

/** A usage record's wire time, `20261121T010000Z` → `2026-11-21 01:00`. */
export const wireTime = (text: string): string => text.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})\d{2}Z$/, '$1-$2-$3 $4:$5');

/** A usage record's wire time as ISO 8601, to sort a timeline. */
export const wireToIso = (text: string): string => text.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6.000Z');
