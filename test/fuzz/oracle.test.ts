import { describe, expect, it } from 'vitest';
import { bodySignHeader } from '../../src/crypto/body-sign.js';
import type { Answer } from './harness.js';
import { judge } from './oracle.js';
import type { Snapshot } from './state.js';
import { targetOf } from './targets.js';
import { sign } from './wire.js';

// The oracle catches what it is there to catch: each answer below breaks one rule, and only that rule is reported.

const saas = targetOf('saas-v2');
const query = saas.handlers.find((handler) => handler.name === 'queryInstance')!;
const wire = sign(
  saas,
  query,
  { kind: 'json', value: { activity: 'queryInstance', instanceId: 'fz-1' } },
  { now: Date.UTC(2026, 5, 1), key: saas.key, nonce: 'N1', canonical: false },
);
const kgkit = targetOf('kgkit');
const records = kgkit.handlers.find((handler) => handler.name === 'listUsageRecords')!;

function answer(body: unknown, { status = 200, contentType = 'application/json;charset=UTF-8' } = {}): Answer {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return { status, headers: { 'content-type': contentType, 'body-sign': bodySignHeader(saas.key, Buffer.from(text, 'utf8')) }, text };
}

const empty: Snapshot = { instances: [], events: [], nonces: [] };
const traced = (code: string): Snapshot => ({ instances: [], events: [JSON.stringify({ id: 1, result_code: code })], nonces: ['{"nonce":"N1"}'] });
const notFound = { resultCode: '000003', resultMsg: 'instance does not exist' };

describe('the oracle', () => {
  it('passes a refusal the contract allows, traced once in the audit trail and the nonces', () => {
    expect(judge(saas, query, wire, answer(notFound), empty, traced('000003'), []).problems).toEqual([]);
  });

  it.each([
    ['an HTTP 500', answer(notFound, { status: 500 }), /HTTP 500/],
    ['a body that is not JSON', answer('<html>'), /not JSON/],
    ['a content type the contract does not declare', answer(notFound, { contentType: 'text/plain' }), /content type/],
    ['an undeclared field', answer({ ...notFound, traceId: 'x' }), /undeclared field|breaks the contract/],
    ['a result code queryInstance may not answer', answer({ resultCode: '000100', resultMsg: 'no' }), /000100/],
    ['an internal error', answer({ resultCode: '000005', resultMsg: 'internal error' }), /000005/],
  ])('reports %s', (_name, given, problem) => {
    const { problems } = judge(saas, query, wire, given, empty, traced(JSON.parse(given.text.startsWith('{') ? given.text : '{}').resultCode ?? 'x'), []);
    expect(problems.join('\n')).toMatch(problem);
  });

  it('reports a wrong Body-Sign', () => {
    const given = { ...answer(notFound), headers: { 'content-type': 'application/json', 'body-sign': 'sign_type="HMAC-SHA256", signature="x"' } };
    expect(judge(saas, query, wire, given, empty, traced('000003'), []).problems.join()).toMatch(/Body-Sign/);
  });

  it('reports an error the server logged', () => {
    expect(
      judge(saas, query, wire, answer(notFound), empty, traced('000003'), [{ level: 'error', message: 'unhandled error', fields: {} }]).problems.join(),
    ).toMatch(/unhandled error/);
  });

  it('reports a refused call that changed business state, or left more than one trace', () => {
    const changed = { ...traced('000003'), instances: ['{"instance_id":"fz-9"}'] };
    expect(judge(saas, query, wire, answer(notFound), empty, changed, []).problems.join()).toMatch(/refused \(000003\), yet it changed instances/);
    const twice = { ...traced('000003'), events: ['{"id":1,"result_code":"000003"}', '{"id":2,"result_code":"000003"}'] };
    expect(judge(saas, query, wire, answer(notFound), empty, twice, []).problems.join()).toMatch(/events lost 0 and gained 2/);
  });

  it('reports an audit row whose code is not the answer', () => {
    expect(judge(saas, query, wire, answer(notFound), empty, traced('000000'), []).problems.join()).toMatch(/recorded 000000, the answer was 000003/);
  });

  it('reports a request that had to be refused at the signature but was traced or answered otherwise', () => {
    const refused = answer({ resultCode: '000001', resultMsg: 'signature does not match' });
    expect(judge(saas, query, wire, refused, empty, empty, [], { refusedUntraced: 'it was changed after signing' }).problems).toEqual([]);
    expect(judge(saas, query, wire, refused, empty, traced('000001'), [], { refusedUntraced: 'it was changed after signing' }).problems.join()).toMatch(
      /changed after signing, yet it changed events/,
    );
    expect(
      judge(saas, query, wire, answer(notFound), empty, traced('000003'), [], { refusedUntraced: 'it was changed after signing' }).problems.join(),
    ).toMatch(/answered 000003 instead of a signature refusal/);
  });

  it('reports a request outside the contract that was accepted', () => {
    const bad = sign(
      saas,
      query,
      { kind: 'json', value: { activity: 'queryInstance', instanceId: 'a b' } },
      { now: 0, key: saas.key, nonce: 'N2', canonical: false },
    );
    const served = answer({ resultCode: '000000', resultMsg: 'success', info: [] });
    expect(judge(saas, query, bad, served, empty, traced('000000'), []).problems.join()).toMatch(/accepted \(000000\) a request outside the contract/);
  });

  it("judges kgkit's own API by its contract: 401 with its schema, and nothing else", () => {
    const call = sign(kgkit, records, { kind: 'params', params: [] }, { now: 0, key: 'wrong', nonce: '', canonical: false });
    const refused = {
      status: 401,
      headers: { 'content-type': 'application/json;charset=UTF-8' },
      text: JSON.stringify({ resultCode: '000001', resultMsg: 'authentication failed' }),
    };
    expect(judge(kgkit, records, call, refused, empty, empty, [], { refusedUntraced: 'wrong token' }).problems).toEqual([]);
    expect(judge(kgkit, records, call, { ...refused, status: 403 }, empty, empty, []).problems.join()).toMatch(
      /HTTP 403 is not an answer the contract declares/,
    );
  });
});
