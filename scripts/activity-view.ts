/**
 * The per-activity view of a bundled contract, for tools that cannot read a discriminator (Prism validates with Ajv,
 * which checks a request against every member of the `oneOf` and reports the violations of all of them).
 *
 * Every activity of a dispatched operation becomes its own operation at `<path>/<activity>` (activityPath): its request
 * is that activity's schema (its JSON body, or for a GET its query parameters, each required as the activity's query
 * schema says), its 200 answer that activity's answer or the family's rejection (x-kgkit-answer-discriminator), and
 * its examples that activity's (first, so that Prism serves it) and the failure examples that fit its answer. Every
 * other operation, the dispatched one included, is left as it is: a call without a known activity still meets the
 * whole union.
 */
import { compile } from '../src/runtime/validation.js';
import { type OpenApiDocument, type RenderedOperation, describeOperations } from './server-template.js';

type Node = Record<string, unknown>;
type Example = { $ref?: string; value?: unknown };
type Media = { schema?: unknown; examples?: Record<string, Example> };
type Parameter = { $ref?: string; name?: string; in?: string; required?: boolean; schema?: unknown };
type Operation = {
  operationId?: string;
  summary?: string;
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, Media> };
  responses?: Record<string, { content?: Record<string, Media> }>;
  'x-kgkit-query-schema'?: string;
};
type Document = {
  info?: { 'x-kgkit-side'?: string };
  paths?: Record<string, Record<string, unknown>>;
  components?: {
    schemas?: Record<string, { properties?: Record<string, unknown>; required?: string[] }>;
    examples?: Record<string, Example>;
    parameters?: Record<string, Parameter>;
  };
};

/** Where the view serves one activity of the operation at `path`. */
export const activityPath = (path: string, activity: string): string => `${path}/${activity}`;

/** The dispatched operations of a contract: method, path, the property that picks the activity, and the activities. */
export function dispatchedOperations(document: object): RenderedOperation[] {
  const doc = document as Document;
  if (doc.info?.['x-kgkit-side'] === 'client') return [];
  return describeOperations(document as OpenApiDocument).filter((op) => op.kind !== 'plain');
}

/** Tells, for a request to the contract's real paths, which path of the view answers it, and back. */
export interface ActivityRoutes {
  /** The view's path of a call whose activity (JSON body, or query of a GET) the contract knows; undefined otherwise. */
  toView(method: string | undefined, url: URL, body: Buffer): string | undefined;
  /** The real path of a path of the view (unchanged when it is one already). */
  fromView(method: string | undefined, pathname: string): string;
}

export function activityRoutes(document: object): ActivityRoutes {
  const dispatched = dispatchedOperations(document).map((op) => ({
    method: op.method.toUpperCase(),
    path: op.path,
    discriminator: op.discriminator!,
    from: op.kind === 'query-dispatch' ? ('query' as const) : ('body' as const),
    activities: new Set(op.handlers.map((h) => h.name)),
  }));
  return {
    toView(method, url, body) {
      const route = dispatched.find((r) => r.method === method && r.path === url.pathname);
      if (route === undefined) return undefined;
      let activity: unknown;
      if (route.from === 'query') activity = url.searchParams.get(route.discriminator);
      else {
        try {
          activity = (JSON.parse(body.toString('utf8')) as Record<string, unknown> | null)?.[route.discriminator];
        } catch {
          return undefined; // a body that is not JSON meets the whole operation
        }
      }
      return typeof activity === 'string' && route.activities.has(activity) ? activityPath(route.path, activity) : undefined;
    },
    fromView(method, pathname) {
      const route = dispatched.find((r) => r.method === method && pathname.startsWith(`${r.path}/`) && r.activities.has(pathname.slice(r.path.length + 1)));
      return route ? route.path : pathname;
    },
  };
}

export function activityView<D extends object>(document: D): D {
  const view = structuredClone(document) as Document;
  const operations = dispatchedOperations(document);
  const validators = compile(view as { components: object }, [...new Set(operations.flatMap((op) => [op.rejection, ...op.handlers.map((h) => h.response)]))]);
  const fits = (value: unknown, ...schemas: string[]) => schemas.some((name) => validators.get(name)!(value));
  for (const op of operations) {
    const item = view.paths![op.path]!;
    const operation = item[op.method] as Operation;
    for (const handler of op.handlers) {
      const path = activityPath(op.path, handler.name);
      if (view.paths![path] !== undefined) throw new Error(`activity view: ${path} is already a path of the contract`);
      const single = structuredClone(operation);
      single.operationId = `${op.operationId}_${handler.name}`;
      single.summary = `${operation.summary ?? op.operationId}: ${handler.name}`;
      if (op.kind === 'query-dispatch') {
        single['x-kgkit-query-schema'] = handler.request;
        single.parameters = queryParameters(view, operation.parameters ?? [], handler.request);
      } else {
        const media = single.requestBody!.content!['application/json']!;
        media.schema = ref(handler.request);
        media.examples = pick(view, media.examples, (_name, value) => (value as Node | undefined)?.[op.discriminator!] === handler.name);
      }
      const answer = single.responses!['200']!.content!['application/json']!;
      answer.schema = { anyOf: [ref(handler.response), ref(op.rejection)] };
      const activities = op.handlers.map((h) => h.name);
      const examples = pick(
        view,
        answer.examples,
        (name, value) => name === handler.name || (!activities.includes(name) && fits(value, handler.response, op.rejection)),
      );
      // Prism answers with the first example: the activity's own.
      answer.examples = examples && Object.fromEntries(Object.entries(examples).sort(([a], [b]) => Number(b === handler.name) - Number(a === handler.name)));
      view.paths![path] = { ...pathItemFields(item), [op.method]: single };
    }
  }
  return view as D;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const pathItemFields = (item: Record<string, unknown>) => Object.fromEntries(Object.entries(item).filter(([key]) => !METHODS.includes(key)));

function resolve<T extends { $ref?: string }>(document: Document, node: T, kind: 'examples' | 'parameters'): T {
  const name = new RegExp(`^#/components/${kind}/(.+)$`).exec(node.$ref ?? '')?.[1];
  return name === undefined ? node : ((document.components?.[kind]?.[name] as T | undefined) ?? node);
}

function pick(
  document: Document,
  examples: Record<string, Example> | undefined,
  keep: (name: string, value: unknown) => boolean,
): Record<string, Example> | undefined {
  if (examples === undefined) return undefined;
  return Object.fromEntries(Object.entries(examples).filter(([name, example]) => keep(name, resolve(document, example, 'examples').value)));
}

/** The operation's query parameters that the activity's query schema names, required as it says, with its schemas. */
function queryParameters(document: Document, parameters: Parameter[], querySchema: string): Parameter[] {
  const schema = document.components?.schemas?.[querySchema];
  const properties = schema?.properties ?? {};
  return parameters
    .map((parameter) => resolve(document, parameter, 'parameters'))
    .filter((parameter) => parameter.in !== 'query' || (parameter.name !== undefined && parameter.name in properties))
    .map((parameter) =>
      parameter.in !== 'query'
        ? parameter
        : { ...parameter, required: schema?.required?.includes(parameter.name!) ?? false, schema: properties[parameter.name!] },
    );
}
