import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { canonicalUsageBody, signUsagePush, verifyUsagePush, type UsagePushHeaders } from '../../src/crypto/usage-signature.js';

// Expected values come from test/fixtures/crypto/UsagePush.java (JDK only: its own JSON reader, TreeMap at every level,
// javax.crypto.Mac, java.util.Base64); OpenSSL gives the same signatures (test/fixtures/crypto/README.md). The same
// program is the independent verifier run live below when `java` is on PATH.
interface UsageCase {
  name: string;
  accessKey: string;
  ts: string;
  nonce: string;
  rawBody: string;
  canonicalBody: string;
  signatureOverCanonical: string;
  signatureOverRaw: string;
}

const { cases } = JSON.parse(readFileSync(new URL('../fixtures/crypto/usage-fixtures.json', import.meta.url), 'utf8')) as { cases: UsageCase[] };

describe.each(cases)('$name', (c) => {
  const now = Number(c.ts);

  it('canonicalUsageBody equals the Java TreeMap form', () => {
    expect(canonicalUsageBody(JSON.parse(c.rawBody))).toBe(c.canonicalBody);
  });

  it('signUsagePush sends the canonical body with the Java signature', () => {
    expect(signUsagePush(c.accessKey, JSON.parse(c.rawBody), now, c.nonce)).toEqual({
      body: c.canonicalBody,
      headers: { signature: c.signatureOverCanonical, ts: c.ts, nonce: c.nonce },
    });
  });

  it('verifyUsagePush accepts the Java signatures over the raw body and over its canonical form', () => {
    for (const signature of [c.signatureOverCanonical, c.signatureOverRaw]) {
      expect(verifyUsagePush(c.accessKey, { signature, ts: c.ts, nonce: c.nonce }, c.rawBody, now)).toEqual({ ok: true });
    }
    expect(verifyUsagePush(c.accessKey, { signature: c.signatureOverCanonical, ts: c.ts, nonce: c.nonce }, c.canonicalBody, now)).toEqual({ ok: true });
  });
});

describe('the body kgkit sends is the same under every plausible server canonicalisation', () => {
  const sortKeys = (o: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

  it.each(cases)('$name', (c) => {
    const { body } = signUsagePush(c.accessKey, JSON.parse(c.rawBody), Number(c.ts), c.nonce);
    const parsed = JSON.parse(body) as Record<string, unknown>;
    expect(JSON.stringify(parsed)).toBe(body); // raw bytes re-serialised in received order
    expect(JSON.stringify(sortKeys(parsed))).toBe(body); // top level sorted
    expect(canonicalUsageBody(parsed)).toBe(body); // every level sorted
  });

  it('usage_value stays a decimal string and nothing is escaped that need not be', () => {
    const body = { usage_records: [{ usage_value: '0.0001', instance_id: '实例-1', metering_sn: 'SN/1' }] };
    expect(canonicalUsageBody(body)).toBe('{"usage_records":[{"instance_id":"实例-1","metering_sn":"SN/1","usage_value":"0.0001"}]}');
  });
});

describe('canonicalUsageBody refuses what JSON cannot carry', () => {
  it.each([
    ['NaN', { a: Number.NaN }],
    ['Infinity', [Number.POSITIVE_INFINITY]],
    ['a bigint', { a: 1n }],
    ['a function', { a: () => 1 }],
    ['a symbol', { a: Symbol('s') }],
    ['undefined in an array', [undefined]],
    ['a Date', { a: new Date(0) }],
    ['a Map', new Map()],
    ['undefined itself', undefined],
  ])('%s', (_, value) => {
    expect(() => canonicalUsageBody(value)).toThrow(TypeError);
  });

  it('leaves out members whose value is undefined, keeps null', () => {
    expect(canonicalUsageBody({ b: undefined, a: null })).toBe('{"a":null}');
  });
});

describe('signUsagePush', () => {
  it('uses a fresh UUID nonce and the time in milliseconds by default', () => {
    const a = signUsagePush('k', { usage_records: [] }, 1_763_715_601_234.9);
    const b = signUsagePush('k', { usage_records: [] }, 1_763_715_601_234.9);
    expect(a.headers.ts).toBe('1763715601234');
    expect(a.headers.nonce).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.headers.nonce).not.toBe(b.headers.nonce);
    expect(a.headers.signature).not.toBe(b.headers.signature);
  });

  it.each([
    ['an empty key', () => signUsagePush('', {}, 0, 'n')],
    ['a time that is not a number', () => signUsagePush('k', {}, Number.NaN, 'n')],
    ['a negative time', () => signUsagePush('k', {}, -1, 'n')],
    ['an empty nonce', () => signUsagePush('k', {}, 0, '')],
    ['a nonce of 65 characters', () => signUsagePush('k', {}, 0, 'n'.repeat(65))],
    ['a nonce with a blank', () => signUsagePush('k', {}, 0, 'a b')],
    ['a nonce with a line break', () => signUsagePush('k', {}, 0, 'a\nb')],
  ])('throws on %s', (_, sign) => {
    expect(sign).toThrow(TypeError);
  });
});

describe('verifyUsagePush refuses, with its code and without throwing', () => {
  const c = cases.find((x) => x.signatureOverCanonical !== x.signatureOverRaw && x.rawBody.includes('usage_records'))!;
  const now = Number(c.ts);
  const good: UsagePushHeaders = { signature: c.signatureOverRaw, ts: c.ts, nonce: c.nonce };
  const sig = good.signature;
  const otherSig = `${sig.slice(0, 10)}${sig[10] === 'A' ? 'B' : 'A'}${sig.slice(11)}`;

  const table: [string, Partial<Record<keyof UsagePushHeaders, string | undefined>>, string, number, 'MKT.0102' | 'MKT.0154'][] = [
    ['no ts', { ...good, ts: undefined }, c.rawBody, now, 'MKT.0154'],
    ['an empty ts', { ...good, ts: '' }, c.rawBody, now, 'MKT.0154'],
    ['a ts in seconds (stale)', { ...good, ts: String(Math.floor(now / 1000)) }, c.rawBody, now, 'MKT.0154'],
    ['a ts with a sign', { ...good, ts: `+${c.ts}` }, c.rawBody, now, 'MKT.0154'],
    ['a ts with a fraction', { ...good, ts: `${c.ts}.5` }, c.rawBody, now, 'MKT.0154'],
    ['a ts of 21 digits', { ...good, ts: '1'.repeat(21) }, c.rawBody, now, 'MKT.0154'],
    ['a ts 61 s old', good, c.rawBody, now + 61_000, 'MKT.0154'],
    ['a ts 61 s ahead', good, c.rawBody, now - 61_000, 'MKT.0154'],
    ['a clock that is not a number', good, c.rawBody, Number.NaN, 'MKT.0154'],
    ['no nonce', { ...good, nonce: undefined }, c.rawBody, now, 'MKT.0154'],
    ['an empty nonce', { ...good, nonce: '' }, c.rawBody, now, 'MKT.0154'],
    ['a nonce of 65 characters', { ...good, nonce: 'n'.repeat(65) }, c.rawBody, now, 'MKT.0154'],
    ['no signature', { ...good, signature: undefined }, c.rawBody, now, 'MKT.0154'],
    ['an empty signature', { ...good, signature: '' }, c.rawBody, now, 'MKT.0154'],
    ['headers that are not strings', { ...good, ts: Number(c.ts) as unknown as string }, c.rawBody, now, 'MKT.0154'],
    ['another signature', { ...good, signature: otherSig }, c.rawBody, now, 'MKT.0102'],
    ['a signature without padding', { ...good, signature: sig.replace(/=$/, '') }, c.rawBody, now, 'MKT.0102'],
    ['a signature with URL-safe Base64 characters', { ...good, signature: `-_${sig.slice(2)}` }, c.rawBody, now, 'MKT.0102'],
    ['a signature in hex', { ...good, signature: Buffer.from(sig, 'base64').toString('hex') }, c.rawBody, now, 'MKT.0102'],
    ['a signature with a blank', { ...good, signature: ` ${sig}` }, c.rawBody, now, 'MKT.0102'],
    ['one changed character of the body', good, c.rawBody.replace('SN-2', 'SN-9'), now, 'MKT.0102'],
    ['a record added to the body', good, c.rawBody.replace(/\]\s*\}$/, ',{}]}'), now, 'MKT.0102'],
    ['a body that is not JSON', good, `${c.rawBody}}`, now, 'MKT.0102'],
    ['an empty body', good, '', now, 'MKT.0102'],
    ['another nonce', { ...good, nonce: `${c.nonce}x` }, c.rawBody, now, 'MKT.0102'],
    ['another ts within the window', { ...good, ts: String(now + 1) }, c.rawBody, now, 'MKT.0102'],
  ];

  it.each(table)('%s', (_, headers, body, at, code) => {
    let result: ReturnType<typeof verifyUsagePush> | undefined;
    expect(() => (result = verifyUsagePush(c.accessKey, headers, body, at))).not.toThrow();
    expect(result).toMatchObject({ ok: false, code });
  });

  it('another key is an invalid body sign; no key at all is an authentication failure', () => {
    expect(verifyUsagePush(`${c.accessKey}x`, good, c.rawBody, now)).toMatchObject({ ok: false, code: 'MKT.0102' });
    expect(verifyUsagePush('', good, c.rawBody, now)).toMatchObject({ ok: false, code: 'MKT.0154' });
  });

  it('a body that is not text is refused', () => {
    expect(verifyUsagePush(c.accessKey, good, Buffer.from(c.rawBody) as unknown as string, now)).toMatchObject({ ok: false, code: 'MKT.0102' });
  });

  it('accepts at the edges of the window, and a wider window when asked', () => {
    expect(verifyUsagePush(c.accessKey, good, c.rawBody, now + 60_000)).toEqual({ ok: true });
    expect(verifyUsagePush(c.accessKey, good, c.rawBody, now - 60_000)).toEqual({ ok: true });
    expect(verifyUsagePush(c.accessKey, good, c.rawBody, now + 300_000, 300_000)).toEqual({ ok: true });
  });
});

// UsagePush.java verifies independently with the JDK; run live with a fresh push when java is installed.
const hasJava = spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0;
const usagePushJava = fileURLToPath(new URL('../fixtures/crypto/UsagePush.java', import.meta.url));

function javaVerify(dir: string, key: string, headers: UsagePushHeaders, body: string, now: number): string {
  const file = join(dir, `body-${randomBytes(4).toString('hex')}.json`);
  writeFileSync(file, body, 'utf8');
  const run = spawnSync('java', [usagePushJava, 'verify', key, headers.ts, headers.nonce, headers.signature, file, String(now)], { encoding: 'utf8' });
  return run.stdout.trim();
}

describe('live cross-check with UsagePush.java', () => {
  it.runIf(hasJava)(
    'a push signed by signUsagePush is accepted by the independent verifier; tampering is refused',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'kgkit-usage-'));
      try {
        const key = `live-${randomBytes(8).toString('hex')}`;
        const now = Date.now();
        const records = Array.from({ length: 3 }, (_, i) => ({
          usage_value: (i + 1.5).toFixed(4),
          metering_sn: randomBytes(16).toString('hex'),
          instance_id: `inst-${i} 实例 "q"`,
          record_time: '20261121T090500Z',
          begin_time: '20261121T080000Z',
          end_time: '20261121T090000Z',
          ...(i === 2 ? { relate_pkg_instance: 'pkg-1' } : {}),
        }));
        const { body, headers } = signUsagePush(key, { usage_records: records }, now);
        expect(javaVerify(dir, key, headers, body, now)).toBe('accepted');
        expect(javaVerify(dir, key, headers, body.replace('1.5000', '2.5000'), now)).toMatch(/^refused MKT\.0102/);
        expect(javaVerify(dir, key, headers, body, now + 61_000)).toMatch(/^refused MKT\.0154/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );

  it.runIf(hasJava)(
    'a push signed by UsagePush.java over an unsorted body is accepted by verifyUsagePush',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'kgkit-usage-'));
      try {
        const key = `live-${randomBytes(8).toString('hex')}`;
        const ts = String(Date.now());
        const nonce = randomBytes(16).toString('hex');
        const raw = `{"usage_records":[{"usage_value":"7","instance_id":"${randomBytes(8).toString('hex')}","metering_sn":"SN"}]}`;
        const file = join(dir, 'body.json');
        writeFileSync(file, raw, 'utf8');
        const [canonical = '', signature = ''] = execFileSync('java', [usagePushJava, 'sign', key, ts, nonce, file], { encoding: 'utf8' }).trim().split('\n');
        expect(canonical).toBe(canonicalUsageBody(JSON.parse(raw)));
        expect(verifyUsagePush(key, { signature, ts, nonce }, raw, Number(ts))).toEqual({ ok: true });
        expect(verifyUsagePush(key, { signature, ts, nonce }, canonical, Number(ts))).toEqual({ ok: true });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
