import type { ApiSchemas } from '../api.js';
import { Layout } from './layout.js';
import { Code, Notice, Table, TextFilter, Time } from './parts.js';
import { type View, href } from './view.js';

export const PERIODS = ['1', '7', '30', '90'] as const;

/** A reason as the events list's `reason` filter takes it: its first line, at most 255 characters, no control character. */
export const reasonFilter = (reason: string | undefined): string | undefined => {
  const line = (reason ?? '').split(/[\u0000-\u001f\u007f]/)[0]!.slice(0, 255);
  return line === '' ? undefined : line;
};

/** A field of the events filter, when it fits the contract's pattern; the API would refuse it otherwise. */
const fitting = (value: string, pattern: RegExp, max: number) => (value.length <= max && pattern.test(value) ? value : undefined);

export const RefusalsPage = ({
  view,
  query,
  answer,
}: {
  view: View;
  query: { reason?: string; days?: string };
  answer: ApiSchemas['ListRefusalsResponse'];
}) => {
  const { t } = view;
  const groups = answer.groups ?? [];
  const days = query.days ?? '7';
  return (
    <Layout view={view} title={t('refusals.title')} section="refusals">
      <h1>{t('refusals.title')}</h1>
      <p class="intro">{t('refusals.intro')}</p>
      <form class="filters" method="get" action="/console/refusals">
        <TextFilter name="reason" label={t('refusals.search')} value={query.reason} size={36} />
        <label>
          {t('field.days')}
          <select name="days">
            {PERIODS.map((n) => (
              <option value={n} selected={n === days}>
                {t('refusals.days', { n })}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">{t('action.filter')}</button>
      </form>
      <Notice kind={(answer.refused ?? 0) > 0 ? 'refused' : 'done'}>{t('refusals.total', { n: answer.refused ?? 0 })}</Notice>
      <Table
        view={view}
        empty={groups.length === 0}
        head={[t('field.reason'), t('field.code'), t('field.family'), t('field.activity'), t('field.calls'), t('field.first'), t('field.last'), '']}
      >
        {groups.map((group) => (
          <tr>
            <td>{group.reason ?? '—'}</td>
            <td>
              <Code code={group.code} />
            </td>
            <td class="mono">{group.family}</td>
            <td class="mono">{group.activity}</td>
            <td class="num">{group.calls}</td>
            <td>
              <Time at={group.firstAt} />
            </td>
            <td>
              <Time at={group.lastAt} />
            </td>
            <td>
              <a
                href={href('/console/calls', {
                  outcome: 'refused',
                  family: group.family,
                  activity: fitting(group.activity, /^[A-Za-z][A-Za-z0-9]*$/, 64),
                  code: fitting(group.code, /^[A-Za-z0-9][A-Za-z0-9.]*$/, 16),
                  reason: reasonFilter(group.reason),
                })}
              >
                {t('refusals.showCalls')}
              </a>
            </td>
          </tr>
        ))}
      </Table>
    </Layout>
  );
};
