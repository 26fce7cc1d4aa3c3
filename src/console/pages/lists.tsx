import { Hono } from 'hono';
import { type ConsoleEnv, type ConsoleState, queryOf } from '../context.js';
import { CALLS_PAGE_SIZE, CallsPage } from '../views/calls.js';
import { DirectoryPage, TENANT_PAGE_SIZE, TenantPage } from '../views/directory.js';
import { LicensesPage } from '../views/licenses.js';
import { RefusalsPage } from '../views/refusals.js';
import { render } from './render.js';

/** The License uploads, the Kit directory, the refused calls by reason and the audit trail. */
export function listRoutes(state: ConsoleState): Hono<ConsoleEnv> {
  const routes = new Hono<ConsoleEnv>();

  routes.get('/license-uploads', (c) =>
    render(c, state, async () => {
      const query = queryOf(c, ['state'] as const);
      const answer = await c.var.api.read('/kgkit/v1/license-uploads', { ...(query as object), limit: '200' });
      return <LicensesPage view={c.var.view} query={query} answer={answer} />;
    }),
  );

  routes.get('/directory', (c) =>
    render(c, state, async () => {
      const query = queryOf(c, ['offset'] as const);
      const answer = await c.var.api.read('/kgkit/v1/kit-tenants', { ...query, limit: String(TENANT_PAGE_SIZE) });
      return <DirectoryPage view={c.var.view} offset={Number(query.offset ?? 0)} answer={answer} />;
    }),
  );

  routes.get('/directory/tenant', (c) =>
    render(c, state, async () => {
      // A tenant synced without an instance has an empty instanceId: it is passed on as it is.
      const key = { instanceId: c.req.query('instanceId') ?? '', tenantId: c.req.query('tenantId') ?? '' };
      const answer = await c.var.api.read('/kgkit/v1/kit-directory', key);
      return <TenantPage view={c.var.view} tenantKey={key} answer={answer} />;
    }),
  );

  routes.get('/refusals', (c) =>
    render(c, state, async () => {
      const query = queryOf(c, ['reason', 'days'] as const);
      const answer = await c.var.api.read('/kgkit/v1/refusals', { ...(query as object), limit: '200' });
      return <RefusalsPage view={c.var.view} query={query} answer={answer} />;
    }),
  );

  routes.get('/calls', (c) =>
    render(c, state, async () => {
      const query = queryOf(c, ['instanceId', 'orderId', 'family', 'activity', 'code', 'outcome', 'reason', 'offset'] as const);
      const answer = await c.var.api.read('/kgkit/v1/events', { ...(query as object), limit: String(CALLS_PAGE_SIZE) });
      return <CallsPage view={c.var.view} query={query} answer={answer} />;
    }),
  );

  return routes;
}
