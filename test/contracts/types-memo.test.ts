import { beforeAll, describe, expect, it } from 'vitest';
import { bundleText } from '../../scripts/lean-bundle.js';
import { sameTypesFile, typesFile } from '../../scripts/types-memo.js';

const HEADER = '// header\n';
const contract = (description: string) => ({
  openapi: '3.1.0',
  info: { title: 't', version: '1' },
  paths: {},
  components: { schemas: { Name: { type: 'string', description } } },
});
const one = contract('first meaning');
const other = contract('second meaning');

describe('types.ts, made by openapi-typescript only when its bundle changed', () => {
  let made: string;
  beforeAll(async () => {
    made = await typesFile(HEADER, one, bundleText(one), undefined);
  });

  it('says which versions made it from which bundle, after the header', () => {
    expect(made).toMatch(/^\/\/ header\n\/\/ openapi-typescript \S+, typescript \S+, sha256:[0-9a-f]{64}\n\/\* eslint-disable \*\/\n\n/);
    expect(made).toContain('first meaning');
  });

  it('reuses the types of a file made from the same bundle text (not running the tool on the document)', async () => {
    expect(await typesFile(HEADER, other, bundleText(one), made)).toBe(made);
  });

  it('makes them again when the bundle changed', async () => {
    const again = await typesFile(HEADER, other, bundleText(other), made);
    expect(again).toContain('second meaning');
    expect(again).not.toContain('first meaning');
  });

  it('makes them again when the types were edited by hand, or the digest was', async () => {
    expect(await typesFile(HEADER, one, bundleText(one), made.replace('first meaning', 'edited'))).toBe(made);
    expect(await typesFile(HEADER, one, bundleText(one), made.replace(/sha256:./, 'sha256:x'))).toBe(made);
  });

  it('writes the header it is given', async () => {
    expect(await typesFile('// another header\n', one, bundleText(one), made)).toBe(made.replace(HEADER, '// another header\n'));
  });

  it.each([
    ['the same file', (file: string) => file, true],
    ['types edited by hand', (file: string) => file.replace('first meaning', 'edited'), false],
    [
      'made by other versions, the same types',
      (file: string) => file.replace(/openapi-typescript \S+,/, 'openapi-typescript 0.0.1,').replace(/sha256:\w+/, `sha256:${'0'.repeat(64)}`),
      true,
    ],
    [
      'made by other versions, other types',
      (file: string) => file.replace(/openapi-typescript \S+,/, 'openapi-typescript 0.0.1,').replace('first meaning', 'edited'),
      false,
    ],
    ['without its versions line', (file: string) => file.replace(/^\/\/ openapi-typescript.*\n/m, ''), false],
  ])('make gen-check finds %s up to date: %s', (_name, change, same) => {
    expect(sameTypesFile(change(made), made)).toBe(same);
  });
});
