import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

const KEY = { KOOGALLERY_ACCESS_KEY: 'a-real-key-123' };

describe('SSO configuration', () => {
  it('defaults: /sso, the callback URL derived from the request, 8 h sessions, landing on /', () => {
    expect(loadConfig(KEY).sso).toEqual({ path: '/sso', sessionTtlMs: 8 * 3_600_000, landingUrl: '/' });
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
      sessionTtlMs: 3_600_000,
      landingUrl: 'https://app.seller.example.com/home',
    });
  });

  it.each([
    [{ SSO_PATH: 'sso' }, /SSO_PATH/],
    [{ SSO_CALLBACK_URL: 'seller.example.com/sso/callback' }, /SSO_CALLBACK_URL/],
    [{ SSO_SESSION_TTL_MS: '1000' }, /SSO_SESSION_TTL_MS/],
    [{ SSO_LANDING_URL: 'home' }, /SSO_LANDING_URL/],
    // Open redirects: a protocol-relative URL or a script URL would send the user off-site.
    [{ SSO_LANDING_URL: '//evil.example.com/' }, /SSO_LANDING_URL/],
    [{ SSO_LANDING_URL: '/\\evil.example.com' }, /SSO_LANDING_URL/],
    [{ SSO_LANDING_URL: 'javascript:alert(1)' }, /SSO_LANDING_URL/],
  ])('refuses %o', (env, message) => expect(() => loadConfig({ ...KEY, ...env })).toThrow(message));
});
