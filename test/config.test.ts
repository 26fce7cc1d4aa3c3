import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { loadServerConfig } from '../src/server/key-files.js';

const KEY = { KOOGALLERY_ACCESS_KEY: 'a-real-key-123' };

describe('configuration', () => {
  it('has working defaults: SQLite under ./data, port 8080, /saas, builtin provisioner', () => {
    expect(loadConfig(KEY)).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      database: { dialect: 'sqlite', target: 'data/kgkit.sqlite' },
      saasPath: '/saas',
      signatureToleranceMs: 60_000,
      bodySign: true,
      credentialEncryption: 'none',
      provisioner: { kind: 'builtin' },
    });
  });

  it('reads every setting', () => {
    const config = loadConfig({
      ...KEY,
      PORT: '9000',
      HOST: '127.0.0.1',
      DATABASE_URL: 'postgres://u@db/kg',
      SAAS_PATH: '/api/koogallery',
      SIGNATURE_TOLERANCE_MS: '30000',
      MAX_BODY_BYTES: '2048',
      BODY_SIGN: 'false',
      CREDENTIAL_ENCRYPTION: '2',
      PROVISION_BUDGET_MS: '3000',
      PROVISIONER: 'forward',
      PROVISIONER_URL: 'https://app.internal/kgkit',
      PROVISIONER_SECRET: '0123456789abcdef',
      LOG_LEVEL: 'warn',
    });
    expect(config).toMatchObject({
      port: 9000,
      database: { dialect: 'postgres' },
      saasPath: '/api/koogallery',
      bodySign: false,
      credentialEncryption: '2',
      provisioner: { kind: 'forward', url: 'https://app.internal/kgkit', timeoutMs: 30_000 },
    });
  });

  it.each([
    [{}, /KOOGALLERY_ACCESS_KEY must be set/],
    [{ KOOGALLERY_ACCESS_KEY: 'short' }, /KOOGALLERY_ACCESS_KEY must be at least 8 characters \(it has 5\)/],
    [{ ...KEY, PORT: 'http' }, /PORT must be an integer/],
    [{ ...KEY, PORT: '70000' }, /PORT/],
    [{ ...KEY, DATABASE_URL: 'mysql://x' }, /DATABASE_URL/],
    [{ ...KEY, SAAS_PATH: 'saas' }, /SAAS_PATH/],
    [{ ...KEY, SAAS_PATH: '/saas/' }, /SAAS_PATH/],
    [{ ...KEY, BODY_SIGN: 'yes' }, /BODY_SIGN must be one of true, false/],
    [{ ...KEY, CREDENTIAL_ENCRYPTION: 'aes' }, /CREDENTIAL_ENCRYPTION/],
    [{ ...KEY, PROVISION_BUDGET_MS: '6000' }, /PROVISION_BUDGET_MS/],
    [{ ...KEY, PROVISIONER: 'forward' }, /PROVISIONER_URL[\s\S]*PROVISIONER_SECRET/],
    [{ ...KEY, PROVISIONER: 'kubernetes' }, /PROVISIONER must be one of/],
    [{ ...KEY, PROVISIONER: 'module' }, /PROVISIONER_MODULE/],
    [{ ...KEY, APP_FRONTEND_URL: 'app.example.com' }, /APP_FRONTEND_URL/],
  ])('refuses %o with a clear message', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('gives each interface family its path, and its own key or else the basic one', () => {
    const config = loadConfig({ ...KEY, KOOGALLERY_KIT_ACCESS_KEY: 'the-kit-key-1', SAAS_V1_PATH: '/saas' });
    expect(config).toMatchObject({
      kit: { accessKey: 'the-kit-key-1' },
      saasV1Path: '/saas',
      licenseCode: { path: '/license-code', accessKey: KEY.KOOGALLERY_ACCESS_KEY },
      onlineLicense: { path: '/license', accessKey: KEY.KOOGALLERY_ACCESS_KEY },
      orderNotify: { path: '/order-notify', accessKey: KEY.KOOGALLERY_ACCESS_KEY },
      sso: { path: '/sso' },
      dataKey: `derived:${KEY.KOOGALLERY_ACCESS_KEY}`,
    });
    expect(config.kit.rsaPrivateKeyPem).toBeUndefined();
  });

  it.each([
    [{ ...KEY, ORDER_NOTIFY_PATH: '/saas' }, /must differ/],
    [{ ...KEY, LICENSE_CODE_PATH: '/license' }, /must differ/],
    [{ ...KEY, KOOGALLERY_KIT_ACCESS_KEY: 'short' }, /KOOGALLERY_KIT_ACCESS_KEY must be at least 8/],
    [{ ...KEY, KGKIT_DATA_KEY: 'too-short' }, /KGKIT_DATA_KEY must be at least 32/],
    [{ ...KEY, SSO_CALLBACK_URL: 'ftp://x' }, /SSO_CALLBACK_URL/],
  ])('refuses family settings %o', (env, message) => expect(() => loadConfig(env)).toThrow(message));

  it('reads the key files at start-up and lists their problems with those of the environment', () => {
    const env = { ...KEY, KGKIT_DATA_KEY: 'too-short', KIT_RSA_PRIVATE_KEY_FILE: '/nonexistent/key.pem', LICENSE_SIGNING_KEY_FILE: '/nonexistent/license.pem' };
    expect(loadConfig({ ...KEY, KIT_RSA_PRIVATE_KEY_FILE: '/nonexistent/key.pem' }).kit).toEqual({
      accessKey: KEY.KOOGALLERY_ACCESS_KEY,
      rsaPrivateKeyFile: '/nonexistent/key.pem',
    });
    expect(() => loadServerConfig(env)).toThrow(ConfigError);
    const problems = (() => {
      try {
        loadServerConfig(env);
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    })();
    expect(problems).toEqual([
      expect.stringMatching(/KGKIT_DATA_KEY must be at least 32/),
      'KIT_RSA_PRIVATE_KEY_FILE: cannot read /nonexistent/key.pem (no such file or directory, ENOENT): set KIT_RSA_PRIVATE_KEY_FILE to a readable PEM file',
      'LICENSE_SIGNING_KEY_FILE: cannot read /nonexistent/license.pem (no such file or directory, ENOENT): set LICENSE_SIGNING_KEY_FILE to a readable PEM file',
    ]);
  });

  it('calls the CN marketplace (with its .cn fallback) without AK/SK: usage push on, order lookup off', () => {
    expect(loadConfig(KEY)).toMatchObject({
      marketplace: { hosts: ['https://mkt.myhuaweicloud.com', 'https://mkt.myhuaweicloud.cn'], timeoutMs: 10_000 },
      orderLookup: { enabled: false, required: false },
      usage: { window: 'hour', push: true, intervalMs: 60_000 },
    });
    expect(loadConfig(KEY).marketplace.akSk).toBeUndefined();
    expect(loadConfig(KEY).apiToken).toBeUndefined();
  });

  it('reads the marketplace settings', () => {
    const config = loadConfig({
      ...KEY,
      MARKETPLACE_REGION: 'eu',
      KOOGALLERY_AK: 'QTWAOYTTINDUT2QVKYUC',
      KOOGALLERY_SK: 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc',
      PROVISION_NEEDS_ORDER: 'true',
      USAGE_WINDOW: 'day',
      USAGE_PUSH: 'false',
      KGKIT_API_TOKEN: 'a-token-of-at-least-24-chars',
    });
    expect(config).toMatchObject({
      marketplace: { hosts: ['https://mkt.myhuaweicloud.eu'], akSk: { accessKey: 'QTWAOYTTINDUT2QVKYUC' } },
      orderLookup: { enabled: true, required: true },
      usage: { window: 'day', push: false },
      apiToken: 'a-token-of-at-least-24-chars',
    });
    expect(loadConfig({ ...KEY, MARKETPLACE_URL: 'http://127.0.0.1:4090, http://127.0.0.1:4091' }).marketplace.hosts).toEqual([
      'http://127.0.0.1:4090',
      'http://127.0.0.1:4091',
    ]);
  });

  it.each([
    [{ ...KEY, MARKETPLACE_REGION: 'us' }, /MARKETPLACE_REGION must be one of cn, intl, eu/],
    [{ ...KEY, MARKETPLACE_URL: 'http://mkt.example.com' }, /MARKETPLACE_URL: http:\/\/mkt.example.com must be https/],
    [{ ...KEY, NODE_TLS_REJECT_UNAUTHORIZED: '0' }, /certificate checks off/],
    [{ ...KEY, KOOGALLERY_AK: 'only-the-ak' }, /KOOGALLERY_AK and KOOGALLERY_SK go together/],
    [{ ...KEY, ORDER_LOOKUP: 'true' }, /ORDER_LOOKUP=true needs KOOGALLERY_AK/],
    [{ ...KEY, PROVISION_NEEDS_ORDER: 'true' }, /PROVISION_NEEDS_ORDER=true needs the order lookup/],
    [{ ...KEY, USAGE_WINDOW: 'minute' }, /USAGE_WINDOW must be one of hour, day/],
    [{ ...KEY, MARKETPLACE_TIMEOUT_MS: '100' }, /MARKETPLACE_TIMEOUT_MS/],
    [{ ...KEY, KGKIT_API_TOKEN: 'short' }, /KGKIT_API_TOKEN must be at least 24/],
    [{ ...KEY, PROVISION_LEASE_MS: '1000' }, /PROVISION_LEASE_MS/],
  ])('refuses marketplace settings %o', (env, message) => expect(() => loadConfig(env)).toThrow(message));

  it('serves metrics on the main port unless METRICS_PORT is set, and traces only with an OTLP endpoint', () => {
    const plain = loadConfig(KEY);
    expect(plain.metricsPort).toBeUndefined();
    expect(plain.tracing).toBeUndefined();
    expect(loadConfig({ ...KEY, METRICS_PORT: '9464' }).metricsPort).toBe(9464);
    expect(loadConfig({ ...KEY, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318' }).tracing).toEqual({
      tracesUrl: 'http://otel-collector:4318/v1/traces',
      serviceName: 'kgkit',
    });
    expect(
      loadConfig({
        ...KEY,
        OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector.example.com/otlp/',
        OTEL_SERVICE_NAME: 'seller-a',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      }).tracing,
    ).toEqual({ tracesUrl: 'https://collector.example.com/otlp/v1/traces', serviceName: 'seller-a' });
    expect(loadConfig({ ...KEY, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318', OTEL_SDK_DISABLED: 'true' }).tracing).toBeUndefined();
  });

  it.each([
    [{ ...KEY, METRICS_PORT: 'metrics' }, /METRICS_PORT must be an integer from 1 to 65535 \(got "metrics"\)/],
    [{ ...KEY, METRICS_PORT: '0' }, /METRICS_PORT must be an integer from 1 to 65535/],
    [{ ...KEY, METRICS_PORT: '65536' }, /METRICS_PORT must be an integer from 1 to 65535/],
    [{ ...KEY, METRICS_PORT: '9464.5' }, /METRICS_PORT must be an integer/],
    [{ ...KEY, METRICS_PORT: '8080' }, /METRICS_PORT must differ from PORT \(both 8080\)/],
    [{ ...KEY, PORT: '9464', METRICS_PORT: '9464' }, /METRICS_PORT must differ from PORT/],
    [{ ...KEY, OTEL_EXPORTER_OTLP_ENDPOINT: 'otel-collector:4318' }, /OTEL_EXPORTER_OTLP_ENDPOINT must be an http\(s\) URL/],
    [{ ...KEY, OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }, /OTEL_EXPORTER_OTLP_ENDPOINT must be the collector's OTLP\/HTTP base URL/],
    [{ ...KEY, OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://collector:4317' }, /OTEL_EXPORTER_OTLP_ENDPOINT must be an http\(s\) URL/],
    [{ ...KEY, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://user:secret@collector:4318' }, /without user name, query or fragment/],
    [{ ...KEY, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318?key=1' }, /without user name, query or fragment/],
    [{ ...KEY, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318#x' }, /without user name, query or fragment/],
    [{ ...KEY, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, /OTEL_EXPORTER_OTLP_PROTOCOL must be http\/json or unset \(got "grpc"\)/],
    [{ ...KEY, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' }, /OTEL_EXPORTER_OTLP_PROTOCOL must be http\/json/],
    [{ ...KEY, OTEL_SDK_DISABLED: 'yes' }, /OTEL_SDK_DISABLED must be true or false/],
  ])('refuses metrics and tracing settings %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never repeats a credential of the OTLP endpoint in its refusal', () => {
    expect(() => loadConfig({ ...KEY, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://user:s3cr3t-value@collector:4318' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('s3cr3t-value') }),
    );
  });

  it('lists every problem at once', () => {
    try {
      loadConfig({ PORT: 'x', BODY_SIGN: 'maybe' });
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).problems).toHaveLength(3);
    }
  });
});
