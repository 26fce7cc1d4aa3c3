import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './servers.js';

/**
 * Wall time of `make gen`, run in a scratch copy of the contracts and the generator (node_modules linked), so the
 * bench never rewrites generated/ in the working tree.
 */
export function timeMakeGen(): number {
  const scratch = mkdtempSync(join(tmpdir(), 'kgkit-bench-gen-'));
  try {
    for (const entry of ['Makefile', 'package.json', 'tsconfig.json', 'redocly.yaml', 'scripts', 'openapi', 'generated']) {
      cpSync(join(ROOT, entry), join(scratch, entry), { recursive: true });
    }
    symlinkSync(join(ROOT, 'node_modules'), join(scratch, 'node_modules'));
    const started = performance.now();
    execFileSync('make', ['--no-print-directory', 'gen'], { cwd: scratch, stdio: 'pipe' });
    return (performance.now() - started) / 1000;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
