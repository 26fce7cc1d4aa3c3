/**
 * The bundled contract as generated/<family>/openapi.json keeps it: what the runtime, the tests, the mock and a
 * partner's tools read, without what only `make lint` reads. `make lint` bundles openapi/ afresh (scripts/contract.ts)
 * and reads these from the sources, and the reference (`make docs`) is built from openapi/ too.
 *
 * - Lint-only annotations go: `x-returned-by` and `x-kgkit-reported-in` (the registry's index of handlers per code,
 *   scripts/lint.ts), `x-kgkit-no-max-length` (why a string has no Huawei length, scripts/lint-levels.ts).
 * - The result-code registry keeps the codes the family's answers declare. Every code property is `allOf` the
 *   registry + `enum` of its codes, so the registry's other members never matched anything the family validates
 *   (and its example becomes the first code kept, when the family does not declare it).
 */
type Node = Record<string, unknown>;

export const LINT_ONLY = ['x-returned-by', 'x-kgkit-reported-in', 'x-kgkit-no-max-length'] as const;
const REGISTRY_REF = '#/components/schemas/ResultCode';

function withoutLintOnly(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutLintOnly);
  if (typeof value !== 'object' || value === null) return value;
  const copy: Node = {};
  for (const [name, child] of Object.entries(value)) if (!(LINT_ONLY as readonly string[]).includes(name)) copy[name] = withoutLintOnly(child);
  return copy;
}

/**
 * Every code an `allOf: [registry]` + `enum` declares, anywhere in the document; undefined when the registry is also
 * referenced some other way (then any of its codes may be valid there, and all stay).
 */
function declaredCodes(document: unknown): Set<unknown> | undefined {
  const codes = new Set<unknown>();
  let references = 0;
  let narrowed = 0;
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(walk);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const node = value as Node;
    if (node.$ref === REGISTRY_REF) references += 1;
    const narrowing = Array.isArray(node.allOf) ? node.allOf.filter((member) => (member as Node | null)?.$ref === REGISTRY_REF).length : 0;
    if (narrowing > 0 && Array.isArray(node.enum)) {
      narrowed += narrowing;
      for (const code of node.enum) codes.add(code);
    }
    Object.values(node).forEach(walk);
  };
  walk(document);
  return references === narrowed ? codes : undefined;
}

export function leanBundle<D extends object>(document: D): D {
  const lean = withoutLintOnly(document) as D & { components?: { schemas?: Record<string, Node> } };
  const registry = lean.components?.schemas?.ResultCode;
  const codes = declaredCodes(lean);
  if (registry && Array.isArray(registry.oneOf) && codes) {
    const kept = (registry.oneOf as Node[]).filter((entry) => codes.has(entry.const));
    registry.oneOf = kept;
    // The registry's example must stay one of its values (the Open APIs' codes do not include 000000).
    if (!codes.has(registry.example) && kept[0]) registry.example = kept[0].const;
  }
  return lean;
}

/** Where the JSON text breaks lines: the document's fields, each path, and each component of each kind. */
const brokenAt = (path: readonly string[]) =>
  path.length === 0 || (path.length === 1 && (path[0] === 'paths' || path[0] === 'components')) || (path.length === 2 && path[0] === 'components');

/**
 * The JSON text of a bundled contract, one entry a line: a change to the contracts shows in the diff as the paths and
 * components it changed, on a tenth of the lines a fully indented file takes (most of them closing brackets).
 */
export function bundleText(document: object, path: readonly string[] = [], indent = ''): string {
  if (!brokenAt(path) || Array.isArray(document)) return JSON.stringify(document);
  const entries = Object.entries(document).filter(([, value]) => value !== undefined);
  if (entries.length === 0) return '{}';
  const inner = `${indent}  `;
  const lines = entries.map(
    ([name, value]) =>
      `${inner}${JSON.stringify(name)}: ${typeof value === 'object' && value !== null ? bundleText(value, [...path, name], inner) : JSON.stringify(value)}`,
  );
  return `{\n${lines.join(',\n')}\n${indent}}`;
}
