/** The BENCH_* variables, read once and checked: a bad value stops the bench with one line naming the fix. */
export interface Settings {
  seconds: number;
  connections: number;
  /** Empty: no latency-by-size runs (BENCH_STORE_SIZES=none). */
  storeSizes: number[];
  /** The stores to measure: both unless BENCH_ONLY names one. */
  only: 'sqlite' | 'postgres' | undefined;
  /** Workload slugs to run (BENCH_WORKLOADS); undefined: all of them. */
  workloads: string[] | undefined;
  profile: boolean;
  pin: boolean;
  fromSource: boolean;
  loader: 'wrk' | 'autocannon';
  kgkitFlags: string[];
  kgkitRoot: string | undefined;
}

export class SettingError extends Error {}

export function readSettings(env: Record<string, string | undefined>, workloadSlugs: readonly string[]): Settings {
  return {
    seconds: integer(env, 'BENCH_SECONDS', 5, 1, 45),
    connections: integer(env, 'BENCH_CONNECTIONS', 10, 1, 1000),
    storeSizes: sizes(env, 'BENCH_STORE_SIZES', [1_000, 100_000, 1_000_000]),
    only: oneOf(env, 'BENCH_ONLY', ['sqlite', 'postgres'] as const),
    workloads: listOf(env, 'BENCH_WORKLOADS', workloadSlugs),
    profile: flag(env, 'BENCH_PROFILE', false),
    pin: flag(env, 'BENCH_PIN', true),
    fromSource: flag(env, 'BENCH_FROM_SOURCE', false),
    loader: oneOf(env, 'BENCH_LOAD', ['wrk', 'autocannon'] as const) ?? 'wrk',
    kgkitFlags: (env.BENCH_KGKIT_FLAGS ?? '').split(' ').filter((flag) => flag !== ''),
    kgkitRoot: env.BENCH_KGKIT_ROOT || undefined,
  };
}

function integer(env: Record<string, string | undefined>, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new SettingError(`${name} must be an integer from ${min} to ${max} (got ${raw})`);
  return value;
}

function sizes(env: Record<string, string | undefined>, name: string, fallback: number[]): number[] {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'none') return [];
  const values = raw.split(',').map((size) => Number(size.trim()));
  if (values.some((size) => !Number.isInteger(size) || size < 1))
    throw new SettingError(`${name} must be positive integers separated by commas, or none (got ${raw})`);
  return values;
}

function oneOf<T extends string>(env: Record<string, string | undefined>, name: string, values: readonly T[]): T | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (!(values as readonly string[]).includes(raw)) throw new SettingError(`${name} must be one of ${values.join(', ')} (got ${raw})`);
  return raw as T;
}

function listOf(env: Record<string, string | undefined>, name: string, values: readonly string[]): string[] | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const picked = raw.split(',').map((value) => value.trim());
  const unknown = picked.filter((value) => !values.includes(value));
  if (unknown.length > 0 || picked.length === 0) throw new SettingError(`${name} takes a comma-separated list of ${values.join(', ')} (got ${raw})`);
  return [...new Set(picked)];
}

function flag(env: Record<string, string | undefined>, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw !== '0' && raw !== '1') throw new SettingError(`${name} must be 0 or 1 (got ${raw})`);
  return raw === '1';
}
