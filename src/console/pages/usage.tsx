import { Hono } from 'hono';
import type { ApiSchemas } from '../api.js';
import { ApiRefusal } from '../api.js';
import { type ConsoleContext, type ConsoleEnv, type ConsoleState, backTo, formOf, queryOf } from '../context.js';
import type { Flash } from '../sessions.js';
import { RECORD_STATES, UsagePage, type UsageLists } from '../views/usage.js';
import { refusal, render } from './render.js';

const LISTED = '200';
/** What kgkit keeps as the reason of a record given up from the console (its lastError). */
const GIVE_UP_REASON = 'given up from the operator console';

/** What an action did to the one record it was for, as the next page's notice. */
function flashOf(result: ApiSchemas['UsageRecordActionResult'] | undefined, meteringSn: string): Flash {
  const sn = meteringSn;
  switch (result?.status) {
    case 'retried': {
      const state = result.record?.state;
      if (state === 'sent') return { kind: 'done', key: 'notice.retried.sent', params: { sn } };
      if (state === 'rejected') return { kind: 'refused', key: 'notice.retried.rejected', params: { sn, code: result.record?.lastCode ?? '' } };
      return { kind: 'done', key: 'notice.retried.pending', params: { sn } };
    }
    case 'given-up':
      return { kind: 'done', key: 'notice.givenUp', params: { sn } };
    case 'refused':
      return { kind: 'refused', key: 'notice.refused', params: { sn, message: result.message ?? '' } };
    default:
      return { kind: 'refused', key: 'notice.unknown', params: { sn } };
  }
}

/** The usage backlog and the failed deliveries, with retry now and give up. */
export function usageRoutes(state: ConsoleState): Hono<ConsoleEnv> {
  const routes = new Hono<ConsoleEnv>();

  routes.get('/usage', (c) =>
    render(c, state, async () => {
      const query = queryOf(c, ['state', 'instanceId'] as const);
      const wanted = RECORD_STATES.filter((s) => s === query.state);
      const states = query.state === undefined ? (['pending', 'rejected'] as const) : wanted.length > 0 ? wanted : [query.state as 'pending'];
      const answers = await Promise.all(
        states.map((s) =>
          c.var.api.read('/kgkit/v1/usage-records', { state: s, limit: LISTED, ...(query.instanceId ? { instanceId: query.instanceId } : {}) }),
        ),
      );
      const usage: UsageLists = { summary: answers[0]!, lists: states.map((s, i) => ({ state: s, records: answers[i]!.records ?? [] })) };
      const flash = c.var.session.flash;
      delete c.var.session.flash;
      return <UsagePage view={c.var.view} query={query} usage={usage} flash={flash} />;
    }),
  );

  const act = (path: '/kgkit/v1/usage-records/retry' | '/kgkit/v1/usage-records/give-up') => async (c: ConsoleContext) => {
    const field = await formOf(c);
    const meteringSn = field('meteringSn') ?? '';
    const back = backTo(field('back'), '/console/usage');
    try {
      const answer =
        path === '/kgkit/v1/usage-records/retry'
          ? await c.var.api.act(path, { meteringSns: [meteringSn] })
          : await c.var.api.act(path, { meteringSns: [meteringSn], reason: GIVE_UP_REASON });
      const result = answer.results?.[0];
      state.logger.info('console: usage record action', { action: path.split('/').at(-1), meteringSn, status: result?.status, state: result?.record?.state });
      c.var.session.flash = flashOf(result, meteringSn);
      return c.redirect(back, 303);
    } catch (error) {
      if (error instanceof ApiRefusal) return refusal(c, state, error);
      throw error;
    }
  };
  routes.post('/usage/retry', act('/kgkit/v1/usage-records/retry'));
  routes.post('/usage/give-up', act('/kgkit/v1/usage-records/give-up'));

  return routes;
}
