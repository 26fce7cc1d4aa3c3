import type { Child } from 'hono/jsx';
import type { MessageKey } from '../i18n/en.js';
import { type View, href, shortTime } from './view.js';

export type Tone = 'ok' | 'warn' | 'bad' | 'off';

const TONES: Record<string, Tone> = {
  active: 'ok',
  provisioning: 'warn',
  failed: 'bad',
  released: 'off',
  pending: 'warn',
  sent: 'ok',
  rejected: 'bad',
  expired: 'off',
  uploaded: 'ok',
  skipped: 'off',
  found: 'ok',
  refused: 'bad',
  accepted: 'ok',
};

/** A state as a coloured label; `prefix` picks its message (`record.` + `pending`). */
export const StateBadge = ({ view, prefix, state }: { view: View; prefix: 'state' | 'record' | 'upload' | 'lookup' | 'outcome'; state: string }) => (
  <span class={`badge ${TONES[state] ?? 'off'}`} data-state={state}>
    {view.t(`${prefix}.${state}` as MessageKey)}
  </span>
);

/** A result code, coloured by whether kgkit accepted the call. */
export const Code = ({ code }: { code: string | undefined }) =>
  code === undefined ? <span>—</span> : <code class={code === '000000' || code === '000004' ? 'ok' : 'bad'}>{code}</code>;

export const Time = ({ at }: { at: string | undefined }) => (at ? <time datetime={at}>{shortTime(at)}</time> : <span>—</span>);

export const Table = ({ view, head, empty, children }: { view: View; head: string[]; empty: boolean; children?: Child }) => (
  <table>
    <thead>
      <tr>
        {head.map((label) => (
          <th scope="col">{label}</th>
        ))}
      </tr>
    </thead>
    <tbody>
      {empty ? (
        <tr>
          <td colspan={head.length}>{view.t('table.none')}</td>
        </tr>
      ) : (
        children
      )}
    </tbody>
  </table>
);

/** Previous / next links of a list shown `limit` at a time from `offset`; `total` when the API counts, else `hasMore`. */
export const Pager = ({
  view,
  path,
  query,
  offset,
  limit,
  shown,
  total,
  hasMore,
}: {
  view: View;
  path: string;
  query: Record<string, string | undefined>;
  offset: number;
  limit: number;
  shown: number;
  total?: number;
  hasMore?: boolean;
}) => {
  const more = total === undefined ? hasMore === true : offset + shown < total;
  if (shown === 0 && offset === 0) return '';
  const range = { from: shown === 0 ? offset : offset + 1, to: offset + shown };
  return (
    <nav class="pager" aria-label={view.t('paging.page', range)}>
      <span>{total === undefined ? view.t('paging.page', range) : view.t('paging.range', { ...range, total })}</span>
      {offset > 0 ? <a href={href(path, { ...query, offset: Math.max(0, offset - limit) || undefined })}>{view.t('action.previous')}</a> : ''}
      {more ? <a href={href(path, { ...query, offset: offset + limit })}>{view.t('action.next')}</a> : ''}
    </nav>
  );
};

export const Notice = ({ kind, children }: { kind: 'done' | 'refused' | 'error'; children?: Child }) => (
  <p class={`notice ${kind}`} role={kind === 'done' ? 'status' : 'alert'}>
    {children}
  </p>
);

export const Counts = ({ items }: { items: { label: string; value: number; tone?: Tone; link?: string }[] }) => (
  <ul class="counts">
    {items.map((item) => (
      <li>
        <strong class={item.value > 0 && item.tone ? item.tone : ''}>{item.value}</strong>
        {item.link ? <a href={item.link}>{item.label}</a> : item.label}
      </li>
    ))}
  </ul>
);

/** A select of a filter form: "any" first, then each value with its message. */
export const Choice = ({
  view,
  name,
  label,
  value,
  options,
}: {
  view: View;
  name: string;
  label: string;
  value: string | undefined;
  options: { value: string; label: string }[];
}) => (
  <label>
    {label}
    <select name={name}>
      <option value="">{view.t('any')}</option>
      {options.map((option) => (
        <option value={option.value} selected={option.value === value}>
          {option.label}
        </option>
      ))}
    </select>
  </label>
);

export const TextFilter = ({ name, label, value, size = 24 }: { name: string; label: string; value: string | undefined; size?: number }) => (
  <label>
    {label}
    <input type="text" name={name} value={value ?? ''} size={size} maxlength={255} />
  </label>
);
