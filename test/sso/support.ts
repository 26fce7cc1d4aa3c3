import type { Hono } from 'hono';
import type { AppConfig } from '../../src/mount/family.js';
import type { Tenant, TenantApplication, TenantDirectoryReader, TenantUser } from '../../src/tenants/directory.js';
import { ssoMount } from '../../src/sso/mount.js';
import type { Claims, FakeOauthServer } from '../support/fake-oauth-server.js';
import { TEST_CONFIG, startTestServer } from '../support/server.js';
import type { TestStore } from '../support/stores.js';

/** The Kit family's directory as the tests fill it. */
export function memoryDirectory() {
  const tenants = new Map<string, Tenant>();
  const applications = new Map<string, TenantApplication>();
  const users = new Map<string, TenantUser>();
  const reader: TenantDirectoryReader = {
    findTenant: async (tenantId) => tenants.get(tenantId),
    findApplication: async (tenantId) => applications.get(tenantId),
    findUser: async (tenantId, userName) => users.get(`${tenantId}/${userName}`),
  };
  return {
    reader,
    tenants,
    applications,
    users,
    addUser(user: TenantUser) {
      users.set(`${user.tenantId}/${user.userName}`, user);
    },
  };
}

/** Two enterprises on one fake auth centre, each with its own client. */
export const TENANT_A = { tenantId: '68cbc86a5c6e4ac2a5d8d1c9e1f0a001', clientId: 'client-a', clientSecret: 'secret-a-0123456789' };
export const TENANT_B = { tenantId: '34a59a26e6a24071a9cc7a0526440171', clientId: 'client-b', clientSecret: 'secret-b-0123456789' };
export const FAKE_CLIENTS = [TENANT_A, TENANT_B].map(({ clientId, clientSecret }) => ({ clientId, clientSecret }));

/** Who signs in at the auth centre: claims as userinfo gives them. */
export const CLAIMS = {
  zhangsan: {
    id: 'u-1',
    userName: 'zhangsan',
    name: '张三',
    tenant: TENANT_A.tenantId,
    organizationCode: '10000',
    role: 'user',
    email: 'zhangsan@example.com',
    mobile: '',
  },
  lisi: { userName: 'lisi', name: '李四', tenant: TENANT_A.tenantId },
  wangwu: { userName: 'wangwu', name: '王五', tenant: TENANT_B.tenantId },
  /** Signed in at tenant A's auth centre, but authSync never sent this user for the application. */
  stranger: { userName: 'stranger', name: '陌生人', tenant: TENANT_A.tenantId },
  /** Tenant A's userName, but the auth centre says the user belongs to tenant B. */
  zhangsanOfB: { userName: 'zhangsan', name: '张三', tenant: TENANT_B.tenantId },
} satisfies Record<string, Claims>;

/** The directory after tenantSync, applicationSync and authSync: zhangsan (admin) and lisi (disabled) in A, wangwu in B. */
export function seededDirectory(fake: FakeOauthServer) {
  const directory = memoryDirectory();
  for (const [t, name] of [
    [TENANT_A, 'huaiweitest'],
    [TENANT_B, 'othercorp'],
  ] as const) {
    directory.tenants.set(t.tenantId, { instanceId: `inst-${name}`, tenantId: t.tenantId, tenantCode: name, name, domainName: fake.url });
    directory.applications.set(t.tenantId, {
      instanceId: `inst-${name}`,
      tenantId: t.tenantId,
      appId: `app-${name}`,
      clientId: t.clientId,
      clientSecret: t.clientSecret,
    });
  }
  directory.addUser({ tenantId: TENANT_A.tenantId, userName: 'zhangsan', name: '张三', orgCode: '10000', role: 'admin', enabled: true });
  directory.addUser({ tenantId: TENANT_A.tenantId, userName: 'lisi', name: '李四', orgCode: '10000', role: 'user', enabled: false });
  directory.addUser({ tenantId: TENANT_B.tenantId, userName: 'wangwu', name: '王五', orgCode: '20000', role: 'user', enabled: true });
  return directory;
}

export interface SsoTestApp {
  app: Hono;
  clock: { now: number };
}

/** The server with only the SSO family, reading the given directory. */
export function startSsoApp(
  store: TestStore,
  directory: TenantDirectoryReader,
  options: { sso?: Partial<AppConfig['sso']>; timeoutMs?: number } = {},
): SsoTestApp {
  const { app, clock } = startTestServer(store, {
    config: { sso: { ...TEST_CONFIG.sso, ...options.sso } },
    families: [ssoMount(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {})],
    directory,
  });
  return { app, clock };
}

/**
 * A browser: keeps the cookies the app sets and sends them back; follows no redirect by itself. `host`: the host it
 * believes it talks to (the URL's and the Host header's; default localhost, as app.request() has it).
 */
export function browser(app: Hono, { host = 'localhost' }: { host?: string } = {}) {
  const jar = new Map<string, string>();
  const keep = (response: Response) => {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const [name = '', value = ''] = pair.split('=');
      if (value === '' || attributes.some((a) => /^max-age=0$/i.test(a))) jar.delete(name);
      else jar.set(name, value);
    }
    return response;
  };
  const send = async (url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) => {
    const { pathname, search } = new URL(url, 'http://localhost');
    const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    const headers = { host, ...(cookie ? { cookie } : {}), ...init.headers };
    return keep(await app.request(`http://${host}${pathname}${search}`, { ...init, headers }));
  };
  /** Where a page of this site posts from, as browsers say it (Fetch Metadata, Origin). */
  const sameOrigin = (origin: string) => ({ origin, 'sec-fetch-site': 'same-origin' });
  return {
    jar,
    /** A request to the kgkit app: a path, or an absolute URL (a callback the auth centre sent); its path is sent to `host`. */
    get: (url: string, headers: Record<string, string> = {}) => send(url, { headers }),
    /** A POST of the kgkit app, with the given headers and body. */
    post: (url: string, { headers = {}, body }: { headers?: Record<string, string>; body?: string } = {}) =>
      send(url, { method: 'POST', headers, ...(body === undefined ? {} : { body }) }),
    /** Signs out as a page of `origin` does: reads the CSRF token from /me, posts it (a fetch asking for JSON, or a form). */
    async logout(origin = `http://${host}`, as: 'fetch' | 'form' = 'form'): Promise<Response> {
      const me = await send('/sso/me');
      const { csrfToken } = me.ok ? ((await me.json()) as { csrfToken: string }) : { csrfToken: undefined };
      if (as === 'fetch')
        return send('/sso/logout', {
          method: 'POST',
          headers: { ...sameOrigin(origin), accept: 'application/json', ...(csrfToken ? { 'x-csrf-token': csrfToken } : {}) },
        });
      const body = csrfToken ? new URLSearchParams({ csrf_token: csrfToken }).toString() : '';
      return send('/sso/logout', {
        method: 'POST',
        headers: { ...sameOrigin(origin), 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
        body,
      });
    },
    /** A request to the fake auth centre (the browser's session there is the fake's `signedIn`). */
    visit: (url: string) => fetch(url, { redirect: 'manual' }),
  };
}

export const location = (response: Response) => response.headers.get('location') ?? '';

/** Every row of the SSO tables, to show that a refused request stored nothing. */
export async function ssoRows(store: TestStore) {
  return {
    attempts: await store.db.selectFrom('sso_login_attempts').selectAll().orderBy('state_hash').execute(),
    sessions: await store.db.selectFrom('sso_sessions').selectAll().orderBy('id_hash').execute(),
  };
}
