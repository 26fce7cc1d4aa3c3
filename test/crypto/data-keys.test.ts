import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { DataKeys, SealedSecretError } from '../../src/crypto/data-keys.js';
import { looksSealed, seal, sealingKey } from '../../src/crypto/sealed.js';
import { kitFixtures } from '../support/kit.js';

const A = 'data-key-A-0123456789-0123456789-0123';
const B = 'data-key-B-0123456789-0123456789-0123';
const C = 'data-key-C-0123456789-0123456789-0123';

describe('data keys: the current one seals, the current then the previous ones open', () => {
  it('opens what the current key sealed, and says so', () => {
    const keys = new DataKeys({ dataKey: A });
    const value = keys.seal('pa55word');
    expect(keys.unseal(value)).toEqual({ plaintext: 'pa55word', current: true });
    expect(keys.open(value, 'x')).toBe('pa55word');
  });

  it('opens a value a previous key sealed, and says it is not the current one', () => {
    const value = new DataKeys({ dataKey: A }).seal('pa55word');
    expect(new DataKeys({ dataKey: B, previousDataKeys: [C, A] }).unseal(value)).toEqual({ plaintext: 'pa55word', current: false });
  });

  // The fixture was sealed by Java (test/fixtures/crypto/KitFixtures.java): rotation opens values of the v1 format as
  // an independent implementation writes them, not only as kgkit writes them.
  it.each(kitFixtures.sealed.map((c) => [c.name, c] as const))('opens the Java-sealed value %s under a previous key', (_name, c) => {
    expect(new DataKeys({ dataKey: C, previousDataKeys: [c.dataKey] }).unseal(c.value)).toEqual({ plaintext: c.plaintext, current: false });
  });

  it('refuses a value sealed under no configured key with an error naming the value and the setting, never the value', () => {
    const value = new DataKeys({ dataKey: A }).seal('pa55word');
    const keys = new DataKeys({ dataKey: B, previousDataKeys: [C] });
    expect(keys.unseal(value)).toBeUndefined();
    expect(() => keys.open(value, 'instances.app_info of instance i-1')).toThrow(SealedSecretError);
    const message = messageOf(() => keys.open(value, 'instances.app_info of instance i-1'));
    expect(message).toMatch(/^instances\.app_info of instance i-1 cannot be opened: .*KGKIT_DATA_KEY_PREVIOUS/);
    expect(message).not.toContain(value);
  });

  it('`derived:<access key>` names the key a server without KGKIT_DATA_KEY sealed with', () => {
    const value = new DataKeys(loadConfig({ KOOGALLERY_ACCESS_KEY: 'old-access-key-1' })).seal('s');
    const rotated = loadConfig({ KOOGALLERY_ACCESS_KEY: 'new-access-key-2', KGKIT_DATA_KEY: B, KGKIT_DATA_KEY_PREVIOUS: 'derived:old-access-key-1' });
    expect(new DataKeys(rotated).unseal(value)).toEqual({ plaintext: 's', current: false });
  });

  it.each([
    ['clear app_info JSON', JSON.stringify({ frontEndUrl: 'https://app.example.com/t/1', password: 'x' }), false],
    ['a clear refresh token', 'b0a4f1c2-7a5e-4a7e-9d0f-3b1c2d3e4f50', false],
    ['a JWT-like token starting with v1.', 'v1.eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig', false],
    ['too short to hold an IV and a tag', 'v1.AAAA', false],
    ['a sealed value', seal(sealingKey(A), ''), true],
  ])('tells a sealed value by its shape: %s', (_name, value, sealed) => expect(looksSealed(value)).toBe(sealed));
});

describe('KGKIT_DATA_KEY_PREVIOUS', () => {
  const KEY = { KOOGALLERY_ACCESS_KEY: 'test-access-key-0123456789' };

  it('is empty by default, and a comma-separated list of keys otherwise', () => {
    expect(loadConfig(KEY).previousDataKeys).toEqual([]);
    expect(loadConfig({ ...KEY, KGKIT_DATA_KEY: B, KGKIT_DATA_KEY_PREVIOUS: ` ${A} ,derived:old-access-key-1,` }).previousDataKeys).toEqual([
      A,
      'derived:old-access-key-1',
    ]);
  });

  it.each([
    [
      'a key shorter than 32 characters',
      { KGKIT_DATA_KEY: B, KGKIT_DATA_KEY_PREVIOUS: 'short-key' },
      /KGKIT_DATA_KEY_PREVIOUS: key 1 must be at least 32 characters/,
    ],
    ['the second key too short', { KGKIT_DATA_KEY: B, KGKIT_DATA_KEY_PREVIOUS: `${A},short-key` }, /KGKIT_DATA_KEY_PREVIOUS: key 2 must be at least 32/],
    [
      'derived: with an access key too short',
      { KGKIT_DATA_KEY: B, KGKIT_DATA_KEY_PREVIOUS: 'derived:abc' },
      /key 1 is derived:<access key> with an access key shorter than 8/,
    ],
    ['the current key itself', { KGKIT_DATA_KEY: B, KGKIT_DATA_KEY_PREVIOUS: B }, /key 1 is the current data key/],
    ['the derived current key itself', { KGKIT_DATA_KEY_PREVIOUS: `derived:${KEY.KOOGALLERY_ACCESS_KEY}` }, /key 1 is the current data key/],
  ])('refuses %s', (_name, env, message) => {
    expect(() => loadConfig({ ...KEY, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ ...KEY, ...env })).toThrow(message);
  });

  it('never repeats a key in its messages', () => {
    const message = messageOf(() => loadConfig({ ...KEY, KGKIT_DATA_KEY: B, KGKIT_DATA_KEY_PREVIOUS: `${B},short-secret-key` }));
    expect(message).toMatch(/key 1 is the current data key[\s\S]*key 2 must be at least 32/);
    expect(message).not.toContain(B);
    expect(message).not.toContain('short-secret-key');
  });
});

function messageOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error');
}
