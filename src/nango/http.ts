// One HTTP exchange over node:http(s) with a keep-alive agent (measured: less CPU per request than fetch,
// see docs/benchmarks.md). The request target is sent verbatim, never through a URL parser that would
// resolve `.`/`..` segments; redirects are never followed; one deadline covers connect, headers and body;
// the body is read only up to a cap, and the exchange is aborted as soon as it would exceed it.
import http from 'node:http';
import { isIP } from 'node:net';
import type { Readable } from 'node:stream';

import { proxyFor, type Environment, type Proxy } from './proxy.js';
import { createTunnelAgent } from './tunnel-agent.js';
import { builtin } from '../builtin.js';

/** The subset of WHATWG `Headers` the pacer reads. */
export interface HeaderReader {
  get(name: string): string | null;
}

export interface Endpoint {
  protocol: 'http:' | 'https:';
  /** Without IPv6 brackets. */
  hostname: string;
  port: number;
  /** Path prefix of NANGO_HOST without trailing slash ('' for none). */
  basePath: string;
}

export interface Exchange {
  method: string;
  /** Encoded path (after the base path) and query, sent as they are. */
  target: string;
  headers: Readonly<Record<string, string>>;
  body: string | undefined;
  /** Whole exchange: connect, request, headers and body. */
  timeoutMs: number;
  /** Decoded body bytes the answer may have. */
  maxBytes: number;
}

/** The answer's head; `body` resolves once the whole body has arrived. */
export interface Head {
  status: number;
  headers: HeaderReader;
  body: Promise<Buffer>;
}

/** The deadline passed (name as AbortSignal.timeout's error, which callers already recognise). */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** The answer's body is larger than allowed; the exchange was aborted. */
export class AnswerTooLargeError extends Error {
  override readonly name = 'AnswerTooLargeError';
  constructor(readonly limit: number) {
    super(`answer larger than ${limit} bytes`);
  }
}

export interface HttpClient {
  send(exchange: Exchange): Promise<Head>;
  /** The proxy requests go through, for messages (undefined: direct). */
  readonly proxy: Proxy | undefined;
  /** Closes idle keep-alive connections (a daemon keeps the client; a CLI run just exits). */
  close(): void;
}

/**
 * Idle keep-alive connections are closed after this long (or sooner, when the server's Keep-Alive header
 * says so): reusing a connection the server is closing at that moment costs a retry.
 */
const IDLE_SOCKET_MS = 15_000;

function headerReader(headers: http.IncomingHttpHeaders): HeaderReader {
  return {
    get(name: string): string | null {
      const value = headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

/** Decodes a compressed body; an encoding we did not ask for is passed through (and fails as JSON later). */
function decoded(res: http.IncomingMessage): Readable {
  const header = res.headers['content-encoding'];
  if (header === undefined) return res;
  const encoding = header.trim().toLowerCase();
  // node:zlib only for an answer that needs it.
  if (encoding === 'gzip' || encoding === 'x-gzip') return res.pipe(builtin('node:zlib').createGunzip());
  if (encoding === 'br') return res.pipe(builtin('node:zlib').createBrotliDecompress());
  return res;
}

export function createHttpClient(endpoint: Endpoint, timeoutMs: number, env: Environment = process.env): HttpClient {
  const proxy = proxyFor(endpoint, env);
  const agentOptions = { keepAlive: true, timeout: IDLE_SOCKET_MS, scheduling: 'lifo' as const };
  // node:https (and node:tls) only for a client that speaks TLS: an http host, such as a self-hosted Nango in
  // the cluster or the emulator, needs neither.
  const tlsNeeded = endpoint.protocol === 'https:' || proxy?.protocol === 'https:';
  const https = tlsNeeded ? builtin('node:https') : undefined;
  const agent: http.Agent =
    endpoint.protocol === 'https:' && proxy
      ? createTunnelAgent(proxy, agentOptions, timeoutMs)
      : https
        ? new https.Agent(agentOptions)
        : new http.Agent(agentOptions);
  const authority = `${isIP(endpoint.hostname) === 6 ? `[${endpoint.hostname}]` : endpoint.hostname}:${endpoint.port}`;
  // http through a proxy: the request goes to the proxy, in absolute form.
  const viaProxy = endpoint.protocol === 'http:' && proxy !== undefined;
  const request = https ? https.request : http.request;

  function send(exchange: Exchange): Promise<Head> {
    const path = `${endpoint.basePath}${exchange.target}`;
    const headers: Record<string, string> = { ...exchange.headers, 'accept-encoding': 'gzip, br' };
    if (exchange.body !== undefined) headers['content-length'] = String(Buffer.byteLength(exchange.body));
    if (viaProxy) {
      headers['host'] = authority;
      if (proxy.authorization) headers['proxy-authorization'] = proxy.authorization;
    }
    return new Promise<Head>((resolve, reject) => {
      let finished = false;
      let rejectBody: ((error: Error) => void) | undefined;
      const fail = (error: Error): void => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        req.destroy();
        if (rejectBody) rejectBody(error);
        else reject(error);
      };
      const req = request({
        agent,
        method: exchange.method,
        host: viaProxy ? proxy.hostname : endpoint.hostname,
        port: viaProxy ? proxy.port : endpoint.port,
        path: viaProxy ? `http://${authority}${path}` : path,
        headers,
      });
      const timer = setTimeout(() => fail(new TimeoutError(`timed out after ${exchange.timeoutMs} ms`)), exchange.timeoutMs);
      req.once('error', (error) => fail(error));
      req.once('response', (res) => {
        const status = res.statusCode ?? 0;
        const length = Number(res.headers['content-length']);
        const body = new Promise<Buffer>((resolveBody, rejectOnBody) => {
          rejectBody = rejectOnBody;
          if (Number.isFinite(length) && length > exchange.maxBytes && !res.headers['content-encoding']) {
            fail(new AnswerTooLargeError(exchange.maxBytes));
            return;
          }
          const stream = decoded(res);
          const chunks: Buffer[] = [];
          let size = 0;
          stream.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > exchange.maxBytes) {
              fail(new AnswerTooLargeError(exchange.maxBytes));
              stream.destroy();
              return;
            }
            chunks.push(chunk);
          });
          stream.once('error', (error) => fail(error));
          res.once('error', (error) => fail(error));
          res.once('aborted', () => fail(Object.assign(new Error('connection closed before the answer ended'), { code: 'ECONNRESET' })));
          stream.once('end', () => {
            if (finished) return;
            finished = true;
            clearTimeout(timer);
            // A small answer arrives in one chunk: no copy then.
            resolveBody(chunks.length === 1 && chunks[0]!.length === size ? chunks[0]! : Buffer.concat(chunks, size));
          });
        });
        // A caller that never reads the body must not see an unhandled rejection.
        body.catch(() => undefined);
        resolve({ status, headers: headerReader(res.headers), body });
      });
      req.end(exchange.body);
    });
  }

  return {
    send,
    proxy,
    close: () => agent.destroy(),
  };
}
