import type { ApiSchemas } from '../api.js';
import { Layout } from './layout.js';
import { Choice, Code, Pager, Table, TextFilter, Time } from './parts.js';
import type { View } from './view.js';

export const FAMILIES = ['saas-v2', 'saas-v1', 'kit-v2', 'kit-v1', 'license-code', 'online-license', 'order-notify'] as const;
export const CALLS_PAGE_SIZE = 50;

export interface CallQuery {
  instanceId?: string;
  orderId?: string;
  family?: string;
  activity?: string;
  code?: string;
  outcome?: string;
  reason?: string;
  offset?: string;
}

export const CallsPage = ({ view, query, answer }: { view: View; query: CallQuery; answer: ApiSchemas['ListEventsResponse'] }) => {
  const { t } = view;
  const events = answer.events ?? [];
  return (
    <Layout view={view} title={t('calls.title')} section="calls">
      <h1>{t('calls.title')}</h1>
      <p class="intro">{t('calls.intro')}</p>
      <form class="filters" method="get" action="/console/calls">
        <TextFilter name="instanceId" label={t('field.instanceId')} value={query.instanceId} size={20} />
        <TextFilter name="orderId" label={t('field.orderId')} value={query.orderId} size={20} />
        <Choice view={view} name="family" label={t('field.family')} value={query.family} options={FAMILIES.map((f) => ({ value: f, label: f }))} />
        <TextFilter name="activity" label={t('field.activity')} value={query.activity} size={14} />
        <Choice
          view={view}
          name="outcome"
          label={t('field.outcome')}
          value={query.outcome}
          options={[
            { value: 'refused', label: t('outcome.refused') },
            { value: 'accepted', label: t('outcome.accepted') },
          ]}
        />
        <TextFilter name="code" label={t('field.code')} value={query.code} size={8} />
        <TextFilter name="reason" label={t('refusals.search')} value={query.reason} size={28} />
        <button type="submit">{t('action.filter')}</button>
        <a href="/console/calls">{t('action.clear')}</a>
      </form>
      <Table
        view={view}
        empty={events.length === 0}
        head={[
          t('field.time'),
          t('field.family'),
          t('field.activity'),
          t('field.instanceId'),
          t('field.order'),
          t('field.code'),
          t('field.reason'),
          t('field.durationMs'),
        ]}
      >
        {events.map((event) => (
          <tr>
            <td>
              <Time at={event.receivedAt} />
              {event.test ? <span class="badge off">{t('field.test')}</span> : ''}
            </td>
            <td class="mono">{event.family}</td>
            <td class="mono">{event.activity}</td>
            <td>
              {event.instanceId ? (
                <a class="mono" href={`/console/instances/${encodeURIComponent(event.instanceId)}`}>
                  {event.instanceId}
                </a>
              ) : (
                '—'
              )}
            </td>
            <td class="mono">{event.orderId ?? '—'}</td>
            <td>
              <Code code={event.code} />
            </td>
            <td>
              {event.reason ?? '—'}
              <details>
                <summary>{t('field.request')}</summary>
                <pre>{event.request}</pre>
              </details>
            </td>
            <td class="num">{event.durationMs}</td>
          </tr>
        ))}
      </Table>
      <Pager
        view={view}
        path="/console/calls"
        query={{ ...query, offset: undefined }}
        offset={Number(query.offset ?? 0)}
        limit={CALLS_PAGE_SIZE}
        shown={events.length}
        hasMore={answer.hasMore ?? false}
      />
    </Layout>
  );
};
