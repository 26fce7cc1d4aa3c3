/**
 * How deep a body may nest. JSON.parse reads any depth, but the canonical payload, the audit trail and JSON.stringify
 * walk a body recursively and overflow the stack a few thousand levels down; 1000 is Jackson's default limit
 * (StreamReadConstraints.maxNestingDepth), far beyond any contract's nesting.
 */
const MAX_JSON_DEPTH = 1000;

/** The request body as a JSON object, or undefined (not UTF-8 JSON, not an object, or nested deeper than MAX_JSON_DEPTH). */
export function parseJsonObject(raw: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
    return typeof value === 'object' && value !== null && !Array.isArray(value) && !nestedDeeperThan(value, MAX_JSON_DEPTH)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Walked with a list, not recursion: the depth is what is being checked. */
function nestedDeeperThan(value: object, limit: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(node)) pending.push([child, depth + 1]);
  }
  return false;
}
