/**
 * The two levels of a contract (docs/decisions.md#16): the plain schema keywords are Huawei's; kgkit's stricter ones
 * sit in an `x-kgkit-strict` object on the schema they tighten, with a `why`. These functions make the views the
 * runtime and the conformance runner validate against. They copy; the document given is never changed.
 */

export const STRICT = 'x-kgkit-strict';

export type Level = 'huawei' | 'kgkit';

type Node = Record<string, unknown>;

/** The keywords of an `x-kgkit-strict` object that tighten the schema (its `why` is for readers). */
function strictKeywords(node: Node, only?: readonly string[]): Node | undefined {
  const strict = node[STRICT];
  if (typeof strict !== 'object' || strict === null) return undefined;
  const keywords = Object.entries(strict as Node).filter(([name]) => name !== 'why' && (only === undefined || only.includes(name)));
  return keywords.length === 0 ? undefined : Object.fromEntries(keywords);
}

function merged(value: unknown, only: readonly string[] | undefined): unknown {
  if (Array.isArray(value)) return value.map((item) => merged(item, only));
  if (typeof value !== 'object' || value === null) return value;
  const node = value as Node;
  const copy: Node = {};
  for (const [name, child] of Object.entries(node)) copy[name] = name === STRICT ? child : merged(child, only);
  const keywords = strictKeywords(node, only);
  return keywords ? { ...copy, ...keywords } : copy;
}

/** The document at `level`: Huawei's is the document itself; kgkit's merges every `x-kgkit-strict` into its schema. */
export function atLevel<T>(document: T, level: Level): T {
  return level === 'huawei' ? document : (merged(document, undefined) as T);
}

/**
 * Huawei's level with only kgkit's closed objects added: a request valid at Huawei's level that this view refuses
 * carries fields the contract does not name, and the refusals name them.
 */
export function closedView<T>(document: T): T {
  return merged(document, ['additionalProperties']) as T;
}

/** The same value without the object properties that are `null` (docs/decisions.md#16: null counts as absent). */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (typeof value !== 'object' || value === null) return value;
  const copy: Node = {};
  for (const [name, child] of Object.entries(value as Node)) if (child !== null) copy[name] = withoutNulls(child);
  return copy;
}

/** Whether `value` holds a `null` object property anywhere (cheap test before copying). */
export function holdsNull(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(holdsNull);
  if (typeof value !== 'object' || value === null) return false;
  return Object.values(value as Node).some((child) => child === null || holdsNull(child));
}
