/**
 * The interface families in the order of README.md's "Interface families" table: the order of the API reference's index
 * (scripts/docs.ts) and of the mock's ports (scripts/mock.ts). test/docs/family-order.test.ts keeps the two in step.
 */
export const FAMILY_ORDER: readonly string[] = [
  'saas-v2',
  'kit-v2',
  'kit-v1',
  'saas-v1',
  'license-code',
  'online-license',
  'order-notify',
  'kgkit',
  'oauth',
  'marketplace',
];

/** `families` in README order; a family the table does not list yet goes last, alphabetically. */
export function inReadmeOrder(families: readonly string[]): string[] {
  const rank = (family: string) => {
    const index = FAMILY_ORDER.indexOf(family);
    return index === -1 ? FAMILY_ORDER.length : index;
  };
  return [...families].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}
