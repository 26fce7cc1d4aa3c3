import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import type { MarketplaceAnswer } from '../../src/marketplace/answer.js';
import { LicenseUploads, licenseUploadStatus } from '../../src/license-uploads/license-uploads.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';

type Answer = MarketplaceAnswer<unknown>;
const accepted: Answer = { ok: true, status: 200, code: 'CBC.0000', data: { error_code: 'CBC.0000', error_msg: 'Success' } };
const refused = (code: string, status = 200): Answer => ({ ok: false, status, code, message: `refused with ${code}` });

describe.each(DIALECTS)('License uploads on %s', (dialect) => {
  let store: TestStore;
  let clock: number;
  let answers: Answer[];
  let sent: { eventId: string; license: string }[];
  let uploads: LicenseUploads;
  const make = () =>
    new LicenseUploads({
      db: store.db,
      upload: async (eventId, license) => {
        sent.push({ eventId, license });
        return answers.shift() ?? accepted;
      },
      logger: silentLogger,
      now: () => clock,
      firstRetryMs: 10_000,
    });
  const request = async (eventId: string, test = false) =>
    store.db
      .insertInto('license_requests')
      .values({
        event_id: eventId,
        fingerprint_key: '',
        device_fingerprint: null,
        instance_id: `inst-${eventId}`,
        effective_at: clock,
        expires_at: null,
        license: `LICENSE-OF-${eventId}`,
        upload_state: 'pending',
        test_flag: test ? 1 : 0,
        requested_at: clock,
      })
      .execute();

  beforeEach(async () => {
    store = await openTestStore(dialect);
    clock = Date.UTC(2026, 10, 21, 9, 0, 0);
    answers = [];
    sent = [];
    uploads = make();
  });
  afterEach(async () => store.dispose());

  it('uploads each issued License once it is accepted', async () => {
    await request('ev-1');
    await request('ev-2');
    expect(await uploads.runDue()).toBe(2);
    expect(await uploads.runDue()).toBe(0);
    expect(sent).toEqual([
      { eventId: 'ev-1', license: 'LICENSE-OF-ev-1' },
      { eventId: 'ev-2', license: 'LICENSE-OF-ev-2' },
    ]);
    expect((await licenseUploadStatus(store.db)).counts).toEqual({ pending: 0, uploaded: 2, rejected: 0, skipped: 0 });
    expect((await licenseUploadStatus(store.db)).items[0]).toMatchObject({ state: 'uploaded', attempts: 1, uploadedAt: clock, code: 'CBC.0000' });
  });

  it.each([
    ['the marketplace unreachable', { ok: false, status: 0, code: 'UNREACHABLE', message: 'no answer' } as Answer],
    ['an internal error', refused('CBC.0999', 500)],
    ['an inner error', refused('91381036')],
    ['an authentication failure the seller can fix', refused('CBC.0150', 403)],
    ['a missing role', refused('91380150')],
  ])('retries with backoff after %s', async (_, answer) => {
    await request('ev-1');
    answers = [answer, answer];
    await uploads.runDue();
    expect((await licenseUploadStatus(store.db)).items[0]).toMatchObject({ state: 'pending', attempts: 1, code: answer.code, nextAttemptAt: clock + 10_000 });
    clock += 9_999;
    expect(await uploads.runDue()).toBe(0);
    clock += 1;
    await uploads.runDue();
    expect((await licenseUploadStatus(store.db)).items[0]).toMatchObject({ state: 'pending', attempts: 2, nextAttemptAt: clock + 20_000 });
    clock += 20_000;
    await uploads.runDue();
    expect((await licenseUploadStatus(store.db)).items[0]).toMatchObject({ state: 'uploaded', attempts: 3 });
  });

  it.each(['CBC.0101', '91381033', '91381034', '91381035', '91381037', '91381038'])('stops at a final refusal %s, and says so', async (code) => {
    await request('ev-1');
    answers = [refused(code)];
    await uploads.runDue();
    clock += 3_600_000;
    expect(await uploads.runDue()).toBe(0);
    expect((await licenseUploadStatus(store.db)).items[0]).toMatchObject({ state: 'rejected', attempts: 1, code, error: `refused with ${code}` });
  });

  it('does not upload the License of a debug application (testFlag "1")', async () => {
    await request('ev-test', true);
    await uploads.runDue();
    expect(sent).toEqual([]);
    expect((await licenseUploadStatus(store.db)).items[0]).toMatchObject({ state: 'skipped' });
  });

  it('sends each License from one replica at a time', async () => {
    for (let i = 0; i < 10; i++) await request(`ev-${i}`);
    const other = make();
    await Promise.all([uploads.runDue(), other.runDue(), uploads.runDue(), other.runDue()]);
    expect(sent).toHaveLength(10);
    expect(new Set(sent.map((s) => s.eventId)).size).toBe(10);
  });
});
