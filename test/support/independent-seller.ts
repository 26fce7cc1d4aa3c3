import { type ChildProcess, spawn } from 'node:child_process';
import type { SellerEndpoint, SellerFamily } from '../../src/conformance/driver.js';

// The independent seller (test/independent-seller/seller.py, Python's standard library, written from Huawei's pages
// and not from kgkit's code) as a child process, with the endpoints `kgkit conformance` needs.

export const INDEPENDENT_KEYS = {
  basic: 'indep-basic-key-0123456789',
  kit: 'indep-kit-key-0123456789',
  licenseCode: 'indep-license-code-key-01',
  orderNotify: 'indep-order-notify-key-01',
};

/** The families it serves (not the V1 ones). */
export const INDEPENDENT_FAMILIES = ['saas-v2', 'kit-v2', 'license-code', 'online-license', 'order-notify'] as const satisfies readonly SellerFamily[];

export type IndependentMode = 'good' | 'sample';
export type IndependentFault = 'forged-signature' | 'new-id-on-resend' | 'production-000005';

export interface IndependentSeller {
  endpoints: Partial<Record<SellerFamily, SellerEndpoint>>;
  /** What it wrote on stderr (one line per request). */
  log(): string;
  close(): Promise<void>;
}

export async function startIndependentSeller(mode: IndependentMode = 'good', faults: IndependentFault[] = []): Promise<IndependentSeller> {
  const args = ['test/independent-seller/seller.py', '--port', '0', '--key', INDEPENDENT_KEYS.basic, '--kit-key', INDEPENDENT_KEYS.kit];
  args.push('--license-code-key', INDEPENDENT_KEYS.licenseCode, '--order-notify-key', INDEPENDENT_KEYS.orderNotify, '--mode', mode);
  for (const fault of faults) args.push('--broken', fault);
  const child: ChildProcess = spawn('python3', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-200_000)));
  const base = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`the independent seller did not start within 10 s:\n${stderr}`)), 10_000);
    child.once('exit', (code) => reject(new Error(`the independent seller stopped (exit ${code}):\n${stderr}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
  });
  return {
    endpoints: independentEndpoints(base),
    log: () => stderr,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Where the independent seller at `base` serves each family, with the key bound to it. */
export function independentEndpoints(base: string): Partial<Record<SellerFamily, SellerEndpoint>> {
  const at = (path: string, key: string): SellerEndpoint => ({ url: `${base}${path}`, key });
  return {
    'saas-v2': at('/saas', INDEPENDENT_KEYS.basic),
    'kit-v2': at('/saas', INDEPENDENT_KEYS.kit),
    'license-code': at('/license-code', INDEPENDENT_KEYS.licenseCode),
    'online-license': at('/license', INDEPENDENT_KEYS.basic),
    'order-notify': at('/order-notify', INDEPENDENT_KEYS.orderNotify),
  };
}
