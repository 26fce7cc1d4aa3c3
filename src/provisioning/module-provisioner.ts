import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ChangePolicy, Provisioner } from './provisioner.js';

const HOOKS = ['create', 'refresh', 'setFrozen', 'release', 'upgrade'] as const;

/**
 * Loads the seller's own provisioner from a module (TypeScript or JavaScript) that exports `provisioner` (every hook
 * of the Provisioner interface) and, optionally, `changePolicy`. Checked at start-up, so a wrong module stops the
 * server with a clear message instead of failing the first order.
 */
export async function loadProvisionerModule(path: string): Promise<{ provisioner: Provisioner; changePolicy?: ChangePolicy }> {
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(pathToFileURL(resolve(path)).href)) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`PROVISIONER_MODULE ${path} could not be loaded: ${(error as Error).message}`);
  }
  const provisioner = loaded.provisioner as Record<string, unknown> | undefined;
  const missing = HOOKS.filter((hook) => typeof provisioner?.[hook] !== 'function');
  if (missing.length > 0) throw new Error(`PROVISIONER_MODULE ${path} must export \`provisioner\` with ${missing.join(', ')}`);
  if (loaded.changePolicy !== undefined && typeof loaded.changePolicy !== 'function') {
    throw new Error(`PROVISIONER_MODULE ${path}: \`changePolicy\`, when exported, must be a function`);
  }
  return {
    provisioner: provisioner as unknown as Provisioner,
    ...(loaded.changePolicy ? { changePolicy: loaded.changePolicy as ChangePolicy } : {}),
  };
}
