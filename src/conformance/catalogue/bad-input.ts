import type { Level } from '../../runtime/levels.js';
import type { CaseOptions, CaseRun, ConformanceCase, ProductType, RequestShape, Step } from '../case.js';
import { allowedCodes, requestSchemaOf, schemaNamed, validatorAt } from '../contracts.js';
import { FAMILIES, type SellerFamily, handlersOf } from '../families.js';

// Bad inputs generated from each handler's request schema (missing required fields, wrong types, too long, bad enum
// values, bad formats; with --strict also kgkit's own: an undeclared field, kgkit's ID formats). Refusing them is
// kgkit's rule (the marketplace sends what its tables say): a warning by default. Each case starts with a positive
// control, a valid call of the same activity that must succeed, or a refusal would prove nothing. The answers
// themselves are judged like any other (a JSON object with a result code, within 5 s).

export interface BadInputProfile {
  family: SellerFamily;
  productType: ProductType;
  /** A valid body of `handler` referring to things that exist (fresh ones on each call): the case sets them up first. */
  base(run: CaseRun, handler: string): Promise<Record<string, unknown>>;
  /** Whole-body faults (not JSON, no activity, …) sent to `handler`'s path and judged as its answers. */
  malformed: { handler: string; inputs: MalformedInput[] };
  /** Handlers a seller may not implement (Huawei marks them optional), and when a run leaves them out. */
  optional?: { handlers: readonly string[]; unmet: (options: CaseOptions) => string | undefined };
}

export interface MalformedInput {
  label: string;
  body?: Record<string, unknown>;
  raw?: string;
  request: RequestShape;
  /** Which handler's answers the reply is judged against (an unknown activity: the family's rejection). */
  judgedAs?: string;
}

type Schema = Record<string, unknown>;

interface Mutation {
  label: string;
  apply(base: Record<string, unknown>): Record<string, unknown>;
}

/** Fields the driver writes itself (the V1 signatures' timeStamp and authToken): their faults are security cases. */
const DRIVER_FIELDS: Partial<Record<SellerFamily, string[]>> = { 'kit-v1': ['timeStamp'], 'saas-v1': ['authToken', 'timeStamp'] };
/** Placeholders for the driver's fields, so that the request schema judges only the mutation. */
const DRIVER_PLACEHOLDERS: Partial<Record<SellerFamily, Record<string, string>>> = {
  'kit-v1': { timeStamp: '20260101080000000' },
  'saas-v1': { authToken: `${'A'.repeat(43)}=`, timeStamp: '20260101000000000' },
};

/** The codes that refuse: everything the handler may answer but success, "being processed" and an internal error. */
function refusalCodes(family: SellerFamily, handler: string): string[] {
  return allowedCodes(family, handler).filter((code) => code !== '000000' && code !== '000004' && code !== '000005');
}

export function badInputCases(profile: BadInputProfile): ConformanceCase[] {
  const { family, productType } = profile;
  const cases = handlersOf(family).map((handler): ConformanceCase => {
    const labels = mutationsOf(family, handler, 'kgkit').map((m) => m.label);
    return {
      id: `${family}.bad-input.${handler}`,
      family,
      productType,
      kind: 'bad-input',
      title: `${handler} with bad input from the contract is refused (kgkit: ${refusalCodes(family, handler).join('/')}), after a valid ${handler} succeeded`,
      steps: [
        `positive control: a valid ${handler} succeeds`,
        `set up what a valid ${handler} refers to`,
        ...labels.map((label) => `${handler} ${label}: refused`),
      ],
      ...(profile.optional?.handlers.includes(handler) ? { unmet: profile.optional.unmet } : {}),
      async run(run) {
        // Huawei's level by default; kgkit's own (undeclared fields, ID formats) with --strict.
        const level: Level = run.options.profile === 'strict' ? 'kgkit' : 'huawei';
        await run.succeed({ handler, body: await profile.base(run, handler), label: `${handler} (positive control)` }, { accept: ['000004'] });
        const base = await profile.base(run, handler);
        const schema = requestSchemaOf(family, handler)!;
        const validate = validatorAt(family, `/components/schemas/${schema}`, level);
        for (const mutation of mutationsOf(family, handler, level)) {
          const body = mutation.apply(base);
          // Only what the contract itself refuses is a bad input.
          if (validate({ ...body, ...DRIVER_PLACEHOLDERS[family] })) continue;
          await expectRefusal(run, { handler, body, label: `${handler} ${mutation.label}`, request: 'violating' }, handler);
        }
      },
    };
  });
  const { handler, inputs } = profile.malformed;
  cases.push({
    id: `${family}.bad-input.body`,
    family,
    productType,
    kind: 'bad-input',
    title: `malformed ${FAMILIES[family].title} requests are refused (kgkit: a refusal code), after a valid one succeeded`,
    steps: [`positive control: a valid ${handler} succeeds`, ...inputs.map((input) => `${input.label}: refused`)],
    async run(run) {
      await run.succeed({ handler, body: await profile.base(run, handler), label: `${handler} (positive control)` }, { accept: ['000004'] });
      for (const input of inputs) {
        const step: Step = {
          handler: input.judgedAs ?? handler,
          body: input.body ?? {},
          label: input.label,
          request: input.request,
          ...(input.raw !== undefined ? { raw: input.raw } : {}),
        };
        await expectRefusal(run, step, input.judgedAs ?? handler, handler);
      }
    },
  });
  return cases;
}

/** Sends a bad input (to `pathOf`'s path) and checks it is refused; the case goes on to the next input either way. */
async function expectRefusal(run: CaseRun, step: Step, judgedAs: string, pathOf: string = judgedAs): Promise<void> {
  // Kit paths carry the operation: a malformed body still goes to a real operation's path.
  const reply = await run.send(FAMILIES[run.family].transport.startsWith('kit') ? { ...step, handler: pathOf } : step);
  const refusals = refusalCodes(run.family, judgedAs);
  if (reply.code !== undefined && refusals.includes(reply.code)) return;
  const why = reply.code === '000005' ? ' (an internal error, not a refusal)' : '';
  run.check(false, run.rules.badInputRefused, `${step.label} answered ${reply.describe()}${why}, not a refusal (${refusals.join(' or ')})`);
}

/** Follows `$ref`s and merges `allOf`, enough to read type, enum, lengths and patterns at `level`. */
function flatten(family: SellerFamily, schema: Schema, level: Level): Schema {
  let merged: Schema = { ...schema };
  if (typeof schema.$ref === 'string')
    merged = { ...flatten(family, schemaNamed(family, schema.$ref.split('/').pop()!, level), level), ...withoutKeys(schema, ['$ref']) };
  if (Array.isArray(schema.allOf)) for (const part of schema.allOf as Schema[]) merged = { ...flatten(family, part, level), ...merged };
  return merged;
}

const withoutKeys = (schema: Schema, keys: string[]): Schema => Object.fromEntries(Object.entries(schema).filter(([k]) => !keys.includes(k)));

function without(body: Record<string, unknown>, name: string): Record<string, unknown> {
  const copy = { ...body };
  delete copy[name];
  return copy;
}

/** The mutations of a handler's request at `level`, from its schema alone (labels are known before the case runs). */
function mutationsOf(family: SellerFamily, handler: string, level: Level): Mutation[] {
  const schema = flatten(family, schemaNamed(family, requestSchemaOf(family, handler)!, level), level);
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const skip = new Set(['activity', ...(DRIVER_FIELDS[family] ?? [])]);
  const jsonBody = FAMILIES[family].transport !== 'saas-v1';
  const mutations: Mutation[] = [];

  for (const name of (schema.required as string[] | undefined) ?? []) {
    if (!skip.has(name)) mutations.push({ label: `without required \`${name}\``, apply: (b) => without(b, name) });
  }
  // A field the contract does not name is bad input only where the object is closed (kgkit's level).
  if (schema.additionalProperties === false)
    mutations.push({ label: 'with undeclared field `unexpectedField`', apply: (b) => ({ ...b, unexpectedField: 'x' }) });

  for (const [name, raw] of Object.entries(properties)) {
    if (skip.has(name)) continue;
    const s = flatten(family, raw, level);
    const set = (value: unknown) => (b: Record<string, unknown>) => ({ ...b, [name]: value });
    const wrongType = jsonBody ? wrongTypeOf(s) : undefined;
    if (wrongType !== undefined) mutations.push({ label: `with \`${name}\` of the wrong type (${JSON.stringify(wrongType)})`, apply: set(wrongType) });
    if (Array.isArray(s.enum)) {
      const value = notInEnum(s);
      if (value !== undefined) mutations.push({ label: `with \`${name}\` outside its enum (${JSON.stringify(value)})`, apply: set(value) });
    } else if (s.type === 'string') {
      // A multi-megabyte value (the V1 Kit lists) tests the body limit, not the field: left to the 100 KB body case.
      if (typeof s.maxLength === 'number' && s.maxLength <= 65_536) {
        const length = s.maxLength + 1;
        mutations.push({ label: `with \`${name}\` too long (${length} characters)`, apply: (b) => ({ ...b, [name]: longString(b[name], length) }) });
      }
      const malformed = typeof s.pattern === 'string' ? violating(s.pattern, (s.maxLength as number | undefined) ?? 64) : undefined;
      if (malformed !== undefined) mutations.push({ label: `with \`${name}\` in a bad format (${JSON.stringify(malformed)})`, apply: set(malformed) });
    }
    if (s.type === 'array') mutations.push(...arrayMutations(family, name, s, level));
  }
  return mutations;
}

function wrongTypeOf(s: Schema): unknown {
  if (Array.isArray(s.type)) return undefined;
  switch (s.type) {
    case 'string':
      return 12345;
    case 'integer':
    case 'number':
      return '1';
    case 'array':
      return 'not-a-list';
    case 'object':
      return 'not-an-object';
    case 'boolean':
      return 'true';
    default:
      return undefined;
  }
}

function notInEnum(s: Schema): unknown {
  const values = s.enum as unknown[];
  if (s.type === 'integer' || s.type === 'number') return [9, 99, -1].find((v) => !values.includes(v));
  const max = typeof s.maxLength === 'number' ? s.maxLength : 64;
  return ['9', 'X', 'NOT_DOCUMENTED'].find((v) => !values.includes(v) && v.length <= max);
}

/** A string one longer than allowed, made of the valid value's first character (so that only the length is wrong). */
function longString(valid: unknown, length: number): string {
  const first = typeof valid === 'string' && valid.length > 0 ? valid[0]! : 'A';
  return first.repeat(length);
}

function violating(pattern: string, maxLength: number): string | undefined {
  const regex = new RegExp(pattern, 'u');
  return ['not valid!', 'a/b', ' leading', '\u0001'].find((candidate) => candidate.length <= maxLength && !regex.test(candidate));
}

function arrayMutations(family: SellerFamily, name: string, s: Schema, level: Level): Mutation[] {
  const mutations: Mutation[] = [];
  const items = s.items ? flatten(family, s.items as Schema, level) : undefined;
  const required = (items?.required as string[] | undefined) ?? [];
  if (required.length > 0) {
    const field = required[0]!;
    mutations.push({
      label: `with a \`${name}\` item without required \`${field}\``,
      apply: (b) => {
        const list = Array.isArray(b[name]) ? (b[name] as Record<string, unknown>[]) : [];
        return { ...b, [name]: [without(list[0] ?? {}, field), ...list.slice(1)] };
      },
    });
  }
  if (typeof s.maxItems === 'number') {
    const count = s.maxItems + 1;
    mutations.push({
      label: `with ${count} \`${name}\` items (at most ${s.maxItems})`,
      apply: (b) => {
        const list = Array.isArray(b[name]) ? (b[name] as Record<string, unknown>[]) : [];
        const item = list[0] ?? {};
        return {
          ...b,
          [name]: Array.from({ length: count }, (_, i) => ({ ...item, ...(typeof item.userName === 'string' ? { userName: `${item.userName}${i}` } : {}) })),
        };
      },
    });
  }
  return mutations;
}
