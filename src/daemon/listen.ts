// `--listen HOST:PORT`. Kubernetes probes reach the pod IP, so the default binds every interface.

export interface ListenAddress {
  host: string;
  port: number;
}

export const DEFAULT_LISTEN = '0.0.0.0:8080';

/** Accepts `HOST:PORT`, `[IPv6]:PORT`, `:PORT` (every interface) and `PORT`. Port 0 picks a free port. */
export function parseListen(text: string): ListenAddress | undefined {
  const value = text.trim();
  let host: string;
  let portText: string;
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(value);
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2]!;
  } else if (/^\d+$/.test(value)) {
    host = '0.0.0.0';
    portText = value;
  } else {
    const colon = value.lastIndexOf(':');
    if (colon < 0) return undefined;
    host = value.slice(0, colon);
    portText = value.slice(colon + 1);
    // An unbracketed IPv6 address is ambiguous ("::1:8080").
    if (host.includes(':')) return undefined;
    if (host === '') host = '0.0.0.0';
  }
  if (!/^\d+$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port > 65_535) return undefined;
  return { host, port };
}

export function formatListen(address: ListenAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
