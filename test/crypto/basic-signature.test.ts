import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, expect } from 'vitest';
import { basicSignature, canonicalPayload, verifyBasicSignature } from '../../src/crypto/basic-signature.js';
import type { VerifyBasicSignatureInput } from '../../src/crypto/basic-signature.js';
import { fixtures, type BasicSignatureCase } from './fixtures.js';

// Expected values come from Java (test/fixtures/crypto/MakeFixtures.java): javax.crypto.Mac over a TreeMap payload.
const cases = fixtures.basicSignature;

function inputFor(c: BasicSignatureCase, signature: string): VerifyBasicSignatureInput {
  return {
    accessKey: c.accessKey,
    nonce: c.nonce,
    timestamp: c.timestamp,
    signature,
    rawBody: Buffer.from(c.body, 'utf8'),
    body: JSON.parse(c.body) as Record<string, unknown>,
  };
}

describe.each(cases)('$name', (c) => {
  it('canonicalPayload equals the Java TreeMap/Jackson form', () => {
    expect(canonicalPayload(JSON.parse(c.body) as Record<string, unknown>)).toBe(c.canonicalPayload);
  });

  it('basicSignature over the canonical payload and over the raw body equals Java', () => {
    expect(basicSignature(c.accessKey, c.nonce, c.timestamp, c.canonicalPayload)).toBe(c.signatureOverCanonical);
    expect(basicSignature(c.accessKey, c.nonce, c.timestamp, c.body)).toBe(c.signatureOverRaw);
    expect(basicSignature(c.accessKey, c.nonce, c.timestamp, Buffer.from(c.body, 'utf8'))).toBe(c.signatureOverRaw);
  });

  it('verifyBasicSignature accepts both forms, in either hex case', () => {
    for (const signature of [c.signatureOverCanonical, c.signatureOverRaw]) {
      expect(verifyBasicSignature(inputFor(c, signature))).toBe(true);
      expect(verifyBasicSignature(inputFor(c, signature.toLowerCase()))).toBe(true);
    }
  });

  it('accepts the raw-body signature without a parsed body', () => {
    const { body: _omitted, ...withoutBody } = inputFor(c, c.signatureOverRaw);
    expect(verifyBasicSignature(withoutBody)).toBe(true);
  });
});

describe('verifyBasicSignature rejects', () => {
  // Keys out of order, so the canonical and raw signatures differ.
  const c = cases.find((x) => x.signatureOverCanonical !== x.signatureOverRaw)!;
  const changedBody = c.body.replace('RENEWAL', 'RENEWAM');
  const good = inputFor(c, c.signatureOverCanonical);

  const table: [string, Partial<VerifyBasicSignatureInput>][] = [
    ['one changed byte of the body', { rawBody: Buffer.from(changedBody), body: JSON.parse(changedBody) as Record<string, unknown> }],
    ['another key', { accessKey: `${c.accessKey}x` }],
    ['another nonce', { nonce: c.nonce.replace(/^./, (ch) => (ch === '0' ? '1' : '0')) }],
    ['another timestamp', { timestamp: String(Number(c.timestamp) + 1) }],
    ['a truncated signature', { signature: c.signatureOverCanonical.slice(0, 63) }],
    ['a signature one char too long', { signature: `${c.signatureOverCanonical}0` }],
    ['a non-hex signature', { signature: `${c.signatureOverCanonical.slice(0, 63)}G` }],
    ['an empty signature', { signature: '' }],
    ['a signature with blanks', { signature: ` ${c.signatureOverCanonical.slice(1)}` }],
    ['a signature in Base64', { signature: Buffer.from(c.signatureOverCanonical, 'hex').toString('base64') }],
    ['a signature twice over', { signature: c.signatureOverCanonical.repeat(2) }],
    ['a missing signature', { signature: undefined as unknown as string }],
    ['the canonical signature without the parsed body', { body: undefined }],
  ];

  it.each(table)('%s, without throwing', (_, change) => {
    const input = { ...good, ...change };
    expect(() => verifyBasicSignature(input)).not.toThrow();
    expect(verifyBasicSignature(input)).toBe(false);
  });
});

describe('canonicalPayload beyond flat strings (docs/decisions.md#2: nested values as received)', () => {
  it('keeps nested order and nulls, writes numbers and booleans as JSON', () => {
    const body = JSON.parse('{"z":{"b":null,"a":[1,"x",true]},"y":0,"n":null,"m":false}') as Record<string, unknown>;
    expect(canonicalPayload(body)).toBe('{"m":false,"y":0,"z":{"b":null,"a":[1,"x",true]}}');
  });

  it('escapes control characters in nested strings the Jackson way (upper-case hex)', () => {
    expect(canonicalPayload({ a: { b: '\u001f\n' } })).toBe('{"a":{"b":"\\u001F\\n"}}');
  });
});

// SignRequest.java signs independently with the JDK; run live with a fresh timestamp when java is installed.
const hasJava = spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0;
const signRequestJava = fileURLToPath(new URL('../fixtures/crypto/SignRequest.java', import.meta.url));

describe('live cross-check with SignRequest.java', () => {
  it.runIf(hasJava)(
    'signs a fresh request exactly as basicSignature does',
    () => {
      const accessKey = `live-${randomBytes(8).toString('hex')}`;
      const nonce = randomBytes(32).toString('hex').toUpperCase();
      const timestamp = String(Date.now());
      const rawBody = JSON.stringify({
        testFlag: '1',
        orderLineId: 'CS2511210001LIVE-000001',
        activity: 'newInstance',
        customerName: '华为云 "测试"\\',
        orderId: 'CS2511210001LIVE',
        businessId: randomBytes(16).toString('hex'),
        memo: null,
      });
      const dir = mkdtempSync(join(tmpdir(), 'kgkit-sign-'));
      try {
        const file = join(dir, 'body.json');
        writeFileSync(file, rawBody, 'utf8');
        const signature = execFileSync('java', [signRequestJava, accessKey, nonce, timestamp, file], { encoding: 'utf8' }).trim();
        const body = JSON.parse(rawBody) as Record<string, unknown>;
        expect(signature).toBe(basicSignature(accessKey, nonce, timestamp, canonicalPayload(body)));
        expect(verifyBasicSignature({ accessKey, nonce, timestamp, signature, rawBody: Buffer.from(rawBody), body })).toBe(true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
