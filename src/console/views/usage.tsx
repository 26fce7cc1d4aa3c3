import type { ApiSchemas } from '../api.js';
import type { Flash } from '../sessions.js';
import type { MessageKey } from '../i18n/en.js';
import { Layout } from './layout.js';
import { Choice, Code, Counts, Notice, StateBadge, Table, TextFilter, Time } from './parts.js';
import { type View, href, wireTime } from './view.js';

type UsageRecord = ApiSchemas['UsageRecord'];
export const RECORD_STATES = ['pending', 'sent', 'rejected', 'expired'] as const;

/** Retry now (pending and refused records) and give up (pending ones): each its own small form, posted back here. */
const Actions = ({ view, record, back }: { view: View; record: UsageRecord; back: string }) => (
  <>
    {record.state === 'pending' || record.state === 'rejected' ? (
      <form method="post" action="/console/usage/retry" class="inline">
        <input type="hidden" name="meteringSn" value={record.meteringSn} />
        <input type="hidden" name="back" value={back} />
        <button type="submit">{view.t('action.retryNow')}</button>
      </form>
    ) : (
      ''
    )}
    {record.state === 'pending' ? (
      <form method="post" action="/console/usage/give-up" class="inline">
        <input type="hidden" name="meteringSn" value={record.meteringSn} />
        <input type="hidden" name="back" value={back} />
        <button type="submit" class="danger">
          {view.t('action.giveUp')}
        </button>
      </form>
    ) : (
      ''
    )}
  </>
);

export const RecordTable = ({ view, records, back }: { view: View; records: UsageRecord[]; back: string }) => {
  const { t } = view;
  return (
    <Table
      view={view}
      empty={records.length === 0}
      head={[
        t('field.meteringSn'),
        t('field.instanceId'),
        t('field.window'),
        t('field.usage'),
        t('field.state'),
        t('field.attempts'),
        t('field.lastCode'),
        t('field.next'),
        t('field.actions'),
      ]}
    >
      {records.map((record) => (
        <tr data-metering-sn={record.meteringSn}>
          <td class="mono">{record.meteringSn}</td>
          <td>
            <a class="mono" href={`/console/instances/${encodeURIComponent(record.instanceId)}`}>
              {record.instanceId}
            </a>
          </td>
          <td>{`${wireTime(record.beginTime)}–${wireTime(record.endTime).slice(11)}`}</td>
          <td class="num">{record.usageValue}</td>
          <td>
            <StateBadge view={view} prefix="record" state={record.state} />
            {record.atRisk ? <span class="badge bad">18+</span> : ''}
          </td>
          <td class="num">{record.attempts}</td>
          <td>
            {record.lastCode ? <Code code={record.lastCode} /> : '—'}
            {record.lastError ? <div>{record.lastError}</div> : ''}
          </td>
          <td>{record.state === 'sent' ? <Time at={record.sentAt} /> : <Time at={record.nextAttemptAt} />}</td>
          <td>
            <Actions view={view} record={record} back={back} />
          </td>
        </tr>
      ))}
    </Table>
  );
};

export interface UsageLists {
  /** The counts and the records of the state asked, or the backlog (pending) and the failed (rejected) ones. */
  summary: ApiSchemas['ListUsageRecordsResponse'];
  lists: { state: (typeof RECORD_STATES)[number]; records: UsageRecord[] }[];
}

const HEADINGS: Record<(typeof RECORD_STATES)[number], MessageKey> = {
  pending: 'usage.backlog',
  rejected: 'usage.failed',
  sent: 'record.sent',
  expired: 'record.expired',
};

export const UsagePage = ({
  view,
  query,
  usage,
  flash,
}: {
  view: View;
  query: { state?: string; instanceId?: string };
  usage: UsageLists;
  flash: Flash | undefined;
}) => {
  const { t } = view;
  const { summary } = usage;
  return (
    <Layout view={view} title={t('usage.title')} section="usage">
      <h1>{t('usage.title')}</h1>
      <p class="intro">{t('usage.intro')}</p>
      {flash ? <Notice kind={flash.kind}>{t(flash.key as MessageKey, flash.params)}</Notice> : ''}
      {summary.counts ? (
        <Counts
          items={[
            ...RECORD_STATES.map((state) => ({
              label: t(`record.${state}`),
              value: summary.counts![state],
              tone: state === 'rejected' ? ('bad' as const) : state === 'pending' ? ('warn' as const) : undefined,
              link: href('/console/usage', { state, instanceId: query.instanceId }),
            })),
            { label: t('usage.atRisk'), value: summary.atRisk ?? 0, tone: 'bad' as const },
            { label: t('usage.openEvents'), value: summary.openEvents ?? 0 },
            { label: t('usage.unbillable'), value: summary.unbillableEvents ?? 0, tone: 'bad' as const },
          ]}
        />
      ) : (
        ''
      )}
      <form class="filters" method="get" action="/console/usage">
        <Choice
          view={view}
          name="state"
          label={t('field.state')}
          value={query.state}
          options={RECORD_STATES.map((s) => ({ value: s, label: t(`record.${s}`) }))}
        />
        <TextFilter name="instanceId" label={t('field.instanceId')} value={query.instanceId} />
        <button type="submit">{t('action.filter')}</button>
        <a href="/console/usage">{t('action.clear')}</a>
      </form>
      {usage.lists.map((list) => (
        <section>
          <h2>{t(HEADINGS[list.state])}</h2>
          <RecordTable view={view} records={list.records} back={view.here} />
        </section>
      ))}
    </Layout>
  );
};
