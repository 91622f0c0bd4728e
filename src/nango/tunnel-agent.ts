// The agent for https through an HTTPS_PROXY: TLS inside a CONNECT tunnel (see proxy.ts).
import type { Duplex } from 'node:stream';
import type http from 'node:http';
import type https from 'node:https';
import type tls from 'node:tls';
import { isIP } from 'node:net';
import { authority, bare, type Proxy } from './proxy.js';
import { builtin } from '../builtin.js';

/**
 * An https agent whose connections are TLS inside a CONNECT tunnel. Keep-alive pooling works as usual:
 * one tunnel per pooled connection. The class is made on first use: node:https and node:tls are loaded only
 * by a client that needs them (an http host, such as a self-hosted Nango in the cluster, needs neither).
 */
export function createTunnelAgent(proxy: Proxy, options: https.AgentOptions, connectTimeoutMs: number): https.Agent {
  tunnelAgent ??= defineTunnelAgent();
  return new tunnelAgent(proxy, options, connectTimeoutMs);
}

type TunnelAgentClass = new (proxy: Proxy, options: https.AgentOptions, connectTimeoutMs: number) => https.Agent;

let tunnelAgent: TunnelAgentClass | undefined;

function defineTunnelAgent(): TunnelAgentClass {
  const https = builtin('node:https');
  const http = builtin('node:http');
  const tls = builtin('node:tls');
  return class TunnelAgent extends https.Agent {
    constructor(
      private readonly proxy: Proxy,
      options: https.AgentOptions,
      /** Bounds the CONNECT exchange (the request's own deadline also covers it). */
      private readonly connectTimeoutMs: number,
    ) {
      super(options);
    }

    override createConnection(options: https.RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
      const done = callback ?? (() => undefined);
      const host = bare(String(options.host ?? options.hostname ?? 'localhost'));
      const port = Number(options.port ?? 443);
      const target = authority(host, port);
      const proxy = this.proxy;
      const connect = (proxy.protocol === 'https:' ? https : http).request({
        host: proxy.hostname,
        port: proxy.port,
        method: 'CONNECT',
        path: target,
        headers: { host: target, ...(proxy.authorization ? { 'proxy-authorization': proxy.authorization } : {}) },
        agent: false,
        timeout: this.connectTimeoutMs,
        ...(proxy.protocol === 'https:' && isIP(proxy.hostname) === 0 ? { servername: proxy.hostname } : {}),
      });
      let settled = false;
      // Errors without a `code`: the transport then prints the message (the proxy is named by the caller).
      const fail = (message: string): void => {
        if (settled) return;
        settled = true;
        connect.destroy();
        done(new Error(message), undefined as unknown as Duplex);
      };
      connect.once('timeout', () => fail(`the proxy did not answer CONNECT ${target}`));
      connect.once('error', (error: NodeJS.ErrnoException) => fail(`the proxy could not be reached: ${error.code ?? error.message}`));
      connect.once('response', (res: http.IncomingMessage) => {
        res.resume();
        fail(`the proxy answered ${res.statusCode ?? 'nothing'} to CONNECT ${target}`);
      });
      connect.once('connect', (res: http.IncomingMessage, socket: Duplex) => {
        if (settled) {
          socket.destroy();
          return;
        }
        if (res.statusCode !== 200) {
          socket.destroy();
          fail(`the proxy answered ${res.statusCode ?? 'nothing'} to CONNECT ${target}`);
          return;
        }
        settled = true;
        const servername = options.servername ?? (isIP(host) === 0 ? host : '');
        const secure = tls.connect({ ...(options as tls.ConnectionOptions), socket, host, port, servername });
        done(null, secure);
      });
      connect.end();
      return undefined;
    }
  };
}
