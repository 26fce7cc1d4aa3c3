/**
 * PostgreSQL text cannot hold U+0000 (SQLite can), and the contracts leave many strings free-form (names, some IDs): a
 * request carrying one is refused before anything stores it, on either database, so that both answer alike. True when
 * a member name or string value anywhere in `value` holds U+0000 (walked with a list: bodies nest up to 1000 deep).
 */
export function holdsNul(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === 'string' && next.includes('\u0000')) return true;
    if (typeof next !== 'object' || next === null) continue;
    for (const [name, member] of Object.entries(next)) {
      if (name.includes('\u0000')) return true;
      pending.push(member);
    }
  }
  return false;
}

/** Why the store cannot hold `request`, or undefined: the `screen` of every mount (src/runtime/contract-runtime.ts). */
export function unstorable(request: unknown): string | undefined {
  return holdsNul(request) ? 'body holds U+0000, which kgkit cannot store' : undefined;
}
