import { afterEach, describe, expect, it } from 'vitest';
import { catalogue } from '../../src/conformance/catalogue/index.js';
import { type ConformanceReport, runConformance } from '../../src/conformance/runner.js';
import { BROKEN_SELLERS, KIT_PUBLIC_KEY_PEM, type RunningSeller, type SellerFault, startSeller } from '../fixtures/broken-sellers/index.js';

// The "done when": the catalogue fails against each deliberately broken seller, with a reason naming the
// fault, and only where the fault shows.

let seller: RunningSeller | undefined;
afterEach(async () => {
  await seller?.close();
  seller = undefined;
});

async function runAgainst(fault: SellerFault, only?: (id: string) => boolean): Promise<ConformanceReport> {
  seller = await startSeller(fault);
  return runConformance({ endpoints: seller.endpoints, kitPublicKeyPem: KIT_PUBLIC_KEY_PEM, ...(only ? { only: (c) => only(c.id) } : {}) });
}

const failedIds = (report: ConformanceReport) => report.results.filter((r) => r.status === 'fail').map((r) => r.id);
const reasonsOf = (report: ConformanceReport, id: string) => report.results.find((r) => r.id === id)?.reasons ?? [];

describe('kgkit conformance against broken sellers', () => {
  it('(a) a new instanceId for a resent order: exactly the resent-order cases fail, naming both instanceIds', { timeout: 60_000 }, async () => {
    const report = await runAgainst(BROKEN_SELLERS['new-instance-id']!);
    expect(failedIds(report)).toEqual(['saas-v2.idempotency.resent-order', 'saas-v1.idempotency.resent-order', 'online-license.idempotency.resent-calls']);
    expect(reasonsOf(report, 'saas-v2.idempotency.resent-order')[0]).toMatch(/^resent order CS\w+-000001 got instanceId [\w-]+, first call got [\w-]+$/);
    expect(reasonsOf(report, 'online-license.idempotency.resent-calls')).toEqual([expect.stringMatching(/^resent order CS\w+-000001 got instanceId [\w-]+, first call got [\w-]+$/)]);
  });

  it('(b) a replayed nonce accepted: exactly the replay cases fail, one per family', { timeout: 60_000 }, async () => {
    const report = await runAgainst(BROKEN_SELLERS['replayed-nonce']!);
    const replays = catalogue().filter((c) => /\.security\.replayed-/.test(c.id)).map((c) => c.id);
    expect(replays).toHaveLength(7);
    expect(failedIds(report)).toEqual(replays);
    expect(reasonsOf(report, 'saas-v2.security.replayed-nonce')).toEqual([expect.stringMatching(/^replayed nonce [0-9A-F]{16}… was accepted \(000000 \("success"\)\); expected 000001 \(DECISIONS 4\)$/)]);
    expect(reasonsOf(report, 'kit-v1.security.replayed-token')).toEqual([expect.stringMatching(/^replayed authToken \S+… was accepted \(000000 \("success"\)\); expected 000001/)]);
  });

  it('(c) an undeclared field in the answers: every case fails on it, naming the field', { timeout: 60_000 }, async () => {
    const report = await runAgainst(BROKEN_SELLERS['undeclared-field']!, (id) => id.startsWith('saas-v2.') || id.startsWith('kit-v1.'));
    expect(report.results.length).toBeGreaterThan(30);
    for (const result of report.results) {
      expect([result.id, result.status]).toEqual([result.id, 'fail']);
      expect(result.reasons).toContainEqual(expect.stringMatching(/: answer has undeclared field `traceId`$/));
    }
    expect(reasonsOf(report, 'saas-v2.yearly.lifecycle')[0]).toBe('newInstance: answer has undeclared field `traceId`');
  });

  it('(d) 6 s to answer: the call fails with no answer within 5000 ms and the case stops there', { timeout: 30_000 }, async () => {
    const report = await runAgainst(BROKEN_SELLERS.slow!, (id) => id === 'saas-v2.yearly.lifecycle');
    const [result] = report.results;
    expect(result).toMatchObject({ id: 'saas-v2.yearly.lifecycle', status: 'fail', reasons: ['newInstance: no answer within 5000 ms'] });
    expect(result!.calls).toHaveLength(1);
  });
});
