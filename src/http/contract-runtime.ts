/**
 * What every generated server (generated/<family>/server.ts) runs on, as a library: request validation against the
 * bundled contract, the dispatch on `activity`, the answer. The generated code declares, this code does.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import type { Context, Hono } from 'hono';
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
  durationMs: number;
}

// ajv-formats is CommonJS; under ESM its plugin is the default export's `default`.
const addFormats = ((addFormatsPlugin as unknown as { default?: typeof addFormatsPlugin }).default ?? addFormatsPlugin) as unknown as (ajv: Ajv2020) => Ajv2020;

/** A validator per request schema of a contract, compiled once. */
export function compile(document: { components: object }, schemaNames: readonly string[]): Map<string, ValidateFunction> {
  const ajv = new Ajv2020({ strict: false, allErrors: false });
  addFormats(ajv);
  ajv.addSchema({ $id: 'contract', components: document.components });
  return new Map(schemaNames.map((name) => [name, ajv.compile({ $ref: `contract#/components/schemas/${name}` })]));
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
}

interface FamilySpec {
  document: { components: object };
  schemas: Record<string, { request: string }>;
  paths: Record<string, string>;
  routes: readonly RouteSpec[];
}

const validatorsOf = new WeakMap<object, Map<string, ValidateFunction>>();

/** Routes every operation of a family: read the request, tell its handler, validate, call it, report, answer. */
export function mountRoutes(app: Hono<any>, family: FamilySpec, options: MountRoutesOptions): void {
  const { paths = {}, handlers, readBody, serialize = JSON.stringify, reject = defaultReject, observe } = options;
  let validators = validatorsOf.get(family.document);
  if (!validators) validatorsOf.set(family.document, (validators = compile(family.document, Object.values(family.schemas).map((h) => h.request))));
  const compiled = validators;

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
      if (rejected === undefined) {
        const validate = compiled.get(family.schemas[handler!]!.request)!;
        if (!validate(body)) rejected = describe(validate.errors?.[0]);
        else if (holdsNul(body)) rejected = 'body holds U+0000, which kgkit cannot store';
      }
      const result = rejected !== undefined ? reject(rejected, route.operation) : await handlers[handler!]!.call(handlers, body);
      await observe?.({ activity: handler, request: body, result, ...(rejected !== undefined ? { rejected } : {}), durationMs: performance.now() - started });
      return textAnswer(c, serialize(result.body), result.status);
    });
  }
}
