import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogue } from '../../src/conformance/catalogue/index.js';
import { SELLER_FAMILIES } from '../../src/conformance/families.js';
import { type ConformanceReport, applicableCases, runConformance } from '../../src/conformance/runner.js';
import { KIT_PUBLIC_KEY_PEM, type RunningSeller, startSeller } from '../fixtures/broken-sellers/index.js';

// The whole catalogue against kgkit's own server (every family, a real port, SQLite): all of it passes, and again.

const failures = (report: ConformanceReport) => report.results.filter((r) => r.status !== 'pass').map((r) => `${r.status} ${r.id}: ${r.reasons.join(' | ')}`);

describe('the conformance catalogue', () => {
  it('has unique ids, every family, every product type and every kind of case', () => {
    const cases = catalogue();
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
    expect(new Set(cases.map((c) => c.family))).toEqual(new Set(SELLER_FAMILIES));
    expect(new Set(cases.map((c) => c.productType))).toEqual(
      new Set(['yearly-monthly', 'one-time', 'pay-per-use', 'package', 'trial', 'joint-operation', 'license', 'any']),
    );
    for (const family of SELLER_FAMILIES) {
      expect([family, new Set(cases.filter((c) => c.family === family).map((c) => c.kind))]).toEqual([
        family,
        new Set(['lifecycle', 'idempotency', 'security', 'bad-input']),
      ]);
    }
    for (const c of cases) expect(c.steps.length, c.id).toBeGreaterThan(0);
  });

  describe("against kgkit's own server", () => {
    let seller: RunningSeller;
    beforeAll(async () => {
      seller = await startSeller();
    });
    afterAll(async () => {
      await seller.close();
    });

    it('passes every case, every answer within 5 s, and passes again on a second run (fresh IDs)', { timeout: 120_000 }, async () => {
      const first = await runConformance({ endpoints: seller.endpoints, kitPublicKeyPem: KIT_PUBLIC_KEY_PEM });
      expect(failures(first)).toEqual([]);
      expect(first.results.map((r) => r.id)).toEqual(applicableCases({ endpoints: seller.endpoints }).map((c) => c.id));
      // The License-code and order-notification keys are their own: only the basic families replay on each other's path.
      expect(first.results.filter((r) => r.id.endsWith('.replayed-elsewhere')).map((r) => r.id)).toEqual([
        'saas-v2.security.replayed-elsewhere',
        'online-license.security.replayed-elsewhere',
      ]);
      expect(first.summary.slowestMs).toBeLessThan(5_000);

      const second = await runConformance({ endpoints: seller.endpoints, kitPublicKeyPem: KIT_PUBLIC_KEY_PEM });
      expect(failures(second)).toEqual([]);
      expect(second.runTag).not.toBe(first.runTag);
    });

    it("skips the Kit cases that need the seller's public key when none is given, and says why", async () => {
      const report = await runConformance({
        endpoints: { 'kit-v2': seller.endpoints['kit-v2'] },
        only: (c) => c.id.includes('joint-operation') || c.id.includes('idempotency'),
      });
      const skipped = report.results.filter((r) => r.status === 'skip');
      expect(skipped.map((r) => r.id)).toEqual([
        'kit-v2.joint-operation.debug',
        'kit-v2.joint-operation.production',
        'kit-v2.joint-operation.credential-application',
      ]);
      expect(skipped[0]!.reasons).toEqual([expect.stringContaining('--kit-public-key')]);
      expect(failures(report).filter((line) => !line.startsWith('skip'))).toEqual([]);
      expect(report.families.find((f) => f.family === 'saas-v2')).toEqual({ family: 'saas-v2', skipped: 'no URL given', cases: 0 });
    });
  });
});
