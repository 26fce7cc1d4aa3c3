import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type AnswerDiscriminator, type OpenApiDocument, describeOperations } from '../../scripts/server-template.js';

// The 200 answer union of a dispatched operation says which schema answers which activity
// (x-kgkit-answer-discriminator); the generator reads it, and refuses a contract where it is missing or does not
// match the request's discriminator and the union.

const DISPATCHED = {
  'saas-v2': 'ProductionResponse',
  'saas-v1': 'V1ProductionResponse',
  'online-license': 'ProductionResponse',
  'license-code': 'ProductionResponse',
  'order-notify': 'ProductionResponse',
};
const contract = (family: string) => JSON.parse(readFileSync(new URL(`../../generated/${family}/openapi.json`, import.meta.url), 'utf8')) as OpenApiDocument;

describe('x-kgkit-answer-discriminator', () => {
  it.each(Object.entries(DISPATCHED))('%s: each handler answers with the schema the mapping names for its activity', (family, union) => {
    const document = contract(family);
    const spec = document.components.schemas[union]!['x-kgkit-answer-discriminator']!;
    const [operation] = describeOperations(document).filter((op) => op.kind !== 'plain');
    expect(operation!.discriminator).toBe(spec.requestProperty);
    expect(Object.fromEntries(operation!.handlers.map((h) => [h.name, h.response]))).toEqual(spec.mapping);
    expect(operation!.rejection).toBe(spec.rejection);
  });

  const broken: [string, (spec: AnswerDiscriminator) => AnswerDiscriminator | undefined, string][] = [
    ['missing', () => undefined, 'ProductionResponse must carry x-kgkit-answer-discriminator'],
    ['on another property', (s) => ({ ...s, requestProperty: 'scenario' }), 'requestProperty must be activity'],
    ['without an activity', ({ mapping: { queryInstance: _, ...mapping } = {}, ...s }) => ({ ...s, mapping }), 'mapping has no answer for queryInstance'],
    ['with an activity the request lacks', (s) => ({ ...s, mapping: { ...s.mapping, pauseInstance: 'ResultResponse' } }), 'mapping names pauseInstance'],
    [
      'naming a schema the contract lacks',
      (s) => ({ ...s, mapping: { ...s.mapping, newInstance: 'NewInstanceAnswer' } }),
      'mapping.newInstance must name a schema of the contract',
    ],
    [
      'naming a schema the union lacks',
      (s) => ({ ...s, mapping: { ...s.mapping, newInstance: 'InstanceInfo' } }),
      'ProductionResponse.anyOf must list InstanceInfo',
    ],
    [
      'leaving a member of the union unnamed',
      (s) => ({ ...s, mapping: { ...s.mapping, upgradeInstance: 'ReleaseInstanceResponse' } }),
      'lists UpgradeInstanceResponse, which',
    ],
    ['without a rejection', ({ rejection: _, ...s }) => s, 'rejection must name a schema'],
    [
      'with an activity answered by the rejection',
      (s) => ({ ...s, mapping: { ...s.mapping, newInstance: 'ResultResponse' } }),
      'the rejection ResultResponse cannot also be',
    ],
  ];
  it.each(broken)('stops generation when it is %s', (_name, change, message) => {
    const document = contract('saas-v2');
    const union = document.components.schemas.ProductionResponse!;
    const changed = change(structuredClone(union['x-kgkit-answer-discriminator']!));
    if (changed === undefined) delete union['x-kgkit-answer-discriminator'];
    else union['x-kgkit-answer-discriminator'] = changed;
    expect(() => describeOperations(document)).toThrow(message);
  });
});
