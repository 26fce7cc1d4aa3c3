import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { bundle, createConfig } from '@redocly/openapi-core';

export const ROOT = new URL('..', import.meta.url).pathname;

/** Every folder of openapi/ that holds a contract (openapi.yaml); `components` is shared, not a family. */
export function families(): string[] {
  return readdirSync(join(ROOT, 'openapi'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(ROOT, 'openapi', entry.name, 'openapi.yaml')))
    .map((entry) => entry.name)
    .sort();
}

/** One family's contract with every file reference pulled into `components`. */
export async function bundleContract(family: string): Promise<Record<string, unknown>> {
  const source = join(ROOT, 'openapi', family, 'openapi.yaml');
  const { bundle: bundled, problems } = await bundle({ ref: source, config: await createConfig({}), removeUnusedComponents: false });
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) throw new Error(`openapi/${family}: ${errors.map((p) => p.message).join('; ')}`);
  return bundled.parsed as Record<string, unknown>;
}
