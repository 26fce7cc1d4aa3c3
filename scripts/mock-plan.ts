/**
 * What `make mock` runs where: the families asked for (FAMILY, default every one) on consecutive ports from MOCK_PORT
 * (default 4010), in the order of README's "Interface families" table, and the table printed once they answer.
 * Bad settings are refused with one line that says what is valid (scripts/mock.ts exits 2 on them).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, families } from './contract.js';
import { inReadmeOrder } from './family-order.js';

export const DEFAULT_MOCK_PORT = 4010;

export interface MockPlanEntry {
  family: string;
  /** Where clients connect (every interface); Prism itself listens on a free loopback port. */
  port: number;
  /** The port and the path every operation of the contract starts with. */
  url: string;
  contract: string;
}

/** A setting `make mock` refuses: its message is the whole answer. */
export class MockSettingError extends Error {}

/**
 * The mocks to start. `requested`: family names (each may be a comma-separated list), none meaning every family;
 * `port`: the base port as given (MOCK_PORT), undefined for the default.
 */
export function mockPlan(requested: string[] | undefined, port: string | undefined, available: string[] = families()): MockPlanEntry[] {
  const valid = inReadmeOrder(available);
  const names = requested?.flatMap((value) => value.split(',')).map((name) => name.trim());
  const unknown = names?.filter((name) => !valid.includes(name)) ?? [];
  if (names?.length === 0 || unknown.length > 0)
    throw new MockSettingError(
      `mock: no family ${unknown.map((name) => JSON.stringify(name)).join(', ') || '""'}; FAMILY is one or more (comma-separated) of ${valid.join(', ')}`,
    );
  const chosen = names === undefined ? valid : inReadmeOrder([...new Set(names)]);
  const base = port === undefined ? DEFAULT_MOCK_PORT : /^[0-9]{1,5}$/.test(port.trim()) ? Number(port) : Number.NaN;
  const last = base + chosen.length - 1;
  if (!Number.isInteger(base) || base < 1 || last > 65_535)
    throw new MockSettingError(
      `mock: MOCK_PORT must be a port from 1 to ${65_536 - chosen.length} (the first of ${chosen.length} consecutive port${chosen.length === 1 ? '' : 's'}), got ${JSON.stringify(port)}`,
    );
  return chosen.map((family, i) => ({
    family,
    port: base + i,
    url: `http://localhost:${base + i}${pathPrefix(family)}`,
    contract: `openapi/${family}/openapi.yaml`,
  }));
}

/** The path segments every operation of the family's contract starts with (its bundled copy in generated/). */
function pathPrefix(family: string): string {
  let paths: string[];
  try {
    paths = Object.keys((JSON.parse(readFileSync(join(ROOT, 'generated', family, 'openapi.json'), 'utf8')) as { paths?: object }).paths ?? {});
  } catch {
    return '';
  }
  const split = paths.map((path) => path.split('/').filter(Boolean));
  const common: string[] = [];
  for (let i = 0; split.length > 0 && split.every((segments) => i < segments.length && segments[i] === split[0]![i] && !segments[i]!.includes('{')); i++)
    common.push(split[0]![i]!);
  return common.length === 0 ? '' : `/${common.join('/')}`;
}

/** The plan as an aligned table, for the terminal. */
export function mockTable(plan: MockPlanEntry[]): string {
  const rows = [['family', 'port', 'URL', 'contract'], ...plan.map((entry) => [entry.family, String(entry.port), entry.url, entry.contract])];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ')).join('\n');
}
