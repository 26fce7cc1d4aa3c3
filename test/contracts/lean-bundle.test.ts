import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LINT_ONLY, bundleText, leanBundle } from '../../scripts/lean-bundle.js';

const registry = {
  type: 'string',
  example: '000000',
  oneOf: [
    { const: '000000', title: 'Success', description: 'ok', 'x-returned-by': { a: ['x'] } },
    { const: '000002', title: 'Bad request', description: 'bad' },
    { const: 'MKT.0100', title: 'Elsewhere', description: 'another family' },
    { const: '001', title: 'Usage', description: 'reported', 'x-kgkit-reported-in': 'Seller Console' },
  ],
};
const narrowed = (...codes: string[]) => ({ allOf: [{ $ref: '#/components/schemas/ResultCode' }], enum: codes, description: 'd' });
const document = (answer: object, extra: object = {}) => ({
  openapi: '3.1.0',
  paths: {},
  components: {
    schemas: {
      ResultCode: registry,
      Answer: { type: 'object', properties: { resultCode: answer, name: { type: 'string', 'x-kgkit-no-max-length': 'why' } } },
      ...extra,
    },
  },
});
const lintOnlyKey = new RegExp(`"(${LINT_ONLY.join('|')})":`);
const codesOf = (doc: { components: { schemas: Record<string, unknown> } }) =>
  (doc.components.schemas.ResultCode as typeof registry).oneOf.map((entry) => entry.const);

describe('the lean bundle', () => {
  it('keeps the registry codes the answers declare, and drops the lint-only annotations', () => {
    const lean = leanBundle(document(narrowed('000000', '000002')));
    expect(codesOf(lean)).toEqual(['000000', '000002']);
    expect(JSON.stringify(lean)).not.toMatch(lintOnlyKey);
    expect(lean.components.schemas.Answer).toEqual({ type: 'object', properties: { resultCode: narrowed('000000', '000002'), name: { type: 'string' } } });
  });

  it('keeps the registry example one of its codes', () => {
    const lean = leanBundle(document(narrowed('MKT.0100')));
    expect(codesOf(lean)).toEqual(['MKT.0100']);
    expect((lean.components.schemas.ResultCode as typeof registry).example).toBe('MKT.0100');
  });

  it('keeps every code when the registry is also referenced without an enum', () => {
    const lean = leanBundle(document(narrowed('000000'), { Any: { $ref: '#/components/schemas/ResultCode' } }));
    expect(codesOf(lean)).toEqual(['000000', '000002', 'MKT.0100', '001']);
  });

  it('leaves the document it is given unchanged', () => {
    const given = document(narrowed('000000'));
    const before = structuredClone(given);
    leanBundle(given);
    expect(given).toEqual(before);
  });

  it('is written one document field, path and component a line, and reads back as it was', () => {
    const doc = {
      openapi: '3.1.0',
      info: { title: 't' },
      paths: { '/a': { post: {} }, '/b': {} },
      components: { schemas: { A: { type: 'string' } }, examples: {} },
    };
    const text = bundleText(doc);
    expect(text.split('\n')).toEqual([
      '{',
      '  "openapi": "3.1.0",',
      '  "info": {"title":"t"},',
      '  "paths": {',
      '    "/a": {"post":{}},',
      '    "/b": {}',
      '  },',
      '  "components": {',
      '    "schemas": {',
      '      "A": {"type":"string"}',
      '    },',
      '    "examples": {}',
      '  }',
      '}',
    ]);
    expect(JSON.parse(text)).toEqual(doc);
  });

  it.each(readdirSync(new URL('../../generated/', import.meta.url)))('generated/%s/openapi.json carries no lint-only annotation', (family) => {
    expect(readFileSync(new URL(`../../generated/${family}/openapi.json`, import.meta.url), 'utf8')).not.toMatch(lintOnlyKey);
  });
});
