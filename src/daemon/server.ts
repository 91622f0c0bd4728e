// The daemon's HTTP endpoints for Kubernetes probes and Prometheus, on plain node:http.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ListenAddress } from './listen.js';
import { terseReadiness, wantsDetail } from './probe-detail.js';
import type { Readiness } from './status.js';

export interface Health {
  alive: boolean;
  reason?: string;
}

export interface HttpHandlers {
  health(): Health;
  readiness(): Readiness;
  metrics(): Promise<{ contentType: string; body: string }>;
}

export interface HttpServer {
  /** The bound address (the real port when 0 was asked for). */
  address: ListenAddress;
  close(): Promise<void>;
}

function reply(req: IncomingMessage, res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

const json = (value: unknown): string => `${JSON.stringify(value)}\n`;

async function handle(req: IncomingMessage, res: ServerResponse, handlers: HttpHandlers): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://daemon.invalid');
  const path = url.pathname;
  const verbose = wantsDetail(req.socket.remoteAddress, url.searchParams);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    reply(req, res, 405, 'application/json', json({ error: 'method not allowed' }));
    return;
  }
  switch (path) {
    case '/healthz': {
      const health = handlers.health();
      reply(req, res, health.alive ? 200 : 503, 'application/json', json(health));
      return;
    }
    case '/readyz': {
      const readiness = handlers.readiness();
      reply(req, res, readiness.ready ? 200 : 503, 'application/json', json(verbose ? readiness : terseReadiness(readiness)));
      return;
    }
    case '/metrics': {
      const metrics = await handlers.metrics();
      reply(req, res, 200, metrics.contentType, metrics.body);
      return;
    }
    default:
      reply(req, res, 404, 'application/json', json({ error: 'not found', endpoints: ['/healthz', '/readyz', '/metrics'] }));
  }
}

export async function startHttpServer(listen: ListenAddress, handlers: HttpHandlers): Promise<HttpServer> {
  const server = createServer((req, res) => {
    handle(req, res, handlers).catch(() => {
      if (res.headersSent) res.destroy();
      else reply(req, res, 500, 'application/json', json({ error: 'internal error' }));
    });
  });
  // Probes come every few seconds; do not let idle keep-alive sockets delay shutdown.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  return {
    address: { host: listen.host, port: bound.port },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
