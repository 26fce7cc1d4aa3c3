import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LicenseCodeHooks } from '../license-code/license-codes.js';
import type { LicenseIssuer } from '../online-license/license-issuer.js';
import type { RecordResult, UsageEventInput } from '../usage/record.js';
import type { ChangePolicy, Provisioner } from '../instances/provisioner.js';

const HOOKS = ['create', 'refresh', 'setFrozen', 'release', 'upgrade'] as const;
const LICENSE_CODE_HOOKS = ['refresh', 'setFrozen', 'release'] as const;

const TYPESCRIPT = /\.[cm]?ts$/;
let registered: Promise<unknown> | undefined;

/**
 * The compiled server (`node dist/src/index.js`, scripts/build.ts) runs without tsx's loader, so a seller's module in
 * TypeScript gets it registered on demand; a JavaScript module loads without it. Running from source (a file of this
 * code ends in .ts), a loader for TypeScript is already there: tsx under `bin/kgkit`, vitest in the tests.
 */
function typescriptLoader(): Promise<unknown> {
  if (import.meta.url.endsWith('.ts')) return Promise.resolve();
  return (registered ??= import('tsx/esm/api').then(({ register }) => register()));
}

/** What a seller's module brings; only `provisioner` is required. */
export interface SellerModule {
  provisioner: Provisioner;
  changePolicy?: ChangePolicy;
  /** Issues online-open Licenses instead of kgkit's Ed25519-signed default. */
  licenseIssuer?: LicenseIssuer;
  /** Follows license-code renewals, freezes and releases. */
  licenseCodeHooks?: LicenseCodeHooks;
  /** Called once at start-up with what kgkit offers the product in the same process (record usage). */
  start?: (kgkit: KgkitServices) => void | Promise<void>;
}

/** What a seller's module may call in kgkit. */
export interface KgkitServices {
  /** Records usage of pay-per-use instances, idempotent by `eventId` (UsageMeter.record, src/usage/meter.ts). */
  recordUsage(events: readonly UsageEventInput[]): Promise<RecordResult[]>;
}

/**
 * Loads the seller's own code from a module (TypeScript or JavaScript) that exports `provisioner` (every hook of the
 * Provisioner interface) and, optionally, `changePolicy`, `licenseIssuer`, `licenseCodeHooks` and `start`. Checked at start-up,
 * so a wrong module stops the server with a clear message instead of failing the first order.
 */
export async function loadProvisionerModule(path: string): Promise<SellerModule> {
  let loaded: Record<string, unknown>;
  try {
    if (TYPESCRIPT.test(path)) await typescriptLoader();
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
  const issuer = loaded.licenseIssuer as Record<string, unknown> | undefined;
  if (issuer !== undefined && typeof issuer?.issue !== 'function')
    throw new Error(`PROVISIONER_MODULE ${path}: \`licenseIssuer\`, when exported, must have issue()`);
  if (loaded.start !== undefined && typeof loaded.start !== 'function')
    throw new Error(`PROVISIONER_MODULE ${path}: \`start\`, when exported, must be a function`);
  const codeHooks = loaded.licenseCodeHooks as Record<string, unknown> | undefined;
  const missingCodeHooks = codeHooks === undefined ? [] : LICENSE_CODE_HOOKS.filter((hook) => typeof codeHooks?.[hook] !== 'function');
  if (missingCodeHooks.length > 0) throw new Error(`PROVISIONER_MODULE ${path}: \`licenseCodeHooks\` must have ${missingCodeHooks.join(', ')}`);
  return {
    provisioner: provisioner as unknown as Provisioner,
    ...(loaded.changePolicy ? { changePolicy: loaded.changePolicy as ChangePolicy } : {}),
    ...(issuer ? { licenseIssuer: issuer as unknown as LicenseIssuer } : {}),
    ...(codeHooks ? { licenseCodeHooks: codeHooks as unknown as LicenseCodeHooks } : {}),
    ...(loaded.start ? { start: loaded.start as SellerModule['start'] } : {}),
  };
}
