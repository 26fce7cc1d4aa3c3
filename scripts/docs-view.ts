/**
 * The document the API reference renders for one contract (scripts/docs.ts): the bundled contract, plus one entry per
 * activity of each dispatched operation, so that the sidebar lists `newInstance`, `queryInstance`, … each with its own
 * request, answer and examples, where the contract has one operation for all of them (a discriminator Redoc shows as a
 * list of schemas under one entry). The contract itself is not changed: the whole operation stays, and each activity
 * entry is the per-activity view of scripts/activity-view.ts under its own tag.
 *
 * OpenAPI allows one operation per method and path, so an activity entry sits at `<path>#<activity>`: Redoc shows the
 * real path with the activity as a fragment, which an HTTP client never sends.
 */
import { activityPath, activityView, dispatchedOperations } from './activity-view.js';

type Operation = {
  summary?: string;
  description?: string;
  tags?: string[];
  requestBody?: { content?: Record<string, { schema?: { $ref?: string } }> };
  'x-kgkit-query-schema'?: string;
};
type Tag = { name: string; description?: string; 'x-displayName'?: string };
type Document = {
  tags?: Tag[];
  paths?: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, { description?: string }> };
};

/** Where the reference shows one activity of the operation at `path` (also its tag's name: the sidebar entry). */
export const activityEntryPath = (path: string, activity: string): string => `${path}#${activity}`;

/** An activity entry of the reference: its tag and the fragment of its section on the family's page (Redoc's hash route). */
export interface ActivityEntry {
  operationPath: string;
  method: string;
  activity: string;
  tag: string;
}

/** The activities that get an entry of their own: those of each dispatched operation with more than one. */
export function activityEntries(document: object): ActivityEntry[] {
  return dispatchedOperations(document)
    .filter((op) => op.handlers.length > 1)
    .flatMap((op) => op.handlers.map((handler) => ({ operationPath: op.path, method: op.method, activity: handler.name, tag: handler.name })));
}

/** Redoc's route to a tag's section: `#/` and the tag's name in lower case. */
export const tagFragment = (tag: string): string => `#/${tag.toLowerCase()}`;

export function docsView<D extends object>(document: D): D {
  const entries = activityEntries(document);
  if (entries.length === 0) return document;
  const perActivity = activityView(document) as Document;
  const view = structuredClone(document) as Document;
  const taken = new Set((view.tags ?? []).map((tag) => tag.name));
  const tags: Tag[] = [];
  for (const { operationPath, method, activity, tag } of entries) {
    if (taken.has(tag)) throw new Error(`docs view: the tag ${tag} is already a tag of the contract`);
    const entry = activityEntryPath(operationPath, activity);
    if (view.paths![entry] !== undefined) throw new Error(`docs view: ${entry} is already a path of the contract`);
    const item = structuredClone(perActivity.paths![activityPath(operationPath, activity)]!);
    const operation = item[method] as Operation;
    const where = method === 'get' ? 'query' : 'body';
    operation.tags = [tag];
    operation.summary = activity;
    operation.description = [
      `\`${method.toUpperCase()} ${operationPath}\` with \`activity=${activity}\` in the ${where}: one activity of the operation listed as` +
        ` "${(view.paths![operationPath]![method] as Operation).summary ?? operationPath}", shown here alone.`,
      requestDescription(view, operation),
    ]
      .filter(Boolean)
      .join('\n\n');
    view.paths![entry] = item;
    tags.push({ name: tag, 'x-displayName': activity, description: `\`activity=${activity}\` of \`${method.toUpperCase()} ${operationPath}\`.` });
  }
  view.tags = [...(view.tags ?? []), ...tags];
  return view as D;
}

/** The description of the activity's request schema (its JSON body's, or its query's), which says what the activity is for. */
function requestDescription(view: Document, operation: Operation): string | undefined {
  const ref = operation.requestBody?.content?.['application/json']?.schema?.$ref;
  const name = operation['x-kgkit-query-schema'] ?? /^#\/components\/schemas\/(.+)$/.exec(ref ?? '')?.[1];
  return name === undefined ? undefined : view.components?.schemas?.[name]?.description;
}
