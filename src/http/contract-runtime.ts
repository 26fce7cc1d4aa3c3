/**
 * What every generated server (generated/<family>/server.ts) runs on, as a library: request validation against the
 * bundled contract, the dispatch on `activity`, the answer. The generated code declares, this code does.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import type { Context, Hono } from 'hono';
import { atLevel, closedView, holdsNull, withoutNulls } from '../contract/levels.js';
import { textAnswer } from './text-answer.js';
import { parseJsonObject } from '../security/signed-request-check.js';
import { holdsNul } from '../store/nul-text.js';

/** What a mount reports of every call, for logs and audit: the handler's result, or why the request was rejected. */
export interface Call<H extends string> {
  /** The handler the call was for (its activity or operation); undefined when that could not be told. */
  activity: H | undefined;
  request: unknown;
  result: { status: number; body: unknown };
  /** Set when the request never reached a handler. */
  rejected?: string;
  /** Fields the contract does not name, accepted (docs/decisions.md#16): `userList[].extra` style paths. */
  unknownFields?: string[];
  durationMs: number;
}

// ajv-formats is CommonJS; under ESM its plugin is the default export's `default`.
const addFormats = ((addFormatsPlugin as unknown as { default?: typeof addFormatsPlugin }).default ?? addFormatsPlugin) as unknown as (ajv: Ajv2020) => Ajv2020;

/** A validator per request schema of a contract, compiled once; `allErrors` lists every problem, not the first. */
export function compile(document: { components: object }, schemaNames: readonly string[], { allErrors = false } = {}): Map<string, ValidateFunction> {
  const ajv = new Ajv2020({ strict: false, allErrors });
  addFormats(ajv);
  ajv.addSchema({ $id: 'contract', components: document.components });
  return new Map(schemaNames.map((name) => [name, ajv.compile({ $ref: `contract#/components/schemas/${name}` })]));
}

/** How requests are judged: at Huawei's level, tolerant of fields the contract does not name; or at kgkit's. */
interface RequestJudge {
  /** Why the request is refused, or the fields it carries that the contract does not name. */
  judge(schema: string, body: Record<string, unknown>): { refused: string } | { unknownFields: string[] };
}

/**
 * docs/decisions.md#16. Tolerant (the default): valid at Huawei's level, unknown fields named but accepted; a request
 * valid in the closed view (the usual case) costs one validation. Strict: valid at kgkit's level.
 */
function requestJudge(document: { components: object }, schemas: readonly string[], strict: boolean): RequestJudge {
  if (strict) {
    const validators = compile(atLevel(document, 'kgkit'), schemas);
    return {
      judge(schema, body) {
        const validate = validators.get(schema)!;
        return validate(body) ? { unknownFields: [] } : { refused: describe(validate.errors?.[0]) };
      },
    };
  }
  const closed = compile(closedView(document), schemas, { allErrors: true });
  const open = compile(document, schemas);
  return {
    judge(schema, body) {
      const validateClosed = closed.get(schema)!;
      if (validateClosed(body)) return { unknownFields: [] };
      const unknownFields = unknownFieldsOf(validateClosed.errors);
      const validate = open.get(schema)!;
      return validate(body) ? { unknownFields } : { refused: describe(validate.errors?.[0]) };
    },
  };
}

/** The fields a closed view refused, as `a.b`, `list[].c` paths (array positions folded). */
function unknownFieldsOf(errors: readonly ErrorObject[] | null | undefined): string[] {
  const fields = new Set<string>();
  for (const error of errors ?? []) {
    if (error.keyword !== 'additionalProperties') continue;
    const at = error.instancePath.replace(/\/\d+(?=\/|$)/g, '[]').split('/').filter(Boolean).join('.').replaceAll('.[]', '[]');
    const name = String((error.params as { additionalProperty: string }).additionalProperty).slice(0, 64);
    fields.add(at === '' ? name : `${at}.${name}`);
  }
  return [...fields];
}

/** One line a seller can act on, without echoing the value that failed. */
export function describe(error: ErrorObject | undefined): string {
  if (!error) return 'request does not match the contract';
  const at = error.instancePath === '' ? 'body' : error.instancePath.slice(1).replaceAll('/', '.');
  const detail =
    error.keyword === 'additionalProperties'
      ? `has an unknown field "${String((error.params as { additionalProperty: string }).additionalProperty).slice(0, 64)}"`
      : error.keyword === 'required'
        ? `is missing "${String((error.params as { missingProperty: string }).missingProperty)}"`
        : (error.message ?? 'is invalid');
  return `${at} ${detail}`.slice(0, 255);
}

/** The body as a JSON object, read as the signed families read theirs: bytes that are not UTF-8 are not JSON (RFC 8259 §8.1). */
async function readJson(c: Context): Promise<unknown> {
  return parseJsonObject(new Uint8Array(await c.req.arrayBuffer()));
}

/** Every query parameter, first value of each (a GET interface's "body"). */
function readQuery(c: Context): unknown {
  return c.req.query();
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The answer to a rejected request unless the mount is given another: 000002 with the reason. */
function defaultReject(reason: string): { status: 200; body: { resultCode: '000002'; resultMsg: string } } {
  return { status: 200, body: { resultCode: '000002', resultMsg: reason } };
}

/** One operation: a plain one has one handler; a dispatched one picks it from the request's discriminator. */
export interface RouteSpec {
  operation: string;
  method: 'get' | 'post';
  /** Where the request is: the JSON body, or the query string of a GET interface. */
  read: 'json' | 'query';
  handler?: string;
  discriminator?: string;
  activities?: readonly string[];
}

type Result = { status: number; body: unknown };

/** The options of a generated mount, as the runtime sees them (the generated interface types them per family). */
export interface MountRoutesOptions {
  paths?: Record<string, string>;
  handlers: Record<string, (request: unknown) => Promise<Result>>;
  readBody?: (c: Context, operation: string) => unknown | Promise<unknown>;
  serialize?: (body: unknown) => string;
  reject?: (reason: string, operation: string) => Result;
  observe?: (call: Call<string>) => void | Promise<void>;
  /** Refuse what kgkit's level refuses (unknown fields, nulls, kgkit's formats): STRICT_REQUESTS=true. */
  strictRequests?: boolean;
}

interface FamilySpec {
  document: { components: object };
  schemas: Record<string, { request: string }>;
  paths: Record<string, string>;
  routes: readonly RouteSpec[];
}

const judgesOf = new WeakMap<object, Partial<Record<'strict' | 'tolerant', RequestJudge>>>();

/** Routes every operation of a family: read the request, tell its handler, validate, call it, report, answer. */
export function mountRoutes(app: Hono<any>, family: FamilySpec, options: MountRoutesOptions): void {
  const { paths = {}, handlers, readBody, serialize = JSON.stringify, reject = defaultReject, observe, strictRequests = false } = options;
  const judges = judgesOf.get(family.document) ?? {};
  judgesOf.set(family.document, judges);
  const mode = strictRequests ? 'strict' : 'tolerant';
  const judge = (judges[mode] ??= requestJudge(family.document, Object.values(family.schemas).map((h) => h.request), strictRequests));

  for (const route of family.routes) {
    app[route.method](paths[route.operation] ?? family.paths[route.operation]!, async (c) => {
      const started = performance.now();
      const body = readBody ? await readBody(c, route.operation) : route.read === 'query' ? readQuery(c) : await readJson(c);
      // A plain operation's handler is known from the path even when the body cannot be read.
      let handler = route.handler;
      let rejected: string | undefined;
      if (!isObject(body)) rejected = 'body is not a JSON object';
      else if (route.discriminator !== undefined) {
        const value = body[route.discriminator];
        if (typeof value !== 'string') rejected = `body has no ${route.discriminator}`;
        else if (!route.activities!.includes(value)) rejected = `unknown ${route.discriminator} "${value.slice(0, 64)}"`;
        else handler = value;
      }
      // Null counts as absent, except where kgkit's level refuses it (docs/decisions.md#16).
      const request = !strictRequests && isObject(body) && holdsNull(body) ? (withoutNulls(body) as Record<string, unknown>) : body;
      let unknownFields: string[] = [];
      if (rejected === undefined) {
        const verdict = judge.judge(family.schemas[handler!]!.request, request as Record<string, unknown>);
        if ('refused' in verdict) rejected = verdict.refused;
        else if (holdsNul(request)) rejected = 'body holds U+0000, which kgkit cannot store';
        else unknownFields = verdict.unknownFields;
      }
      const result = rejected !== undefined ? reject(rejected, route.operation) : await handlers[handler!]!.call(handlers, request);
      await observe?.({
        activity: handler,
        request: body,
        result,
        ...(rejected !== undefined ? { rejected } : {}),
        ...(unknownFields.length > 0 ? { unknownFields } : {}),
        durationMs: performance.now() - started,
      });
      return textAnswer(c, serialize(result.body), result.status);
    });
  }
}
