// A loopback forward proxy for the proxy tests: CONNECT tunnels (https targets) and absolute-form requests
// (http targets), with its own name table, so that a host name only the proxy knows proves the proxy was used.
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export interface ProxyLogEntry {
  method: string;
  /** As received: `host:port` for CONNECT, the absolute URL otherwise. */
  target: string;
  headers: IncomingHttpHeaders;
}

export interface LoopbackProxy {
  url: string;
  log: ProxyLogEntry[];
  /** Every byte that went through a CONNECT tunnel, both ways (TLS records: no secret may be readable). */
  tunnelled(): Buffer;
  close(): Promise<void>;
}

export interface LoopbackProxyOptions {
  /** Host name → address the proxy connects to. Names not listed are refused (502). */
  hosts: Record<string, string>;
  /** Answer 407 unless Proxy-Authorization is exactly this. */
  requireAuthorization?: string;
}

export async function startLoopbackProxy(options: LoopbackProxyOptions): Promise<LoopbackProxy> {
  const log: ProxyLogEntry[] = [];
  const tunnelChunks: Buffer[] = [];
  const sockets = new Set<Socket>();
  const resolve = (host: string): string | undefined => options.hosts[host.replace(/^\[(.*)\]$/, '$1').toLowerCase()];
  const authorized = (headers: IncomingHttpHeaders): boolean =>
    options.requireAuthorization === undefined || headers['proxy-authorization'] === options.requireAuthorization;

  const server: Server = createServer((req, res) => {
    const target = req.url ?? '';
    log.push({ method: req.method ?? '', target, headers: req.headers });
    if (!authorized(req.headers)) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test"', 'content-type': 'text/plain' }).end('proxy authentication required');
      return;
    }
    // Not `new URL()`: the path must reach the server exactly as the client wrote it.
    const parts = /^http:\/\/([^/?#]+)(.*)$/.exec(target);
    const authority = parts?.[1] ?? '';
    const portAt = authority.lastIndexOf(':');
    const host = portAt > 0 && !authority.endsWith(']') ? authority.slice(0, portAt) : authority;
    const address = resolve(host);
    if (!parts || !address) {
      res.writeHead(502, { 'content-type': 'text/plain' }).end(`unknown host ${host}`);
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    const upstream = request({ host: address, port: portAt > 0 ? Number(authority.slice(portAt + 1)) : 80, method: req.method, path: parts[2] || '/', headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });

  server.on('connect', (req, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    log.push({ method: 'CONNECT', target, headers: req.headers });
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    if (!authorized(req.headers)) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const at = target.lastIndexOf(':');
    const address = resolve(target.slice(0, at));
    if (at <= 0 || !address) {
      client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const upstream = connect(Number(target.slice(at + 1)), address, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      client.on('data', (chunk: Buffer) => tunnelChunks.push(chunk));
      upstream.on('data', (chunk: Buffer) => tunnelChunks.push(chunk));
      client.pipe(upstream).pipe(client);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });

  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    tunnelled: () => Buffer.concat(tunnelChunks),
    close: () =>
      new Promise<void>((done) => {
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
