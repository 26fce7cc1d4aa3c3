import { newOrderBody, queryBody } from './signed-requests.js';

/** One kind of call the marketplace makes, and how each server under test is asked it. */
export interface Workload {
  name: string;
  /** Path segment of the bare Hono route answering it. */
  slug: string;
  /** The Prism example answering it (`Prefer: example=<activity>`). */
  example: string;
  /** A fresh body per call: every newInstance a new order; queries cycle over the given IDs (100 at a time for ×100). */
  bodies(instanceIds: readonly string[]): () => object;
}

export const WORKLOADS: readonly Workload[] = [
  { name: 'newInstance', slug: 'new-instance', example: 'newInstance', bodies: () => newOrderBody },
  {
    name: 'queryInstance ×1',
    slug: 'query-1',
    example: 'queryInstance',
    bodies: (ids) => {
      let next = 0;
      return () => queryBody([ids[next++ % ids.length]!]);
    },
  },
  {
    name: 'queryInstance ×100',
    slug: 'query-100',
    example: 'queryInstance',
    bodies: (ids) => {
      const groups = Math.max(1, Math.floor(ids.length / 100));
      let next = 0;
      return () => {
        const group = next++ % groups;
        return queryBody(ids.slice(group * 100, group * 100 + 100));
      };
    },
  },
];

/** The answers a run counts: success. Anything else (a refusal, 000004, a Prism error) spoils the run. */
export const isSuccess = (body: string): boolean => body.includes('"resultCode":"000000"');
