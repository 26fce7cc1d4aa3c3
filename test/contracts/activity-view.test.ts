import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { activityPath, activityView, dispatchedOperations } from '../../scripts/activity-view.js';
import { compile } from '../../src/runtime/validation.js';

// The per-activity view (scripts/activity-view.ts): what a validator that cannot read a discriminator needs.

type Example = { $ref?: string; value?: unknown };
type Media = { schema: unknown; examples?: Record<string, Example> };
type Operation = {
  operationId: string;
  parameters?: { $ref?: string; name?: string; in?: string; required?: boolean }[];
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { content?: Record<string, Media> }>;
};
type Contract = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { required?: string[] }>; examples: Record<string, { value: unknown }> };
};

const FAMILIES = readdirSync(new URL('../../generated/', import.meta.url));
const contract = (family: string) => JSON.parse(readFileSync(new URL(`../../generated/${family}/openapi.json`, import.meta.url), 'utf8')) as Contract;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const valueOf = (document: Contract, example: Example) => (example.$ref ? document.components.examples[example.$ref.split('/').pop()!]!.value : example.value);
const views = new Map(FAMILIES.map((family) => [family, activityView(contract(family)) as Contract]));

describe('activityView', () => {
  it.each(FAMILIES)('%s: leaves the contract it is given alone, and keeps every operation of it as it is', (family) => {
    const document = contract(family);
    const view = activityView(document) as Contract;
    expect(document).toEqual(contract(family));
    for (const [path, item] of Object.entries(document.paths)) expect(view.paths[path]).toEqual(item);
    expect(view.components).toEqual(document.components);
  });

  const activities = ['saas-v2', 'saas-v1', 'online-license', 'license-code', 'order-notify'].flatMap((family) =>
    dispatchedOperations(contract(family)).flatMap((op) => op.handlers.map((handler) => ({ family, op, handler, label: `${family} ${handler.name}` }))),
  );

  it('adds one operation per activity and nothing else', () => {
    for (const family of FAMILIES) {
      const document = contract(family);
      const added = Object.keys(views.get(family)!.paths).filter((path) => !(path in document.paths));
      expect(added.sort(), family).toEqual(
        activities
          .filter((a) => a.family === family)
          .map((a) => activityPath(a.op.path, a.handler.name))
          .sort(),
      );
    }
  });

  it.each(activities)("$label: its request is the activity's, its answer the activity's or the rejection, its examples fit them", ({ family, op, handler }) => {
    const document = contract(family);
    const operation = views.get(family)!.paths[activityPath(op.path, handler.name)]![op.method]!;
    const answer = operation.responses['200']!.content!['application/json']!;
    expect(answer.schema).toEqual({ anyOf: [ref(handler.response), ref(op.rejection)] });
    const validators = compile(document, [handler.request, handler.response, op.rejection]);
    const examples = Object.entries(answer.examples ?? {});
    expect(examples[0]?.[0], "the first example (the one Prism serves) is the activity's").toBe(handler.name);
    for (const [name, example] of examples) {
      const value = valueOf(document, example);
      expect(validators.get(handler.response)!(value) || validators.get(op.rejection)!(value), `answer example ${name}`).toBe(true);
    }
    if (op.kind === 'dispatch') {
      const request = operation.requestBody!.content['application/json']!;
      expect(request.schema).toEqual(ref(handler.request));
      expect(Object.keys(request.examples ?? {})).toEqual([handler.name]);
      for (const example of Object.values(request.examples ?? {})) expect(validators.get(handler.request)!(valueOf(document, example))).toBe(true);
    } else {
      // A GET: the activity's query parameters, each required as its query schema says.
      const required = document.components.schemas[handler.request]!.required ?? [];
      const query = (operation.parameters ?? []).filter((p) => p.in === 'query');
      expect(
        query
          .filter((p) => p.required)
          .map((p) => p.name)
          .sort(),
      ).toEqual([...required].sort());
    }
  });

  it('refuses a contract that already has a path where an activity would go', () => {
    const document = contract('order-notify');
    document.paths['/order-notify/orderNotify'] = {};
    expect(() => activityView(document)).toThrow('/order-notify/orderNotify is already a path');
  });
});
