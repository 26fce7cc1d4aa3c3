import { readFileSync } from 'node:fs';
import { rsaPrivateKeyProblem } from './crypto/rsa-oaep.js';
import { ed25519KeyProblem } from './online-license/signing-key.js';
import { type StoreLocation, parseDatabaseUrl } from './store/connect.js';

export type CredentialEncryption = 'none' | '1' | '2';

export interface Config {
  port: number;
  host: string;
  database: StoreLocation;
  accessKey: string;
  saasPath: string;
  signatureToleranceMs: number;
  maxBodyBytes: number;
  bodySign: boolean;
  credentialEncryption: CredentialEncryption;
  provisionBudgetMs: number;
  /** Joint-operation Kit V1/V2, below the SaaS path (`<saasPath>/produceAPI/…`). */
  kit: { accessKey: string; rsaPrivateKeyPem?: string };
  /** SaaS V1.0 (deprecated, GET); may equal saasPath, since V2.0 is POST. */
  saasV1Path: string;
  licenseCode: { path: string; accessKey: string };
  onlineLicense: { path: string; accessKey: string; signingKeyPem?: string };
  orderNotify: { path: string; accessKey: string };
  /** Joint-operation SSO login (license-kit-openapi.md §C.9); `landingUrl`: where a completed login sends the browser. */
  sso: { path: string; callbackUrl?: string; sessionTtlMs: number; landingUrl: string };
  /** Encrypts secrets kept in the store (Kit clientSecret); derived from the basic key unless set. */
  dataKey: string;
  provisioner:
    | { kind: 'builtin'; frontEndUrl: string; adminUrl?: string; memo?: string }
    | { kind: 'forward'; url: string; secret: string; timeoutMs: number }
    | { kind: 'module'; path: string };
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** For an entry point: the configuration, or the list of problems on stderr and exit code 2. */
export function loadConfigOrExit(env: Env = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    process.stderr.write(`kgkit: ${error instanceof ConfigError ? error.message : String(error)}\n`);
    process.exit(2);
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
  if (accessKey.length < 8) {
    problems.push('KOOGALLERY_ACCESS_KEY must be set to the key bound to the basic interfaces (Seller Console → 应用工具 → 密钥管理), at least 8 characters');
  }

  const path = (name: string, fallback: string): string => {
    const value = get(name) ?? fallback;
    if (!/^\/[A-Za-z0-9._~\/-]*$/.test(value) || (value.endsWith('/') && value !== '/')) {
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
  const pem = (name: string): string | undefined => {
    const file = get(name);
    if (file === undefined) return undefined;
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      problems.push(`${name}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      return undefined;
    }
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

  const kitRsaKey = pem('KIT_RSA_PRIVATE_KEY_FILE');
  const kitRsaProblem = kitRsaKey === undefined ? undefined : rsaPrivateKeyProblem(kitRsaKey);
  if (kitRsaProblem) problems.push(`KIT_RSA_PRIVATE_KEY_FILE ${kitRsaProblem}`);
  const licenseSigningKey = pem('LICENSE_SIGNING_KEY_FILE');
  const licenseKeyProblem = licenseSigningKey === undefined ? undefined : ed25519KeyProblem(licenseSigningKey);
  if (licenseKeyProblem) problems.push(`LICENSE_SIGNING_KEY_FILE ${licenseKeyProblem}`);
  const callbackUrl = get('SSO_CALLBACK_URL');
  if (callbackUrl !== undefined && !/^https?:\/\//.test(callbackUrl)) problems.push('SSO_CALLBACK_URL must be an http(s) URL');
  const landingUrl = get('SSO_LANDING_URL') ?? '/';
  if (!/^(\/(?![\/\\])|https?:\/\/)\S*$/.test(landingUrl)) problems.push('SSO_LANDING_URL must be a path of this site (/app) or an http(s) URL');
  const dataKey = get('KGKIT_DATA_KEY');
  if (dataKey !== undefined && dataKey.length < 32) problems.push('KGKIT_DATA_KEY must be at least 32 characters');

  const postPaths = [saasPath, get('LICENSE_CODE_PATH') ?? '/license-code', get('ONLINE_LICENSE_PATH') ?? '/license', get('ORDER_NOTIFY_PATH') ?? '/order-notify'];
  if (new Set(postPaths).size !== postPaths.length) {
    problems.push('SAAS_PATH, LICENSE_CODE_PATH, ONLINE_LICENSE_PATH and ORDER_NOTIFY_PATH must differ: each family has its own production URL');
  }

  const config: Config = {
    port: int('PORT', 8080, 0, 65_535),
    host: get('HOST') ?? '0.0.0.0',
    database,
    accessKey,
    saasPath,
    kit: { accessKey: key('KOOGALLERY_KIT_ACCESS_KEY'), ...(kitRsaKey ? { rsaPrivateKeyPem: kitRsaKey } : {}) },
    saasV1Path: path('SAAS_V1_PATH', '/saas-v1'),
    licenseCode: { path: path('LICENSE_CODE_PATH', '/license-code'), accessKey: key('KOOGALLERY_LICENSE_CODE_ACCESS_KEY') },
    onlineLicense: { path: path('ONLINE_LICENSE_PATH', '/license'), accessKey: accessKey, ...(licenseSigningKey ? { signingKeyPem: licenseSigningKey } : {}) },
    orderNotify: { path: path('ORDER_NOTIFY_PATH', '/order-notify'), accessKey: key('KOOGALLERY_ORDER_NOTIFY_ACCESS_KEY') },
    sso: { path: path('SSO_PATH', '/sso'), ...(callbackUrl ? { callbackUrl } : {}), sessionTtlMs: int('SSO_SESSION_TTL_MS', 8 * 3_600_000, 60_000, 30 * 86_400_000), landingUrl },
    dataKey: dataKey ?? `derived:${accessKey}`,
    signatureToleranceMs: int('SIGNATURE_TOLERANCE_MS', 60_000, 1_000, 900_000),
    maxBodyBytes: int('MAX_BODY_BYTES', 64 * 1024, 1_024, 10 * 1024 * 1024),
    bodySign: oneOf('BODY_SIGN', ['true', 'false'] as const, 'true') === 'true',
    credentialEncryption: oneOf('CREDENTIAL_ENCRYPTION', ['none', '1', '2'] as const, 'none'),
    provisionBudgetMs: int('PROVISION_BUDGET_MS', 4_000, 100, 4_900),
    provisioner,
    logLevel: oneOf('LOG_LEVEL', ['debug', 'info', 'warn', 'error'] as const, 'info'),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
