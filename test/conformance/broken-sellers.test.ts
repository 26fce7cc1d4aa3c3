import { afterEach, describe, expect, it } from 'vitest';
import { catalogue } from '../../src/conformance/catalogue/index.js';
import { type ConformanceReport, type RunOptions, runConformance } from '../../src/conformance/runner.js';
import { BROKEN_SELLERS, KIT_PUBLIC_KEY_PEM, type RunningSeller, type SellerFault, startSeller } from '../fixtures/broken-sellers/index.js';

// The catalogue fails against each deliberately broken seller, with a reason naming the fault and the rule it breaks,
// and only where the fault shows. A fault against one of kgkit's own rules (docs/decisions.md#16) is a warning in the
// default profile and a failure with --strict.

let seller: RunningSeller | undefined;
afterEach(async () => {
  await seller?.close();
  seller = undefined;
});

async function runAgainst(fault: SellerFault, only?: (id: string) => boolean, options: Partial<RunOptions> = {}): Promise<ConformanceReport> {
  // kgkit's own rules include refusing what its level refuses: --strict runs against STRICT_REQUESTS=true.
  seller = await startSeller(fault, { strictRequests: options.profile === 'strict' });
  return runConformance({ endpoints: seller.endpoints, kitPublicKeyPem: KIT_PUBLIC_KEY_PEM, ...(only ? { only: (c) => only(c.id) } : {}), ...options });
}

const failedIds = (report: ConformanceReport) => report.results.filter((r) => r.status === 'fail').map((r) => r.id);
const warnedIds = (report: ConformanceReport) => report.results.filter((r) => r.warnings.length > 0).map((r) => r.id);
const resultOf = (report: ConformanceReport, id: string) => report.results.find((r) => r.id === id)!;
const V2_CREATE = '(https://support.huaweicloud.com/intl/en-us/accessg-marketplace/topic_0070649092.html)';

describe('kgkit conformance against broken sellers', () => {
  it("(a) a new instanceId for a resent order: exactly the resent-order cases fail, naming both instanceIds and Huawei's rule", {
    timeout: 60_000,
  }, async () => {
    const report = await runAgainst(BROKEN_SELLERS['new-instance-id']!);
    expect(failedIds(report)).toEqual(['saas-v2.idempotency.resent-order', 'saas-v1.idempotency.resent-order', 'online-license.idempotency.resent-calls']);
    const reason = resultOf(report, 'saas-v2.idempotency.resent-order').reasons[0];
    expect(reason).toMatch(
      /^resent order CS\w+-000001 got instanceId [\w-]+, the first call got [\w-]+ — Huawei: the same orderId \+ orderLineId gets the same instanceId/,
    );
    expect(reason).toContain(V2_CREATE);
  });

  describe('(b) a replayed nonce accepted', () => {
    const replays = catalogue()
      .filter((c) => /\.security\.replayed-(nonce|token)$/.test(c.id))
      .map((c) => c.id);
    // The basic families bound to the basic key: the same call replayed on the other's path.
    const elsewhere = ['saas-v2.security.replayed-elsewhere', 'online-license.security.replayed-elsewhere'];
    const everyReplay = catalogue()
      .map((c) => c.id)
      .filter((id) => replays.includes(id) || elsewhere.includes(id));

    it('default profile: every replay case passes with a warning (Huawei: a seller *can* cache nonces), since the replay had no second effect', {
      timeout: 60_000,
    }, async () => {
      const report = await runAgainst(BROKEN_SELLERS['replayed-nonce']!);
      expect(replays).toHaveLength(7);
      expect(failedIds(report)).toEqual([]);
      expect(warnedIds(report)).toEqual(everyReplay);
      expect(resultOf(report, 'saas-v2.security.replayed-nonce').warnings).toEqual([
        expect.stringMatching(
          /^replayed nonce [0-9A-F]{16}… was accepted \(000000 \("success"\)\) — kgkit: a replayed nonce \(V1: authToken\) is refused with 000001 \(docs\/decisions\.md#4\)$/,
        ),
      ]);
    });

    it('--strict: exactly the replay cases fail, one per family and one per family sharing its key', { timeout: 60_000 }, async () => {
      const report = await runAgainst(BROKEN_SELLERS['replayed-nonce']!, undefined, { profile: 'strict' });
      expect(failedIds(report)).toEqual(everyReplay);
      expect(resultOf(report, 'saas-v2.security.replayed-elsewhere').reasons).toEqual([
        expect.stringMatching(
          /^newInstance replayed on the Online License path with nonce [0-9A-F]{16}… was answered .+, not 000001 — kgkit: a nonce accepted on one path is refused/,
        ),
      ]);
      expect(resultOf(report, 'kit-v1.security.replayed-token').reasons).toEqual([
        expect.stringMatching(/^replayed authToken \S+… was accepted \(000000 \("success"\)\) — kgkit:/),
      ]);
    });
  });

  describe('(c) an undeclared field in the answers', () => {
    const only = (id: string) => id.startsWith('saas-v2.') || id.startsWith('kit-v1.');

    it('default profile: nothing fails (an extra field is harmless to the marketplace); every case warns, naming the field', { timeout: 60_000 }, async () => {
      const report = await runAgainst(BROKEN_SELLERS['undeclared-field']!, only);
      expect(report.results.length).toBeGreaterThan(30);
      expect(failedIds(report)).toEqual([]);
      for (const result of report.results)
        expect(result.warnings, result.id).toContainEqual(
          expect.stringMatching(/: answer has undeclared field `traceId` — kgkit: answers carry only the fields/),
        );
    });

    it('--strict: every case fails on it', { timeout: 60_000 }, async () => {
      const report = await runAgainst(BROKEN_SELLERS['undeclared-field']!, only, { profile: 'strict' });
      for (const result of report.results) expect([result.id, result.status]).toEqual([result.id, 'fail']);
      expect(resultOf(report, 'saas-v2.yearly.debug').reasons[0]).toMatch(/^newInstance: answer has undeclared field `traceId` — kgkit:/);
    });
  });

  it('(d) 6 s to answer: the call fails with no answer within 5000 ms and the case stops there', { timeout: 30_000 }, async () => {
    const report = await runAgainst(BROKEN_SELLERS.slow!, (id) => id === 'saas-v2.yearly.debug');
    const [result] = report.results;
    expect(result).toMatchObject({
      id: 'saas-v2.yearly.debug',
      status: 'fail',
      reasons: [expect.stringMatching(/^newInstance: no answer within 5000 ms — Huawei: KooGallery waits 5 s/)],
    });
    expect(result!.calls).toHaveLength(1);
  });
});
