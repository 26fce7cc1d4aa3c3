import type { ApiSchemas } from '../api.js';
import { Layout } from './layout.js';
import { Choice, Counts, Pager, StateBadge, Table, TextFilter, Time } from './parts.js';
import { type View, href } from './view.js';

export const INSTANCE_STATES = ['provisioning', 'active', 'failed', 'released'] as const;
export const PAGE_SIZE = 50;

export interface InstanceQuery {
  state?: string;
  frozen?: string;
  orderId?: string;
  instanceId?: string;
  productId?: string;
  offset?: string;
}

export const InstancesPage = ({ view, query, answer }: { view: View; query: InstanceQuery; answer: ApiSchemas['ListInstancesResponse'] }) => {
  const { t } = view;
  const instances = answer.instances ?? [];
  const offset = Number(query.offset ?? 0);
  return (
    <Layout view={view} title={t('instances.title')} section="instances">
      <h1>{t('instances.title')}</h1>
      <p class="intro">{t('instances.intro')}</p>
      {answer.counts ? (
        <Counts
          items={[
            ...INSTANCE_STATES.map((state) => ({
              label: t(`state.${state}`),
              value: answer.counts![state],
              tone: state === 'failed' ? ('bad' as const) : undefined,
              link: href('/console/instances', { state }),
            })),
            { label: t('state.frozen'), value: answer.counts.frozen, tone: 'warn' as const, link: href('/console/instances', { frozen: 'true' }) },
          ]}
        />
      ) : (
        ''
      )}
      <form class="filters" method="get" action="/console/instances">
        <Choice
          view={view}
          name="state"
          label={t('field.state')}
          value={query.state}
          options={INSTANCE_STATES.map((s) => ({ value: s, label: t(`state.${s}`) }))}
        />
        <Choice
          view={view}
          name="frozen"
          label={t('field.frozen')}
          value={query.frozen}
          options={[
            { value: 'true', label: t('state.frozen') },
            { value: 'false', label: t('state.notFrozen') },
          ]}
        />
        <TextFilter name="instanceId" label={t('field.instanceId')} value={query.instanceId} />
        <TextFilter name="orderId" label={t('field.orderId')} value={query.orderId} />
        <TextFilter name="productId" label={t('field.product')} value={query.productId} />
        <button type="submit">{t('action.filter')}</button>
        <a href="/console/instances">{t('action.clear')}</a>
      </form>
      <Table
        view={view}
        empty={instances.length === 0}
        head={[t('field.instanceId'), t('field.order'), t('field.product'), t('field.state'), t('field.frozen'), t('field.expiry'), t('field.created')]}
      >
        {instances.map((instance) => (
          <tr>
            <td>
              <a class="mono" href={`/console/instances/${encodeURIComponent(instance.instanceId)}`}>
                {instance.instanceId}
              </a>
              {instance.test ? <span class="badge off">{t('field.test')}</span> : ''}
            </td>
            <td class="mono">{instance.orderId}</td>
            <td class="mono">{instance.productId ?? '—'}</td>
            <td>
              <StateBadge view={view} prefix="state" state={instance.state} />
            </td>
            <td>{instance.frozen ? <span class="badge warn">{t('state.frozen')}</span> : t('no')}</td>
            <td>
              <Time at={instance.expiresAt} />
            </td>
            <td>
              <Time at={instance.createdAt} />
            </td>
          </tr>
        ))}
      </Table>
      <Pager
        view={view}
        path="/console/instances"
        query={{ ...query, offset: undefined }}
        offset={offset}
        limit={PAGE_SIZE}
        shown={instances.length}
        total={answer.total ?? 0}
      />
    </Layout>
  );
};
