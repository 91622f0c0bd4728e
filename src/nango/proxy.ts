// Outbound proxies as curl and most HTTP clients read them from the environment: HTTPS_PROXY for https
// targets (a CONNECT tunnel, so the proxy sees the host name but never the secret key), HTTP_PROXY for http
// targets (absolute-form requests), NO_PROXY for exceptions. A lower-case name wins over its upper-case
// form, as in curl. A proxy's user name and password go only into Proxy-Authorization, never into a message.
import { BlockList, isIP } from 'node:net';

export type Environment = Readonly<Record<string, string | undefined>>;

export interface ProxyTarget {
  protocol: 'http:' | 'https:';
  /** Without IPv6 brackets. */
  hostname: string;
  port: number;
}

export interface Proxy {
  protocol: 'http:' | 'https:';
  /** Without IPv6 brackets. */
  hostname: string;
  port: number;
  /** `Basic …` from the proxy URL's user info. */
  authorization: string | undefined;
  /** `VARIABLE (host:port)`: what messages show, never the user info. */
  display: string;
}

function read(env: Environment, lower: string): { name: string; value: string } | undefined {
  for (const name of [lower, lower.toUpperCase()]) {
    const value = env[name]?.trim();
    if (value) return { name, value };
  }
  return undefined;
}

export const bare = (host: string): string => host.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase();
export const authority = (host: string, port: number): string => `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;

function parseProxy(name: string, value: string): Proxy {
  let url: URL;
  try {
    // `proxy:3128` without a scheme means http://, as in curl.
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
  } catch {
    // The value may hold a password: never echo it.
    throw new Error(`env ${name}: not a valid proxy URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`env ${name}: only http:// and https:// proxies are supported, not ${url.protocol}//`);
  }
  const hostname = bare(url.hostname);
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  const authorization =
    url.username || url.password
      ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`
      : undefined;
  return { protocol: url.protocol, hostname, port, authorization, display: `${name} (${authority(hostname, port)})` };
}

/**
 * True when NO_PROXY exempts the target: `*`, a host name (which also covers its subdomains; a leading `.`
 * or `*.` is optional), an IP address, a CIDR range; any of them may end in `:port`.
 */
export function bypassesProxy(noProxy: string, hostname: string, port: number): boolean {
  const host = bare(hostname);
  const hostIp = isIP(host);
  for (const raw of noProxy.split(/[\s,]+/)) {
    let entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    const withPort = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(entry);
    if (withPort) {
      if (Number(withPort[2]) !== port) continue;
      entry = withPort[1] ?? '';
    }
    entry = bare(entry);
    const cidr = /^(.+)\/(\d{1,3})$/.exec(entry);
    if (cidr) {
      const family = isIP(cidr[1] ?? '');
      if (family === 0 || hostIp === 0) continue;
      const list = new BlockList();
      try {
        list.addSubnet(cidr[1] ?? '', Number(cidr[2]), family === 6 ? 'ipv6' : 'ipv4');
      } catch {
        continue;
      }
      if (list.check(host, hostIp === 6 ? 'ipv6' : 'ipv4')) return true;
      continue;
    }
    if (isIP(entry) !== 0) {
      if (hostIp !== 0 && singleAddress(entry).check(host, hostIp === 6 ? 'ipv6' : 'ipv4')) return true;
      continue;
    }
    const name = entry.replace(/^\*?\./, '');
    if (host === name || host.endsWith(`.${name}`)) return true;
  }
  return false;
}

function singleAddress(address: string): BlockList {
  const list = new BlockList();
  list.addAddress(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
  return list;
}

/** The proxy to use for the target, or undefined for a direct connection. */
export function proxyFor(target: ProxyTarget, env: Environment = process.env): Proxy | undefined {
  const setting = read(env, target.protocol === 'https:' ? 'https_proxy' : 'http_proxy');
  if (!setting) return undefined;
  const noProxy = read(env, 'no_proxy');
  if (noProxy && bypassesProxy(noProxy.value, target.hostname, target.port)) return undefined;
  return parseProxy(setting.name, setting.value);
}
