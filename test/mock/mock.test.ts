import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { freePort } from '../support/ports.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type Mock, startMock } from '../../scripts/mock.js';

const PRODUCTION = new URL('../../openapi/saas-v2/paths/production.yaml', import.meta.url);

type Examples = Record<string, { $ref?: string; value?: unknown }>;
const operation = parse(readFileSync(PRODUCTION, 'utf8')).post as {
  requestBody: { content: { 'application/json': { examples: Examples } } };
  responses: { '200': { content: { 'application/json': { examples: Examples } } } };
};

/** The `value` of a named example of the contract, following its `$ref` to the example file. */
function example(examples: Examples, name: string): unknown {
  const entry = examples[name];
  if (entry === undefined) throw new Error(`the contract has no example named ${name}`);
  if (entry.$ref === undefined) return entry.value;
  return (parse(readFileSync(new URL(entry.$ref, PRODUCTION), 'utf8')) as { value: unknown }).value;
}
const requestExample = (name: string) => example(operation.requestBody.content['application/json'].examples, name) as Record<string, unknown>;
const responseExample = (name: string) => example(operation.responses['200'].content['application/json'].examples, name);

const signedShapedQuery = () =>
  `signature=${randomBytes(32).toString('hex').toUpperCase()}&timestamp=${Date.now()}&nonce=${randomBytes(32).toString('hex').toUpperCase()}`;

describe('make mock (Prism behind the Prefer proxy)', () => {
  let mock: Mock;
  let base: string;
  const post = (body: unknown, query = signedShapedQuery(), headers: Record<string, string> = {}) =>
    fetch(`${base}/saas?${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json;charset=utf8', ...headers },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    const port = await freePort();
    mock = await startMock({ family: 'saas-v2', port, prismPort: await freePort() });
    base = `http://127.0.0.1:${port}`;
  }, 90_000);
  afterAll(async () => mock?.close());

  it.each(['queryInstance', 'newInstance'])('answers a valid %s with the contract example of that name', async (activity) => {
    const response = await post(requestExample(activity));
    expect(response.status).toBe(200);
    expect(response.headers.get('sl-violations')).toBeNull();
    // Every create gets a fresh instanceId (test/mock/activities.test.ts); the rest is the example.
    expect({ ...((await response.json()) as object), instanceId: undefined }).toEqual({ ...(responseExample(activity) as object), instanceId: undefined });
  });

  it('leaves a Prefer header sent by the client alone', async () => {
    const response = await post(requestExample('queryInstance'), undefined, { prefer: 'example=instanceNotFound' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(responseExample('instanceNotFound'));
  });

  it.each([
    {
      problem: 'queryInstance without instanceId',
      body: { activity: 'queryInstance', testFlag: '1' },
      query: undefined,
      names: "required property 'instanceId'",
    },
    { problem: 'no signature, timestamp or nonce', body: requestExample('queryInstance'), query: '', names: "required property 'signature'" },
  ])('answers a request with $problem with 422 and names it in sl-violations', async ({ body, query, names }) => {
    const response = await post(body, query);
    expect(response.status).toBe(422);
    const violations = JSON.parse(response.headers.get('sl-violations') ?? '[]') as { location: string[]; message: string }[];
    expect(violations.map((v) => v.message)).toContainEqual(expect.stringContaining(names));
    expect(violations.every((v) => v.location[0] === 'request')).toBe(true);
  });
});
