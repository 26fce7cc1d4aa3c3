import type { ApiSchemas } from '../api.js';
import { Layout } from './layout.js';
import { Choice, Code, Counts, StateBadge, Table, Time } from './parts.js';
import { type View, href } from './view.js';

export const UPLOAD_STATES = ['pending', 'uploaded', 'rejected', 'skipped'] as const;

export const LicensesPage = ({ view, query, answer }: { view: View; query: { state?: string }; answer: ApiSchemas['ListLicenseUploadsResponse'] }) => {
  const { t } = view;
  const uploads = answer.uploads ?? [];
  return (
    <Layout view={view} title={t('licenses.title')} section="licenseUploads">
      <h1>{t('licenses.title')}</h1>
      <p class="intro">{t('licenses.intro')}</p>
      {answer.counts ? (
        <Counts
          items={UPLOAD_STATES.map((state) => ({
            label: t(`upload.${state}`),
            value: answer.counts![state],
            tone: state === 'rejected' ? ('bad' as const) : state === 'pending' ? ('warn' as const) : undefined,
            link: href('/console/license-uploads', { state }),
          }))}
        />
      ) : (
        ''
      )}
      <form class="filters" method="get" action="/console/license-uploads">
        <Choice
          view={view}
          name="state"
          label={t('field.state')}
          value={query.state}
          options={UPLOAD_STATES.map((s) => ({ value: s, label: t(`upload.${s}`) }))}
        />
        <button type="submit">{t('action.filter')}</button>
      </form>
      <Table
        view={view}
        empty={uploads.length === 0}
        head={[
          t('field.eventId'),
          t('field.instanceId'),
          t('field.state'),
          t('field.attempts'),
          t('field.lastCode'),
          t('field.requested'),
          t('field.next'),
          t('field.uploaded'),
        ]}
      >
        {uploads.map((upload) => (
          <tr>
            <td class="mono">{upload.eventId}</td>
            <td>
              <a class="mono" href={`/console/instances/${encodeURIComponent(upload.instanceId)}`}>
                {upload.instanceId}
              </a>
            </td>
            <td>
              <StateBadge view={view} prefix="upload" state={upload.state} />
            </td>
            <td class="num">{upload.attempts}</td>
            <td>
              {upload.lastCode ? <Code code={upload.lastCode} /> : '—'}
              {upload.lastError ? <div>{upload.lastError}</div> : ''}
            </td>
            <td>
              <Time at={upload.requestedAt} />
            </td>
            <td>
              <Time at={upload.nextAttemptAt} />
            </td>
            <td>
              <Time at={upload.uploadedAt} />
            </td>
          </tr>
        ))}
      </Table>
    </Layout>
  );
};
