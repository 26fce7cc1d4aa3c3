import { isLoopbackHostname } from './host.js';

// The URLs kgkit is configured with, checked where the configuration is read (src/config.ts) and again by the parts
// that use them: pure functions of the value.

/** The marketplace's test doubles may listen anywhere on 127.0.0.0/8. */
const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/;

/**
 * Strict TLS: every host is https (plain http only on the loopback, for test doubles), and the process must not have
 * certificate checks switched off (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649350.html: "strong verification of the certificate, never skipped").
 */
export function checkHosts(hosts: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const problems: string[] = [];
  if (hosts.length === 0) problems.push('no marketplace host is configured');
  for (const host of hosts) {
    let url: URL;
    try {
      url = new URL(host);
    } catch {
      problems.push(`"${host}" is not a URL`);
      continue;
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.test(url.hostname))) {
      problems.push(`${host} must be https (http is allowed on the loopback only, for test doubles)`);
    }
  }
  if (env.NODE_TLS_REJECT_UNAUTHORIZED === '0')
    problems.push('NODE_TLS_REJECT_UNAUTHORIZED=0 switches certificate checks off; the marketplace must be called with them on');
  return problems;
}

/** Why a value cannot be SSO_CALLBACK_URL, or undefined. */
export function callbackUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be a URL, e.g. https://seller.example.com/sso/callback';
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHostname(url.hostname))) {
    return 'must be https (plain http only on localhost, 127.0.0.1 or [::1]): the auth centre sends login codes to it';
  }
  if (url.username !== '' || url.password !== '') return 'must not carry a user name or password';
  // RFC 6749 §3.1.2: the redirection endpoint URI MUST NOT include a fragment component.
  if (value.includes('#')) return 'must not have a fragment (#…)';
  return undefined;
}
