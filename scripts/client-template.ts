/** Renders generated/<family>/client.ts: an openapi-fetch client typed by the family's contract. */
const pascal = (s: string) => s.replace(/(^|[-_\s])(\w)/g, (_, __, c: string) => c.toUpperCase());

export function renderClient(family: string): string {
  const F = pascal(family);
  return `import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { paths } from './types.js';

export type ${F}Paths = paths;
export type ${F}Client = Client<paths>;

/** A client of the ${family} contract: errors come back as data (\`{ data } | { error }\`), \`fetch\` can be injected. */
export function create${F}Client(options: ClientOptions): ${F}Client {
  return createClient<paths>(options);
}
`;
}
