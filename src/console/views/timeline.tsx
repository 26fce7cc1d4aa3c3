import type { ApiSchemas } from '../api.js';
import type { MessageKey } from '../i18n/en.js';
import { Code, StateBadge, Table, Time } from './parts.js';
import { type View, wireTime, wireToIso } from './view.js';

/** What happened to one instance, from the four lists the kgkit API keeps about it. */
export interface InstanceHistory {
  events: ApiSchemas['AuditEvent'][];
  lookups: ApiSchemas['OrderLookup'][];
  records: ApiSchemas['UsageRecord'][];
  uploads: ApiSchemas['LicenseUpload'][];
}

interface Entry {
  at: string | undefined;
  kind: MessageKey;
  what: string;
  state?: { prefix: 'record' | 'upload' | 'lookup'; value: string };
  code?: string;
  reason?: string;
  request?: string;
}

/** Every entry, newest first; an entry without a time (a lookup not tried yet) goes last. */
export function timelineOf(history: InstanceHistory): Entry[] {
  const entries: Entry[] = [
    ...history.events.map(
      (event): Entry => ({
        at: event.receivedAt,
        kind: 'timeline.call',
        what: `${event.family} ${event.activity}`,
        code: event.code,
        ...(event.reason !== undefined ? { reason: event.reason } : {}),
        request: event.request,
      }),
    ),
    ...history.lookups.map(
      (lookup): Entry => ({
        at: lookup.foundAt ?? lookup.nextAttemptAt,
        kind: 'timeline.orderLookup',
        what: `${lookup.orderId} / ${lookup.orderLineId} (${lookup.reason})`,
        state: { prefix: 'lookup', value: lookup.state },
        ...(lookup.lastCode !== undefined ? { code: lookup.lastCode } : {}),
        ...(lookup.lastError !== undefined ? { reason: lookup.lastError } : {}),
      }),
    ),
    ...history.records.map(
      (record): Entry => ({
        at: record.sentAt ?? wireToIso(record.recordTime),
        kind: 'timeline.usageRecord',
        what: `${wireTime(record.beginTime)}–${wireTime(record.endTime).slice(11)}: ${record.usageValue}`,
        state: { prefix: 'record', value: record.state },
        ...(record.lastCode !== undefined ? { code: record.lastCode } : {}),
        ...(record.lastError !== undefined ? { reason: record.lastError } : {}),
      }),
    ),
    ...history.uploads.map(
      (upload): Entry => ({
        at: upload.uploadedAt ?? upload.requestedAt,
        kind: 'timeline.licenseUpload',
        what: upload.eventId,
        state: { prefix: 'upload', value: upload.state },
        ...(upload.lastCode !== undefined ? { code: upload.lastCode } : {}),
        ...(upload.lastError !== undefined ? { reason: upload.lastError } : {}),
      }),
    ),
  ];
  return entries.sort((a, b) => (a.at === b.at ? 0 : a.at === undefined ? 1 : b.at === undefined ? -1 : a.at < b.at ? 1 : -1));
}

export const Timeline = ({ view, history }: { view: View; history: InstanceHistory }) => {
  const { t } = view;
  const entries = timelineOf(history);
  return (
    <Table view={view} empty={entries.length === 0} head={[t('field.time'), t('field.kind'), t('field.detail'), t('field.code'), t('field.reason')]}>
      {entries.map((entry) => (
        <tr>
          <td>
            <Time at={entry.at} />
          </td>
          <td>{t(entry.kind)}</td>
          <td>
            <span class="mono">{entry.what}</span> {entry.state ? <StateBadge view={view} prefix={entry.state.prefix} state={entry.state.value} /> : ''}
            {entry.request ? (
              <details>
                <summary>{t('field.request')}</summary>
                <pre>{entry.request}</pre>
              </details>
            ) : (
              ''
            )}
          </td>
          <td>{entry.code ? <Code code={entry.code} /> : '—'}</td>
          <td>{entry.reason ?? '—'}</td>
        </tr>
      ))}
    </Table>
  );
};
