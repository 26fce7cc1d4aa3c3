import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MarketplaceApi } from '../../src/marketplace/client.js';

// Issue 4, done when: "a usage push signed by the client is accepted by an independent verifier". The push is the
// client's own request, captured on the wire (headers and body bytes), checked by test/fixtures/crypto/UsagePush.java
// (JDK only, no code shared with src/). Without java on PATH the committed fixtures of test/crypto cover the signer.
const hasJava = spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0;
const verifier = fileURLToPath(new URL('../fixtures/crypto/UsagePush.java', import.meta.url));

describe('the usage push on the wire', () => {
  it.runIf(hasJava)(
    'is accepted by the independent Java verifier, attempt after attempt',
    async () => {
      const key = 'usage-push-key-for-the-java-check';
      const captured: { headers: Headers; body: string }[] = [];
      let calls = 0;
      const api = new MarketplaceApi({
        hosts: ['https://mkt.myhuaweicloud.com'],
        accessKey: key,
        retries: 1,
        backoffMs: 1,
        fetch: async (request) => {
          captured.push({ headers: request.headers, body: await request.text() });
          calls += 1;
          // The first attempt fails: the retry must be signed again (new ts and nonce) and still verify.
          return calls === 1
            ? Response.json({ error_code: 'MKT.0999', error_msg: 'System internal error.' }, { status: 500 })
            : Response.json({ error_code: 'MKT.0000', error_msg: 'Success.' });
        },
      });
      const record = {
        instance_id: '7f141bf1-aec8-4859-8323-fb3a8ad50721',
        record_time: '20261121T100500Z',
        begin_time: '20261121T090000Z',
        end_time: '20261121T100000Z',
        usage_value: '99.125',
        metering_sn: 'f3b1c2d4e5a6478990abcdef01234567',
        relate_pkg_instance: '套餐-1',
      };
      expect(await api.pushUsage([record])).toEqual({ kind: 'accepted' });
      expect(captured).toHaveLength(2);
      expect(captured[0]!.headers.get('nonce')).not.toBe(captured[1]!.headers.get('nonce'));
      const dir = mkdtempSync(join(tmpdir(), 'kgkit-push-'));
      try {
        for (const [i, { headers, body }] of captured.entries()) {
          const file = join(dir, `body-${i}.json`);
          writeFileSync(file, body, 'utf8');
          const run = spawnSync(
            'java',
            [verifier, 'verify', key, headers.get('ts')!, headers.get('nonce')!, headers.get('signature')!, file, String(Date.now())],
            { encoding: 'utf8' },
          );
          expect(run.stdout.trim()).toBe('accepted');
          const forged = spawnSync(
            'java',
            [verifier, 'verify', 'another-key-entirely', headers.get('ts')!, headers.get('nonce')!, headers.get('signature')!, file, String(Date.now())],
            { encoding: 'utf8' },
          );
          expect(forged.stdout.trim()).toMatch(/^refused MKT\.0102/);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
