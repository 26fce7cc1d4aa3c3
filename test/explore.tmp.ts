import { runConformance } from '../src/conformance/runner.js';
import { KIT_PUBLIC_KEY_PEM } from './fixtures/broken-sellers/index.js';
import { startIndependentSeller } from './support/independent-seller.js';
const mode = (process.argv[2] ?? 'good') as 'good' | 'sample';
const faults = process.argv.slice(3) as never[];
const seller = await startIndependentSeller(mode, faults);
for (const profile of ['default', 'strict'] as const) {
  const report = await runConformance({ endpoints: seller.endpoints, kitPublicKeyPem: KIT_PUBLIC_KEY_PEM, profile });
  console.log(`== ${mode} ${faults.join(',')} ${profile}: ${JSON.stringify(report.summary)}`);
  for (const r of report.results.filter((r) => r.status !== 'pass')) console.log(`${r.status} ${r.id}\n   ${r.reasons.slice(0, 3).join('\n   ')}`);
  if (profile === 'default') {
    const warns = new Map<string, number>();
    for (const r of report.results) for (const w of r.warnings) { const k = w.replace(/^[^:]*: /, '').replace(/[0-9A-F]{16}…/, 'N').slice(0, 110); warns.set(k, (warns.get(k) ?? 0) + 1); }
    for (const [k, n] of [...warns].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${n} × ${k}`);
  }
}
await seller.close();
