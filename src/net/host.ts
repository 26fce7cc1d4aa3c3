/**
 * A host as HTTP names it (`Host` header, an allow-list entry): `name[:port]`, nothing else. Strict on purpose: a value
 * with userinfo, a path, spaces or a numeric shorthand (`127.1`, `2130706433`) is not a host kgkit builds URLs from.
 */
export interface HostName {
  /** Lower case; an IPv6 address keeps its brackets. */
  hostname: string;
  /** `hostname[:port]`, the form compared and put into URLs. */
  host: string;
}

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOST = new RegExp(`^(${LABEL}(?:\\.${LABEL})*|\\[[0-9a-f:.]{2,45}\\])(?::([0-9]{1,5}))?$`);
// What browsers call the developer's own machine; kgkit's list, narrower than the whole of 127.0.0.0/8.
const LOOPBACK_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The host of `raw`, or undefined when it is not exactly `name[:port]` (RFC 9110 §7.2, DNS names and IP literals). */
export function parseHost(raw: string): HostName | undefined {
  if (raw.length === 0 || raw.length > 259) return undefined;
  const match = HOST.exec(raw.toLowerCase());
  if (!match) return undefined;
  const hostname = match[1]!;
  // The URL parser must read it back unchanged: no other spelling of an address (127.1, 0x7f.0.0.1, [0::1]).
  try {
    if (hostname.length > 253 || new URL(`http://${hostname}`).hostname !== hostname) return undefined;
  } catch {
    return undefined;
  }
  if (match[2] === undefined) return { hostname, host: hostname };
  const port = Number(match[2]);
  if (port < 1 || port > 65_535 || match[2] !== String(port)) return undefined;
  return { hostname, host: `${hostname}:${port}` };
}

export function isLoopbackHostname(hostname: string): boolean {
  return LOOPBACK_HOSTNAMES.has(hostname.toLowerCase());
}
