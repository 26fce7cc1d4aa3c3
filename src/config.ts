import { parseHost } from './net/host.js';
import { callbackUrlProblem, checkHosts } from './net/urls.js';

export type Dialect = 'sqlite' | 'postgres';

/** Where the store is (DATABASE_URL). */
export interface StoreLocation {
  dialect: Dialect;
  /** SQLite file path, or the PostgreSQL connection string. */
  target: string;
}

/** `undefined` → SQLite under ./data; `file:/x.sqlite` → that file; `postgres://…` → PostgreSQL. */
export function parseDatabaseUrl(url: string | undefined): StoreLocation {
  if (url === undefined || url === '') return { dialect: 'sqlite', target: 'data/kgkit.sqlite' };
  if (url.startsWith('file:')) {
    const path = url.slice('file:'.length);
    if (path === '') throw new Error('DATABASE_URL: file: needs a path, e.g. file:./data/kgkit.sqlite');
    return { dialect: 'sqlite', target: path };
  }
  if (/^postgres(ql)?:\/\//.test(url)) return { dialect: 'postgres', target: url };
  throw new Error('DATABASE_URL must be empty, file:<path> or postgres://… (got a value of another form)');
}

/**
 * How long kgkit keeps what it no longer needs, in days; 0 keeps it forever. The defaults and their reasons are
 * docs/decisions.md#20. Expired nonces and SSO login attempts and sessions go as soon as they expire.
 */
export interface RetentionPolicy {
  /** The audit trail (`events`), by when the call was received. */
  auditDays: number;
  /** Usage events and records once their record was delivered, refused for good or expired. */
  usageDays: number;
  /** Order lookups and License uploads once they are over (found or given up, uploaded or refused). */
  jobsDays: number;
}

export const RETENTION_DEFAULTS: RetentionPolicy = { auditDays: 400, usageDays: 120, jobsDays: 120 };

/**
 * The shortest usage retention: a record may still be pushed, and a late event still land in a window, up to 21 days
 * after its begin_time (MKT.9004, https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649410.html),
 * so a sealed window must stay known for 21 days plus a daily window; 30 leaves a margin.
 */
export const MIN_USAGE_DAYS = 30;
export const MIN_RETENTION_DAYS: RetentionPolicy = { auditDays: 1, usageDays: MIN_USAGE_DAYS, jobsDays: 1 };
export const MAX_RETENTION_DAYS = 36_500;

export type CredentialEncryption = 'none' | '1' | '2';

export interface Config {
  port: number;
  host: string;
  database: StoreLocation;
  accessKey: string;
  saasPath: string;
  signatureToleranceMs: number;
  maxBodyBytes: number;
  /** Refuse requests at kgkit's level (unknown fields, nulls, kgkit's formats) instead of Huawei's (docs/decisions.md#16). */
  strictRequests: boolean;
  bodySign: boolean;
  credentialEncryption: CredentialEncryption;
  provisionBudgetMs: number;
  /** How long one provisioning attempt owns its instance; after that (a crashed replica) another may take it over. */
  provisionLeaseMs: number;
  /** Joint-operation Kit V1/V2, below the SaaS path (`<saasPath>/produceAPI/…`). */
  /** `rsaPrivateKeyFile` as configured; `rsaPrivateKeyPem` its content, read by the composition root (src/server/key-files.ts). */
  kit: { accessKey: string; rsaPrivateKeyFile?: string; rsaPrivateKeyPem?: string };
  /** SaaS V1.0 (deprecated, GET); may equal saasPath, since V2.0 is POST. */
  saasV1Path: string;
  licenseCode: { path: string; accessKey: string };
  /** `signingKeyFile` as configured; `signingKeyPem` its content, read by the composition root. */
  onlineLicense: { path: string; accessKey: string; signingKeyFile?: string; signingKeyPem?: string };
  orderNotify: { path: string; accessKey: string };
  /**
   * Joint-operation SSO login. The callback URL is `callbackUrl`, or `https://<Host><path>/callback` for a request
   * whose Host is in `allowedHosts`, or, with neither, for a loopback Host only (src/sso/site.ts). `landingUrl`: where
   * a completed login sends the browser (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649448.html).
   */
  sso: { path: string; callbackUrl?: string; allowedHosts: string[]; sessionTtlMs: number; landingUrl: string };
  /** Seals secrets kept in the store (src/crypto/data-keys.ts); `derived:<basic access key>` unless set. */
  dataKey: string;
  /** Keys stored secrets may still be sealed under; the start-up step re-seals them under `dataKey`. */
  previousDataKeys: string[];
  provisioner:
    | { kind: 'builtin'; frontEndUrl: string; adminUrl?: string; memo?: string }
    | { kind: 'forward'; url: string; secret: string; timeoutMs: number }
    | { kind: 'module'; path: string };
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** The marketplace's Open APIs (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649242.html): where, with which keys, how long to wait. */
  marketplace: {
    /** Base URLs, main first, then the fallbacks tried when it is unreachable. */
    hosts: string[];
    /** The seller account's AK/SK (APIG signing); without them kgkit makes no AK/SK call (order lookup, License upload). */
    akSk?: { accessKey: string; secretKey: string };
    timeoutMs: number;
  };
  /** Order enrichment: look orders up on create, upgrade and orderNotify; `required`: provisioning waits for them. */
  orderLookup: { enabled: boolean; required: boolean };
  /** Usage metering: billing window, and whether records are pushed to the marketplace. */
  usage: { window: 'hour' | 'day'; push: boolean; intervalMs: number };
  /** Bearer token of kgkit's own API (/kgkit/v1/…) for the seller's product; the API refuses every call without it. */
  apiToken?: string;
  /** Bounded storage: how many days finished rows are kept (0: forever), and how often they are pruned (docs/decisions.md#20). */
  retention: RetentionPolicy & { intervalMs: number };
  /** `/metrics` on a listener of its own, without the token (docs/decisions.md#23); unset: on the main port, behind `apiToken`. */
  metricsPort?: number;
  /** OpenTelemetry tracing, when OTEL_EXPORTER_OTLP_ENDPOINT is set: where spans go (OTLP/HTTP JSON) and the service they name. */
  tracing?: TracingSettings;
}

export interface TracingSettings {
  /** The endpoint's traces URL: OTEL_EXPORTER_OTLP_ENDPOINT with `v1/traces` appended. */
  tracesUrl: string;
  serviceName: string;
}

/** The sites of the Open APIs (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649350.html, https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649242.html); CN falls back to the .cn host. */
export const MARKETPLACE_REGIONS = {
  cn: ['https://mkt.myhuaweicloud.com', 'https://mkt.myhuaweicloud.cn'],
  intl: ['https://mkt-intl.myhuaweicloud.com'],
  eu: ['https://mkt.myhuaweicloud.eu'],
} as const;

type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Where the store is, for tools that need no key (`make events`). */
export function loadStoreLocation(env: Env = process.env): StoreLocation {
  try {
    return parseDatabaseUrl(env.DATABASE_URL);
  } catch (error) {
    throw new ConfigError([(error as Error).message]);
  }
}

/** Reads the environment once, at start-up; collects every problem so one run shows them all. */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const get = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      problems.push(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
      return fallback;
    }
    return raw as T;
  };

  let database: StoreLocation = { dialect: 'sqlite', target: 'data/kgkit.sqlite' };
  try {
    database = parseDatabaseUrl(get('DATABASE_URL'));
  } catch (error) {
    problems.push((error as Error).message);
  }

  const accessKey = get('KOOGALLERY_ACCESS_KEY') ?? '';
  const where = 'the key bound to the basic interfaces (Seller Console → 应用工具 → 密钥管理)';
  if (accessKey === '') problems.push(`KOOGALLERY_ACCESS_KEY must be set to ${where}, at least 8 characters`);
  else if (accessKey.length < 8) problems.push(`KOOGALLERY_ACCESS_KEY must be at least 8 characters (it has ${accessKey.length}): ${where}`);

  const path = (name: string, fallback: string): string => {
    const value = get(name) ?? fallback;
    if (!/^\/[A-Za-z0-9._~/-]*$/.test(value) || (value.endsWith('/') && value !== '/')) {
      problems.push(`${name} must be an absolute path without a trailing slash, e.g. ${fallback} (got "${value}")`);
    }
    return value;
  };
  // Each interface type is bound to its own key in Seller Console; one not configured falls back to the basic key.
  const key = (name: string): string => {
    const value = get(name);
    if (value !== undefined && value.length < 8) problems.push(`${name} must be at least 8 characters`);
    return value ?? accessKey;
  };
  const saasPath = path('SAAS_PATH', '/saas');

  const provisionerKind = oneOf('PROVISIONER', ['builtin', 'forward', 'module'] as const, 'builtin');
  let provisioner: Config['provisioner'];
  if (provisionerKind === 'module') {
    const path = get('PROVISIONER_MODULE');
    if (!path) problems.push('PROVISIONER_MODULE must name the module that exports `provisioner` when PROVISIONER=module');
    provisioner = { kind: 'module', path: path ?? '' };
  } else if (provisionerKind === 'forward') {
    const url = get('PROVISIONER_URL');
    const secret = get('PROVISIONER_SECRET');
    if (!url || !/^https?:\/\//.test(url)) problems.push('PROVISIONER_URL must be an http(s) URL when PROVISIONER=forward');
    if (!secret || secret.length < 16) problems.push('PROVISIONER_SECRET must be at least 16 characters when PROVISIONER=forward');
    provisioner = { kind: 'forward', url: url ?? '', secret: secret ?? '', timeoutMs: int('PROVISIONER_TIMEOUT_MS', 30_000, 100, 600_000) };
  } else {
    const frontEndUrl = get('APP_FRONTEND_URL') ?? 'https://app.example.com/t/{instanceId}';
    if (!/^https?:\/\//.test(frontEndUrl)) problems.push('APP_FRONTEND_URL must be an http(s) URL template');
    provisioner = { kind: 'builtin', frontEndUrl };
    const adminUrl = get('APP_ADMIN_URL');
    if (adminUrl !== undefined) provisioner.adminUrl = adminUrl;
    const memo = get('APP_MEMO');
    if (memo !== undefined) provisioner.memo = memo;
  }

  const kitRsaKeyFile = get('KIT_RSA_PRIVATE_KEY_FILE');
  const licenseSigningKeyFile = get('LICENSE_SIGNING_KEY_FILE');
  const callbackUrl = get('SSO_CALLBACK_URL');
  const callbackProblem = callbackUrl === undefined ? undefined : callbackUrlProblem(callbackUrl);
  if (callbackProblem) problems.push(`SSO_CALLBACK_URL ${callbackProblem} (got "${callbackUrl}")`);
  const allowedHosts: string[] = [];
  const allowedHostsRaw = get('SSO_ALLOWED_HOSTS');
  if (allowedHostsRaw !== undefined) {
    for (const entry of allowedHostsRaw.split(',').map((part) => part.trim())) {
      const host = parseHost(entry);
      if (host) allowedHosts.push(host.host);
      else
        problems.push(
          `SSO_ALLOWED_HOSTS: "${entry}" is not a host[:port] (a host as browsers send it, e.g. app.example.com or app.example.com:8443; no scheme, path or wildcard)`,
        );
    }
    if (callbackUrl !== undefined)
      problems.push(
        'SSO_CALLBACK_URL and SSO_ALLOWED_HOSTS exclude each other: the callback URL is fixed by the one, derived from the allowed Host by the other',
      );
  }
  const landingUrl = get('SSO_LANDING_URL') ?? '/';
  if (!/^(\/(?![/\\])|https?:\/\/)\S*$/.test(landingUrl)) problems.push('SSO_LANDING_URL must be a path of this site (/app) or an http(s) URL');
  const dataKey = get('KGKIT_DATA_KEY');
  if (dataKey !== undefined && dataKey.length < 32) problems.push('KGKIT_DATA_KEY must be at least 32 characters');
  const currentDataKey = dataKey ?? `derived:${accessKey}`;
  const previousDataKeys = (get('KGKIT_DATA_KEY_PREVIOUS') ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter(Boolean);
  for (const [index, previous] of previousDataKeys.entries()) {
    const problem = previousDataKeyProblem(previous, currentDataKey);
    if (problem) problems.push(`KGKIT_DATA_KEY_PREVIOUS: key ${index + 1} ${problem}`);
  }

  const postPaths = [
    saasPath,
    get('LICENSE_CODE_PATH') ?? '/license-code',
    get('ONLINE_LICENSE_PATH') ?? '/license',
    get('ORDER_NOTIFY_PATH') ?? '/order-notify',
  ];
  if (new Set(postPaths).size !== postPaths.length) {
    problems.push('SAAS_PATH, LICENSE_CODE_PATH, ONLINE_LICENSE_PATH and ORDER_NOTIFY_PATH must differ: each family has its own production URL');
  }

  const region = oneOf('MARKETPLACE_REGION', ['cn', 'intl', 'eu'] as const, 'cn');
  const hosts = (get('MARKETPLACE_URL') ?? MARKETPLACE_REGIONS[region].join(','))
    .split(',')
    .map((host) => host.trim())
    .filter(Boolean);
  for (const problem of checkHosts(hosts, env)) problems.push(`MARKETPLACE_URL: ${problem}`);
  const ak = get('KOOGALLERY_AK');
  const sk = get('KOOGALLERY_SK');
  if ((ak === undefined) !== (sk === undefined))
    problems.push('KOOGALLERY_AK and KOOGALLERY_SK go together (the access keys of the seller account, My Credentials → Access Keys)');
  const orderLookup = oneOf('ORDER_LOOKUP', ['true', 'false'] as const, ak && sk ? 'true' : 'false') === 'true';
  if (orderLookup && !(ak && sk)) problems.push('ORDER_LOOKUP=true needs KOOGALLERY_AK and KOOGALLERY_SK');
  const orderRequired = oneOf('PROVISION_NEEDS_ORDER', ['true', 'false'] as const, 'false') === 'true';
  if (orderRequired && !orderLookup) problems.push('PROVISION_NEEDS_ORDER=true needs the order lookup (KOOGALLERY_AK and KOOGALLERY_SK)');
  const days = (name: string, fallback: number, min: number): number => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (Number.isInteger(value) && (value === 0 || (value >= min && value <= MAX_RETENTION_DAYS))) return value;
    problems.push(`${name} must be 0 (keep forever) or a number of days from ${min} to ${MAX_RETENTION_DAYS} (got "${raw}")`);
    return fallback;
  };
  const apiToken = get('KGKIT_API_TOKEN');
  if (apiToken !== undefined && apiToken.length < 24) problems.push('KGKIT_API_TOKEN must be at least 24 characters');
  const port = int('PORT', 8080, 0, 65_535);
  const metricsPort = get('METRICS_PORT') === undefined ? undefined : int('METRICS_PORT', 0, 1, 65_535);
  if (metricsPort !== undefined && metricsPort === port)
    problems.push(`METRICS_PORT must differ from PORT (both ${port}): it is a listener of its own, without the API token`);
  const tracing = tracingSettings(get, problems);

  const config: Config = {
    port,
    host: get('HOST') ?? '0.0.0.0',
    database,
    accessKey,
    saasPath,
    kit: { accessKey: key('KOOGALLERY_KIT_ACCESS_KEY'), ...(kitRsaKeyFile ? { rsaPrivateKeyFile: kitRsaKeyFile } : {}) },
    saasV1Path: path('SAAS_V1_PATH', '/saas-v1'),
    licenseCode: { path: path('LICENSE_CODE_PATH', '/license-code'), accessKey: key('KOOGALLERY_LICENSE_CODE_ACCESS_KEY') },
    onlineLicense: {
      path: path('ONLINE_LICENSE_PATH', '/license'),
      accessKey: accessKey,
      ...(licenseSigningKeyFile ? { signingKeyFile: licenseSigningKeyFile } : {}),
    },
    orderNotify: { path: path('ORDER_NOTIFY_PATH', '/order-notify'), accessKey: key('KOOGALLERY_ORDER_NOTIFY_ACCESS_KEY') },
    sso: {
      path: path('SSO_PATH', '/sso'),
      ...(callbackUrl ? { callbackUrl } : {}),
      allowedHosts,
      sessionTtlMs: int('SSO_SESSION_TTL_MS', 8 * 3_600_000, 60_000, 30 * 86_400_000),
      landingUrl,
    },
    dataKey: currentDataKey,
    previousDataKeys,
    signatureToleranceMs: int('SIGNATURE_TOLERANCE_MS', 60_000, 1_000, 900_000),
    maxBodyBytes: int('MAX_BODY_BYTES', 64 * 1024, 1_024, 10 * 1024 * 1024),
    strictRequests: oneOf('STRICT_REQUESTS', ['true', 'false'] as const, 'false') === 'true',
    bodySign: oneOf('BODY_SIGN', ['true', 'false'] as const, 'true') === 'true',
    credentialEncryption: oneOf('CREDENTIAL_ENCRYPTION', ['none', '1', '2'] as const, 'none'),
    provisionBudgetMs: int('PROVISION_BUDGET_MS', 4_000, 100, 4_400),
    provisionLeaseMs: int('PROVISION_LEASE_MS', 600_000, 5_000, 86_400_000),
    provisioner,
    logLevel: oneOf('LOG_LEVEL', ['debug', 'info', 'warn', 'error'] as const, 'info'),
    marketplace: { hosts, ...(ak && sk ? { akSk: { accessKey: ak, secretKey: sk } } : {}), timeoutMs: int('MARKETPLACE_TIMEOUT_MS', 10_000, 500, 60_000) },
    orderLookup: { enabled: orderLookup, required: orderRequired },
    usage: {
      window: oneOf('USAGE_WINDOW', ['hour', 'day'] as const, 'hour'),
      push: oneOf('USAGE_PUSH', ['true', 'false'] as const, 'true') === 'true',
      intervalMs: int('USAGE_PUSH_INTERVAL_MS', 60_000, 1_000, 3_600_000),
    },
    ...(apiToken ? { apiToken } : {}),
    retention: {
      auditDays: days('RETENTION_AUDIT_DAYS', RETENTION_DEFAULTS.auditDays, MIN_RETENTION_DAYS.auditDays),
      usageDays: days('RETENTION_USAGE_DAYS', RETENTION_DEFAULTS.usageDays, MIN_RETENTION_DAYS.usageDays),
      jobsDays: days('RETENTION_JOBS_DAYS', RETENTION_DEFAULTS.jobsDays, MIN_RETENTION_DAYS.jobsDays),
      intervalMs: int('RETENTION_INTERVAL_MS', 600_000, 10_000, 86_400_000),
    },
    ...(metricsPort ? { metricsPort } : {}),
    ...(tracing ? { tracing } : {}),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/**
 * The OpenTelemetry exporter settings kgkit reads (docs/decisions.md#23): tracing is on when OTEL_EXPORTER_OTLP_ENDPOINT is set and OTEL_SDK_DISABLED is not `true`. kgkit's exporter speaks OTLP/HTTP
 * with JSON bodies, which collectors accept on the same port as protobuf (4318).
 */
function tracingSettings(get: (name: string) => string | undefined, problems: string[]): TracingSettings | undefined {
  const endpoint = get('OTEL_EXPORTER_OTLP_ENDPOINT');
  const disabled = get('OTEL_SDK_DISABLED');
  if (disabled !== undefined && !['true', 'false'].includes(disabled.toLowerCase()))
    problems.push(`OTEL_SDK_DISABLED must be true or false (got "${disabled}")`);
  const protocol = get('OTEL_EXPORTER_OTLP_PROTOCOL');
  if (protocol !== undefined && protocol !== 'http/json')
    problems.push(
      `OTEL_EXPORTER_OTLP_PROTOCOL must be http/json or unset (got "${protocol}"): kgkit sends OTLP/HTTP with JSON bodies, which a collector's OTLP/HTTP port (4318) accepts`,
    );
  if (endpoint === undefined || disabled?.toLowerCase() === 'true') return undefined;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    problems.push(`OTEL_EXPORTER_OTLP_ENDPOINT must be the collector's OTLP/HTTP base URL, e.g. http://otel-collector:4318 (got a value that is not a URL)`);
    return undefined;
  }
  if (!['http:', 'https:'].includes(url.protocol) || url.username !== '' || url.password !== '' || url.search !== '' || endpoint.includes('#')) {
    problems.push(
      `OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL without user name, query or fragment, e.g. http://otel-collector:4318; an API key goes in OTEL_EXPORTER_OTLP_HEADERS`,
    );
    return undefined;
  }
  url.pathname = `${url.pathname.replace(/\/$/, '')}/v1/traces`;
  return { tracesUrl: url.href, serviceName: get('OTEL_SERVICE_NAME') ?? 'kgkit' };
}

/**
 * A previous data key is a former KGKIT_DATA_KEY (at least 32 characters), or `derived:<former basic access key>` for
 * values sealed while KGKIT_DATA_KEY was unset (README "Rotating the data key"). Never the values themselves in messages.
 */
function previousDataKeyProblem(previous: string, current: string): string | undefined {
  const material = (key: string) => (key.startsWith('derived:') ? key.slice('derived:'.length) : key);
  if (previous.startsWith('derived:')) {
    if (material(previous).length < 8) return 'is derived:<access key> with an access key shorter than 8 characters';
  } else if (previous.length < 32) {
    return 'must be at least 32 characters (or derived:<former KOOGALLERY_ACCESS_KEY>)';
  }
  if (material(previous) === material(current)) return 'is the current data key (KGKIT_DATA_KEY, or derived from KOOGALLERY_ACCESS_KEY when unset)';
  return undefined;
}
