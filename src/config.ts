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

  const saasPath = get('SAAS_PATH') ?? '/saas';
  if (!/^\/[A-Za-z0-9._~\/-]*$/.test(saasPath) || saasPath.endsWith('/') && saasPath !== '/') {
    problems.push(`SAAS_PATH must be an absolute path without a trailing slash, e.g. /saas (got "${saasPath}")`);
  }

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

  const config: Config = {
    port: int('PORT', 8080, 0, 65_535),
    host: get('HOST') ?? '0.0.0.0',
    database,
    accessKey,
    saasPath,
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
