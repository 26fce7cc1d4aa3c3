/**
 * What every generated server (generated/<family>/server.ts) runs on. A generated server declares its family: the
 * routes, each handler's request schema, the bundled contract and the types. For every call, this module:
 *
 * - routes: one Hono route per operation, at the contract's path or the one the mount gives;
 * - reads the request the mount hands it (`readBody`: the body its signature check parsed, or the query string) and
 *   tells its handler: the operation's own, or the one its discriminator (`activity`) names;
 * - validates it against that handler's request schema at Huawei's level, naming the fields the contract does not
 *   know and counting nulls as absent, or at kgkit's level (`strictRequests`), docs/decisions.md#16; then asks the
 *   mount's `screen` (what the store cannot hold);
 * - dispatches it to the handler;
 * - answers with the handler's result, or a rejection (`reject`; default 000002 with the reason), as text
 *   (`serialize`) remembered with the response for Body-Sign (text-answer.ts);
 * - reports every call, handled or rejected, to `observe` (logs, audit trail).
 *
 * It never reads the wire bytes itself, checks a signature, signs an answer, reads configuration or touches storage:
 * those come from the family's mount, as middleware registered before it on the same path or as the options below.
 * It imports Hono's types, Ajv and its own folder, nothing else of kgkit.
 */
import type { Context, Env, Hono } from 'hono';
import { holdsNull, withoutNulls } from './levels.js';
import { textAnswer } from './text-answer.js';
import { type RequestJudge, requestJudge } from './validation.js';

type Result = { status: number; body: unknown };

/** What a mount reports of every call, for logs and audit: the handler's result, or why the request was rejected. */
export interface Call<H extends string> {
  /** The handler the call was for (its activity or operation); undefined when that could not be told. */
  activity: H | undefined;
  request: unknown;
  result: Result;
  /** Set when the request never reached a handler. */
  rejected?: string;
  /** Fields the contract does not name, accepted (docs/decisions.md#16): `userList[].extra` style paths. */
  unknownFields?: string[];
  durationMs: number;
}

/**
 * A handler as the runtime calls it. Declared as a method, whose parameter compares both ways: each generated handler
 * takes its own request type, and the runtime hands it a request only once it is valid against that handler's schema,
 * which the type is generated from.
 */
type Handler = { handle(request: Record<string, unknown>): Promise<Result> }['handle'];

/** A family's handlers as the runtime sees them: one per name. */
export type Handlers<H> = { [K in keyof H]: Handler };

/** One operation: a plain one has one handler; a dispatched one picks it from the request's discriminator. */
export type RouteSpec<O extends string = string, N extends string = string> = { operation: O; method: 'get' | 'post' } & (
  | { handler: N }
  | { discriminator: string; activities: readonly N[] }
);

/** A family as its generated server declares it. */
export interface FamilySpec<N extends string, O extends string> {
  /** The bundled contract (generated/<family>/openapi.json): its components hold the request schemas. */
  document: { components: object };
  /** The request schema of each handler, by component name. */
  schemas: Record<N, { request: string }>;
  /** Where each operation is served unless the mount says otherwise: the contract's paths. */
  paths: Record<O, string>;
  routes: readonly RouteSpec<O, N>[];
}

/** How a family is mounted; each generated server names it `Mount<Family>Options`. */
export interface MountOptions<E extends Env, H extends Handlers<H>, O extends string, R extends Record<O, Result>> {
  /** Where to serve each operation; default the contract's paths (`<FAMILY>_PATHS`). */
  paths?: Partial<Record<O, string>>;
  handlers: H;
  /**
   * The request: the JSON object the mount's signature check parsed (undefined when the body is not one), or the
   * query of a GET interface. The runtime never reads the body itself.
   */
  readBody: (c: Context<E>, operation: O) => unknown | Promise<unknown>;
  /** How a result body becomes the response text; default JSON.stringify. */
  serialize?: (body: unknown) => string;
  /** The answer to a rejected request; default `000002` with the reason. */
  reject?: <P extends O>(reason: string, operation: P) => R[P];
  /** Called after every call, handled or rejected. */
  observe?: (call: Call<keyof H & string>) => void | Promise<void>;
  /** Why a request the contract accepts is refused all the same (e.g. a value the store cannot hold); undefined admits it. */
  screen?: (request: Record<string, unknown>) => string | undefined;
  /** Judge requests at kgkit's level (docs/decisions.md#16), refusing unknown fields and nulls; default Huawei's. */
  strictRequests?: boolean;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isOneOf<N extends string>(names: readonly N[], value: string): value is N {
  return (names as readonly string[]).includes(value);
}

/** The answer to a rejected request unless the mount is given another: 000002 with the reason. */
function defaultReject(reason: string): { status: 200; body: { resultCode: '000002'; resultMsg: string } } {
  return { status: 200, body: { resultCode: '000002', resultMsg: reason } };
}

/** A request on its way to its handler, or why it stops. */
type Admission<N extends string> = { handler: N | undefined; rejected: string } | { handler: N; request: Record<string, unknown>; unknownFields: string[] };

const judgesOf = new WeakMap<object, Partial<Record<'strict' | 'tolerant', RequestJudge>>>();

/** Routes every operation of a family: read the request, tell its handler, validate, call it, report, answer. */
export function mountRoutes<E extends Env, H extends Handlers<H>, O extends string, R extends Record<O, Result>>(
  app: Hono<E>,
  family: FamilySpec<keyof H & string, O>,
  options: MountOptions<E, H, O, R>,
): void {
  const { handlers, readBody, serialize = JSON.stringify, observe, screen, strictRequests = false } = options;
  const paths: Partial<Record<O, string>> = options.paths ?? {};
  const reject: (reason: string, operation: O) => Result = options.reject ?? defaultReject;
  const judges = judgesOf.get(family.document) ?? {};
  judgesOf.set(family.document, judges);
  const mode = strictRequests ? 'strict' : 'tolerant';
  const judge = judges[mode] ?? requestJudge(family.document, strictRequests);
  judges[mode] = judge;

  for (const route of family.routes) {
    const path = paths[route.operation] ?? family.paths[route.operation];
    /** The handler a request is for and the request as it reaches it, or why it is rejected. */
    const admit = (body: unknown): Admission<keyof H & string> => {
      // A plain operation's handler is known from the path even when the body cannot be read.
      if (!isObject(body)) return { handler: 'handler' in route ? route.handler : undefined, rejected: 'body is not a JSON object' };
      let handler: keyof H & string;
      if ('handler' in route) handler = route.handler;
      else {
        const value = body[route.discriminator];
        if (typeof value !== 'string') return { handler: undefined, rejected: `body has no ${route.discriminator}` };
        if (!isOneOf(route.activities, value)) return { handler: undefined, rejected: `unknown ${route.discriminator} "${value.slice(0, 64)}"` };
        handler = value;
      }
      // Null counts as absent, except where kgkit's level refuses it (docs/decisions.md#16).
      const request = !strictRequests && holdsNull(body) ? (withoutNulls(body) as Record<string, unknown>) : body;
      const verdict = judge.judge(family.schemas[handler].request, request);
      if ('refused' in verdict) return { handler, rejected: verdict.refused };
      const screened = screen?.(request);
      if (screened !== undefined) return { handler, rejected: screened };
      return { handler, request, unknownFields: verdict.unknownFields };
    };

    app.on(route.method.toUpperCase(), path, async (c) => {
      const started = performance.now();
      const body = await readBody(c, route.operation);
      const admitted = admit(body);
      const result = 'rejected' in admitted ? reject(admitted.rejected, route.operation) : await handlers[admitted.handler].call(handlers, admitted.request);
      await observe?.({
        activity: admitted.handler,
        request: body,
        result,
        ...('rejected' in admitted ? { rejected: admitted.rejected } : {}),
        ...('unknownFields' in admitted && admitted.unknownFields.length > 0 ? { unknownFields: admitted.unknownFields } : {}),
        durationMs: performance.now() - started,
      });
      return textAnswer(c, serialize(result.body), result.status);
    });
  }
}
