import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Mock, startMock } from '../../scripts/mock.js';
import { compile } from '../../src/runtime/validation.js';
import { freePort } from '../support/ports.js';

// `make mock` serves the per-activity view of a dispatched contract: a call for activity X is validated against X's
// request only, is answered with X's example, and each create gets its own instanceId (scripts/mock.ts).

type Examples = Record<string, { $ref?: string; value?: unknown }>;
type Operation = {
  requestBody?: { content: Record<string, { examples: Examples }> };
  responses: Record<string, { content: Record<string, { examples: Examples }> }>;
};
type Contract = {
  paths: Record<string, Record<string, Operation>>;
  components: {
    examples: Record<string, { value: unknown }>;
    schemas: Record<string, { properties?: Record<string, { example?: unknown }>; required?: string[] }>;
  };
};
const contract = (family: string) => JSON.parse(readFileSync(new URL(`../../generated/${family}/openapi.json`, import.meta.url), 'utf8')) as Contract;
const V2 = contract('saas-v2');
const V1 = contract('saas-v1');
const valueOf = (document: Contract, examples: Examples, name: string): Record<string, unknown> => {
  const example = examples[name]!;
  return (example.$ref ? document.components.examples[example.$ref.split('/').pop()!]!.value : example.value) as Record<string, unknown>;
};
const v2Request = (activity: string) => valueOf(V2, V2.paths['/saas']!.post!.requestBody!.content['application/json']!.examples, activity);
const v2Answer = (activity: string) => valueOf(V2, V2.paths['/saas']!.post!.responses['200']!.content['application/json']!.examples, activity);
const v1Answer = (activity: string) => valueOf(V1, V1.paths['/saas-v1']!.get!.responses['200']!.content['application/json']!.examples, activity);
/** A V1.0 query of an activity: each required parameter of its query schema with the schema's example. */
const v1Query = (schema: string, omit: string[] = []) => {
  const { properties = {}, required = [] } = V1.components.schemas[schema]!;
  return new URLSearchParams(
    required.filter((name) => !omit.includes(name)).map((name): [string, string] => [name, String(properties[name]!.example)]),
  ).toString();
};

const V2_ANSWERS: Record<string, string> = {
  newInstance: 'NewInstanceResponse',
  queryInstance: 'QueryInstanceResponse',
  refreshInstance: 'RefreshInstanceResponse',
  updateInstanceStatus: 'UpdateInstanceStatusResponse',
  releaseInstance: 'ReleaseInstanceResponse',
  upgradeInstance: 'UpgradeInstanceResponse',
  changeInstanceCheck: 'ChangeInstanceCheckResponse',
};
const validators = compile(V2 as never, [...Object.values(V2_ANSWERS), 'InstanceId']);
const INSTANCE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

type Violation = { location: string[]; message: string; severity: string };
const violationsOf = (response: Response) => JSON.parse(response.headers.get('sl-violations') ?? '[]') as Violation[];
const signedShapedQuery = () =>
  `signature=${randomBytes(32).toString('hex').toUpperCase()}&timestamp=${Date.now()}&nonce=${randomBytes(32).toString('hex').toUpperCase()}`;

describe('make mock per activity', () => {
  const mocks: Mock[] = [];
  let v2: string;
  let v1: string;
  const post = (body: unknown) =>
    fetch(`${v2}/saas?${signedShapedQuery()}`, { method: 'POST', headers: { 'content-type': 'application/json;charset=utf8' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    const [v2Port, v1Port] = [await freePort(), await freePort()];
    mocks.push(
      ...(await Promise.all([
        startMock({ family: 'saas-v2', port: v2Port, prismPort: await freePort() }),
        startMock({ family: 'saas-v1', port: v1Port, prismPort: await freePort() }),
      ])),
    );
    v2 = `http://127.0.0.1:${v2Port}`;
    v1 = `http://127.0.0.1:${v1Port}`;
  }, 90_000);
  afterAll(async () => Promise.all(mocks.map((mock) => mock.close())));

  it('reports only the violations of queryInstance for a bad queryInstance', async () => {
    const response = await post({ activity: 'queryInstance', testFlag: '1' });
    expect(response.status).toBe(422);
    expect(violationsOf(response).map((v) => [v.location, v.message])).toEqual([
      [['request', 'body'], "Request body must have required property 'instanceId'"],
    ]);
    const problem = (await response.json()) as { validation: Violation[] };
    expect(problem.validation.map((v) => v.message)).toEqual(["Request body must have required property 'instanceId'"]);
  });

  it('reports the violations of every activity for a body without a known activity (the contract as it is)', async () => {
    const response = await post({ activity: 'noSuchActivity' });
    expect(response.status).toBe(422);
    const messages = violationsOf(response).map((v) => v.message);
    for (const field of ['orderLineId', 'scene', 'status', 'productInfo']) expect(messages).toContainEqual(expect.stringContaining(`'${field}'`));
  });

  it.each(Object.keys(V2_ANSWERS))('answers a valid %s with its own example, valid against its answer schema', async (activity) => {
    const response = await post(v2Request(activity));
    expect(violationsOf(response)).toEqual([]);
    expect(response.status).toBe(200);
    const answer = (await response.json()) as Record<string, unknown>;
    expect({ ...answer, instanceId: undefined }).toEqual({ ...v2Answer(activity), instanceId: undefined });
    const validate = validators.get(V2_ANSWERS[activity]!)!;
    expect(validate(answer), JSON.stringify(validate.errors)).toBe(true);
  });

  it('gives every newInstance a fresh, valid instanceId', async () => {
    const ids = await Promise.all([1, 2, 3].map(async () => ((await (await post(v2Request('newInstance'))).json()) as { instanceId: string }).instanceId));
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) {
      expect(id).toMatch(INSTANCE_ID);
      expect(validators.get('InstanceId')!(id)).toBe(true);
    }
    expect(ids).not.toContain(v2Answer('newInstance').instanceId);
  });

  it('still answers a failure example the client asks for, when it fits the activity', async () => {
    const response = await fetch(`${v2}/saas?${signedShapedQuery()}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', prefer: 'example=provisioning' },
      body: JSON.stringify(v2Request('newInstance')),
    });
    expect(((await response.json()) as { resultCode: string }).resultCode).toBe('000004');
  });

  describe('SaaS V1.0 (the activity in the query of a GET)', () => {
    const get = (query: string) => fetch(`${v1}/saas-v1?${query}`);

    it('answers a valid queryInstance with its example', async () => {
      const response = await get(v1Query('QueryInstanceQuery'));
      expect(violationsOf(response)).toEqual([]);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(v1Answer('queryInstance'));
    });

    it('reports only the parameters queryInstance misses', async () => {
      const response = await get(v1Query('QueryInstanceQuery', ['instanceId']));
      expect(response.status).toBe(422);
      expect(violationsOf(response).map((v) => [v.location, v.message])).toEqual([
        [['request', 'query'], "Request query must have required property 'instanceid'"],
      ]);
    });

    it('gives every newInstance a fresh instanceId', async () => {
      const answers = await Promise.all([1, 2].map(async () => (await (await get(v1Query('NewInstanceQuery'))).json()) as { instanceId: string }));
      expect(answers[0]!.instanceId).not.toBe(answers[1]!.instanceId);
      expect({ ...answers[0], instanceId: undefined }).toEqual({ ...v1Answer('newInstance'), instanceId: undefined });
    });
  });
});
