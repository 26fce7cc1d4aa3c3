import type { JSX } from 'hono/jsx/jsx-runtime';
import type { ApiSchemas } from '../api.js';
import { Layout } from './layout.js';
import { Notice, Pager, Table, Time } from './parts.js';
import { type View, href } from './view.js';

export const TENANT_PAGE_SIZE = 50;

export const DirectoryPage = ({ view, offset, answer }: { view: View; offset: number; answer: ApiSchemas['ListKitTenantsResponse'] }) => {
  const { t } = view;
  const tenants = answer.tenants ?? [];
  return (
    <Layout view={view} title={t('directory.title')} section="directory">
      <h1>{t('directory.title')}</h1>
      <p class="intro">{t('directory.intro')}</p>
      <Table
        view={view}
        empty={tenants.length === 0}
        head={[
          t('field.tenant'),
          t('field.tenantId'),
          t('field.instanceId'),
          t('field.order'),
          t('field.applications'),
          t('field.users'),
          t('field.orgUnits'),
          t('field.synced'),
        ]}
      >
        {tenants.map((tenant) => (
          <tr>
            <td>
              <a href={href('/console/directory/tenant', { instanceId: tenant.instanceId, tenantId: tenant.tenantId })}>{tenant.name}</a>
              {tenant.test ? <span class="badge off">{t('field.test')}</span> : ''}
            </td>
            <td class="mono">{tenant.tenantId}</td>
            <td class="mono">{tenant.instanceId || '—'}</td>
            <td class="mono">{tenant.orderId || '—'}</td>
            <td class="num">{tenant.applications}</td>
            <td class="num">{tenant.users}</td>
            <td class="num">{tenant.orgUnits}</td>
            <td>
              <Time at={tenant.updatedAt} />
            </td>
          </tr>
        ))}
      </Table>
      <Pager view={view} path="/console/directory" query={{}} offset={offset} limit={TENANT_PAGE_SIZE} shown={tenants.length} total={answer.total ?? 0} />
    </Layout>
  );
};

type OrgUnit = ApiSchemas['KitOrgUnit'];

/** The departments as a tree: roots are those without a parent kgkit knows; a loop in the data shows each unit once. */
const OrgTree = ({ units }: { units: OrgUnit[] }): JSX.Element => {
  const codes = new Set(units.map((unit) => unit.orgCode));
  const children = new Map<string, OrgUnit[]>();
  for (const unit of units) {
    const parent = unit.parentCode !== undefined && codes.has(unit.parentCode) ? unit.parentCode : '';
    children.set(parent, [...(children.get(parent) ?? []), unit]);
  }
  const shown = new Set<string>();
  const branch = (parent: string): JSX.Element | '' => {
    const below = (children.get(parent) ?? []).filter((unit) => !shown.has(unit.orgCode));
    if (below.length === 0) return '';
    for (const unit of below) shown.add(unit.orgCode);
    return (
      <ul class={parent === '' ? 'tree' : undefined}>
        {below.map((unit) => (
          <li>
            {unit.orgName} <span class="mono off">{unit.orgCode}</span>
            {branch(unit.orgCode)}
          </li>
        ))}
      </ul>
    );
  };
  return <>{branch('')}</>;
};

export const TenantPage = ({
  view,
  tenantKey,
  answer,
}: {
  view: View;
  tenantKey: { instanceId: string; tenantId: string };
  answer: ApiSchemas['GetKitDirectoryResponse'];
}) => {
  const { t } = view;
  const tenant = answer.tenant;
  if (answer.resultCode === '000003' || !tenant)
    return (
      <Layout view={view} title={t('directory.title')} section="directory">
        <h1>{t('directory.title')}</h1>
        <Notice kind="refused">{t('tenant.notFound', tenantKey)}</Notice>
      </Layout>
    );
  const users = answer.users ?? [];
  const units = answer.orgUnits ?? [];
  const apps = answer.applications ?? [];
  return (
    <Layout view={view} title={t('tenant.title', { name: tenant.name })} section="directory">
      <h1>{t('tenant.title', { name: tenant.name })}</h1>
      <dl class="facts">
        <dt>{t('field.tenantId')}</dt>
        <dd class="mono">{tenant.tenantId}</dd>
        <dt>{t('field.tenantCode')}</dt>
        <dd class="mono">{tenant.tenantCode}</dd>
        <dt>{t('field.instanceId')}</dt>
        <dd class="mono">{tenant.instanceId ? <a href={`/console/instances/${encodeURIComponent(tenant.instanceId)}`}>{tenant.instanceId}</a> : '—'}</dd>
        <dt>{t('field.order')}</dt>
        <dd class="mono">{tenant.orderId || '—'}</dd>
        <dt>{t('field.domain')}</dt>
        <dd class="mono">{tenant.domainName}</dd>
        <dt>{t('field.synced')}</dt>
        <dd>
          <Time at={tenant.updatedAt} />
        </dd>
      </dl>
      <h2>{t('field.applications')}</h2>
      <Table view={view} empty={apps.length === 0} head={[t('field.appId'), t('field.clientId'), t('field.synced')]}>
        {apps.map((app) => (
          <tr>
            <td class="mono">{app.appId}</td>
            <td class="mono">{app.clientId}</td>
            <td>
              <Time at={app.updatedAt} />
            </td>
          </tr>
        ))}
      </Table>
      <h2>{t('field.users')}</h2>
      {users.length < tenant.users ? <p class="intro">{t('tenant.partial', { n: users.length })}</p> : ''}
      <Table
        view={view}
        empty={users.length === 0}
        head={[t('field.userName'), t('field.name'), t('field.org'), t('field.role'), t('field.appId'), t('field.enabled'), t('field.authorized')]}
      >
        {users.map((user) => (
          <tr>
            <td class="mono">{user.userName}</td>
            <td>{user.name}</td>
            <td class="mono">{user.orgCode}</td>
            <td>{user.role}</td>
            <td class="mono">{user.appId}</td>
            <td>{user.enabled ? t('yes') : t('no')}</td>
            <td>{user.authorized ? t('yes') : <span class="bad">{t('no')}</span>}</td>
          </tr>
        ))}
      </Table>
      <h2>{t('tenant.orgTree')}</h2>
      {units.length < tenant.orgUnits ? <p class="intro">{t('tenant.partial', { n: units.length })}</p> : ''}
      <section class="card">{units.length === 0 ? t('table.none') : <OrgTree units={units} />}</section>
    </Layout>
  );
};
