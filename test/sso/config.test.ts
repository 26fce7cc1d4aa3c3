import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const KEY = { KOOGALLERY_ACCESS_KEY: 'a-real-key-123' };

/** The problems loadConfig lists for `env`, or [] when it accepts it. */
function problems(env: Record<string, string>): string[] {
  try {
    loadConfig({ ...KEY, ...env });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('SSO configuration', () => {
  it('defaults: /sso, no callback URL nor allowed host (the login answers on the loopback only), 8 h sessions, landing on /', () => {
    expect(loadConfig(KEY).sso).toEqual({ path: '/sso', allowedHosts: [], sessionTtlMs: 8 * 3_600_000, landingUrl: '/' });
  });

  it('reads every SSO setting', () => {
    const config = loadConfig({
      ...KEY,
      SSO_PATH: '/login/huawei',
      SSO_CALLBACK_URL: 'https://seller.example.com/login/huawei/callback',
      SSO_SESSION_TTL_MS: '3600000',
      SSO_LANDING_URL: 'https://app.seller.example.com/home',
    });
    expect(config.sso).toEqual({
      path: '/login/huawei',
      callbackUrl: 'https://seller.example.com/login/huawei/callback',
      allowedHosts: [],
      sessionTtlMs: 3_600_000,
      landingUrl: 'https://app.seller.example.com/home',
    });
  });

  it('reads the allowed hosts, in lower case, spaces around commas ignored', () => {
    expect(loadConfig({ ...KEY, SSO_ALLOWED_HOSTS: 'App.Example.com, app2.example.com:8443,[2001:db8::1]:8443,localhost:3000' }).sso.allowedHosts).toEqual([
      'app.example.com',
      'app2.example.com:8443',
      '[2001:db8::1]:8443',
      'localhost:3000',
    ]);
  });

  it.each([
    'http://localhost:8080/sso/callback',
    'http://127.0.0.1/sso/callback',
    'http://[::1]:3000/sso/callback',
    'https://seller.example.com/sso/callback?site=cn', // RFC 6749 §3.1.2 allows a query
  ])('accepts the callback URL %s', (callbackUrl) => expect(loadConfig({ ...KEY, SSO_CALLBACK_URL: callbackUrl }).sso.callbackUrl).toBe(callbackUrl));

  it.each([
    [{ SSO_PATH: 'sso' }, /SSO_PATH/],
    [{ SSO_CALLBACK_URL: 'seller.example.com/sso/callback' }, /SSO_CALLBACK_URL must be a URL/],
    [{ SSO_CALLBACK_URL: 'ftp://seller.example.com/sso/callback' }, /SSO_CALLBACK_URL must be https/],
    [{ SSO_CALLBACK_URL: 'http://seller.example.com/sso/callback' }, /SSO_CALLBACK_URL must be https \(plain http only on localhost/],
    [{ SSO_CALLBACK_URL: 'http://127.0.0.1.nip.io/sso/callback' }, /SSO_CALLBACK_URL must be https/],
    [{ SSO_CALLBACK_URL: 'http://localhost@evil.example/sso/callback' }, /SSO_CALLBACK_URL must be https/],
    [{ SSO_CALLBACK_URL: 'https://user:pw@seller.example.com/sso/callback' }, /SSO_CALLBACK_URL must not carry a user name/],
    [{ SSO_CALLBACK_URL: 'https://seller.example.com/sso/callback#top' }, /SSO_CALLBACK_URL must not have a fragment/],
    [{ SSO_ALLOWED_HOSTS: 'https://app.example.com' }, /SSO_ALLOWED_HOSTS: "https:\/\/app.example.com" is not a host\[:port\]/],
    [{ SSO_ALLOWED_HOSTS: 'app.example.com/sso' }, /SSO_ALLOWED_HOSTS: "app.example.com\/sso"/],
    [{ SSO_ALLOWED_HOSTS: '*.example.com' }, /SSO_ALLOWED_HOSTS: "\*.example.com"/],
    [{ SSO_ALLOWED_HOSTS: 'user@app.example.com' }, /SSO_ALLOWED_HOSTS: "user@app.example.com"/],
    [{ SSO_ALLOWED_HOSTS: 'app.example.com:99999' }, /SSO_ALLOWED_HOSTS: "app.example.com:99999"/],
    [{ SSO_ALLOWED_HOSTS: 'app.example.com,,app2.example.com' }, /SSO_ALLOWED_HOSTS: "" is not a host/],
    [{ SSO_ALLOWED_HOSTS: '127.1' }, /SSO_ALLOWED_HOSTS: "127.1"/],
    [
      { SSO_ALLOWED_HOSTS: 'app.example.com', SSO_CALLBACK_URL: 'https://app.example.com/sso/callback' },
      /SSO_CALLBACK_URL and SSO_ALLOWED_HOSTS exclude each other/,
    ],
    [{ SSO_SESSION_TTL_MS: '1000' }, /SSO_SESSION_TTL_MS/],
    [{ SSO_LANDING_URL: 'home' }, /SSO_LANDING_URL/],
    // Open redirects: a protocol-relative URL or a script URL would send the user off-site.
    [{ SSO_LANDING_URL: '//evil.example.com/' }, /SSO_LANDING_URL/],
    [{ SSO_LANDING_URL: '/\\evil.example.com' }, /SSO_LANDING_URL/],
    [{ SSO_LANDING_URL: 'javascript:alert(1)' }, /SSO_LANDING_URL/],
  ])('refuses %o', (env, message) => expect(() => loadConfig({ ...KEY, ...env })).toThrow(message));

  it('lists every SSO problem of one start at once', () => {
    expect(problems({ SSO_CALLBACK_URL: 'http://seller.example.com/cb#x', SSO_ALLOWED_HOSTS: 'a.example.com,b/c,*', SSO_LANDING_URL: 'home' })).toEqual([
      expect.stringMatching(/^SSO_CALLBACK_URL must be https/),
      expect.stringMatching(/^SSO_ALLOWED_HOSTS: "b\/c"/),
      expect.stringMatching(/^SSO_ALLOWED_HOSTS: "\*"/),
      expect.stringMatching(/^SSO_CALLBACK_URL and SSO_ALLOWED_HOSTS exclude each other/),
      expect.stringMatching(/^SSO_LANDING_URL/),
    ]);
  });
});
