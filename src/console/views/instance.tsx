import type { ApiSchemas } from '../api.js';
import { Layout } from './layout.js';
import { Notice, StateBadge, Time } from './parts.js';
import { type InstanceHistory, Timeline } from './timeline.js';
import { UsageChart } from './usage-chart.js';
import { type View, href } from './view.js';

export const InstancePage = ({
  view,
  instanceId,
  instance,
  history,
}: {
  view: View;
  instanceId: string;
  instance: ApiSchemas['Instance'] | undefined;
  history: InstanceHistory;
}) => {
  const { t } = view;
  const title = t('instance.title', { id: instanceId });
  if (!instance)
    return (
      <Layout view={view} title={title} section="instances">
        <h1>{title}</h1>
        <Notice kind="refused">{t('instance.notFound', { id: instanceId })}</Notice>
      </Layout>
    );
  return (
    <Layout view={view} title={title} section="instances">
      <h1>
        {t('instance.title', { id: '' })}
        <span class="mono">{instance.instanceId}</span> <StateBadge view={view} prefix="state" state={instance.state} />{' '}
        {instance.frozen ? <span class="badge warn">{t('state.frozen')}</span> : ''}
      </h1>
      <dl class="facts">
        <dt>{t('field.order')}</dt>
        <dd class="mono">{instance.orderId}</dd>
        <dt>{t('field.orderLine')}</dt>
        <dd class="mono">{instance.orderLineId}</dd>
        <dt>{t('field.businessId')}</dt>
        <dd class="mono">{instance.businessId}</dd>
        <dt>{t('field.product')}</dt>
        <dd class="mono">{instance.productId ?? '—'}</dd>
        <dt>{t('field.expiry')}</dt>
        <dd>
          <Time at={instance.expiresAt} />
        </dd>
        <dt>{t('field.test')}</dt>
        <dd>{instance.test ? t('yes') : t('no')}</dd>
        <dt>{t('field.provisionAttempts')}</dt>
        <dd>{instance.provisionAttempts}</dd>
        {instance.lastError ? (
          <>
            <dt>{t('field.lastError')}</dt>
            <dd>{instance.lastError}</dd>
          </>
        ) : (
          ''
        )}
        <dt>{t('field.created')}</dt>
        <dd>
          <Time at={instance.createdAt} />
        </dd>
        <dt>{t('field.updated')}</dt>
        <dd>
          <Time at={instance.updatedAt} />
        </dd>
      </dl>
      <h2>{t('chart.title')}</h2>
      <UsageChart view={view} records={history.records} />
      <h2>{t('timeline.title')}</h2>
      <p class="intro">
        {t('timeline.intro')} <a href={href('/console/calls', { instanceId: instance.instanceId })}>{t('instance.calls')}</a>
      </p>
      <Timeline view={view} history={history} />
    </Layout>
  );
};
