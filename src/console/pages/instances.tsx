import { Hono } from 'hono';
import { type ConsoleEnv, type ConsoleState, queryOf } from '../context.js';
import { InstancePage } from '../views/instance.js';
import { InstancesPage, PAGE_SIZE } from '../views/instances.js';
import { render } from './render.js';

/** The instances, and one instance with its usage chart and timeline. */
export function instanceRoutes(state: ConsoleState): Hono<ConsoleEnv> {
  const routes = new Hono<ConsoleEnv>();

  routes.get('/instances', (c) =>
    render(c, state, async () => {
      const query = queryOf(c, ['state', 'frozen', 'orderId', 'instanceId', 'productId', 'offset'] as const);
      const answer = await c.var.api.read('/kgkit/v1/instances', { ...(query as object), limit: String(PAGE_SIZE) });
      return <InstancesPage view={c.var.view} query={query} answer={answer} />;
    }),
  );

  routes.get('/instances/:instanceId', (c) =>
    render(c, state, async () => {
      const instanceId = c.req.param('instanceId');
      const { api } = c.var;
      const [found, events, lookups, records, uploads] = await Promise.all([
        api.read('/kgkit/v1/instances', { instanceId, limit: '1' }),
        api.read('/kgkit/v1/events', { instanceId, limit: '200' }),
        api.read('/kgkit/v1/order-lookups', { instanceId, limit: '100' }),
        api.read('/kgkit/v1/usage-records', { instanceId, limit: '100' }),
        api.read('/kgkit/v1/license-uploads', { instanceId, limit: '100' }),
      ]);
      const history = { events: events.events ?? [], lookups: lookups.lookups ?? [], records: records.records ?? [], uploads: uploads.uploads ?? [] };
      return <InstancePage view={c.var.view} instanceId={instanceId} instance={found.instances?.[0]} history={history} />;
    }),
  );

  return routes;
}
