import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { createNangoClient } from '../../src/nango/client.js';
import { sendHttp } from '../../src/nango/http.js';

let server: Server | undefined;
afterEach(async () => {
  vi.unstubAllGlobals();
  const s = server;
  server = undefined;
  if (s) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<URL> {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/integrations/a%20b?include%5B%5D=credentials`);
}

describe('sendHttp', () => {
  it('sends method, headers and body with its length, and returns status, headers and text', async () => {
    let seen: { method?: string; url?: string; auth?: string; length?: string; body?: string } = {};
    const url = await serve((req, res, body) => {
      seen = { method: req.method, url: req.url, auth: req.headers.authorization, length: req.headers['content-length'], body };
      res.setHeader('X-RateLimit-Remaining', '41');
      res.setHeader('Set-Cookie', ['a=1', 'b=2']);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('\uFEFF{"data":"é"}');
    });
    const answer = await sendHttp(url, { method: 'PATCH', headers: { Authorization: 'Bearer k' }, body: '{"display_name":"é"}', timeoutMs: 5_000 });
    expect(seen).toEqual({ method: 'PATCH', url: '/integrations/a%20b?include%5B%5D=credentials', auth: 'Bearer k', length: '21', body: '{"display_name":"é"}' });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-ratelimit-remaining')).toBe('41');
    expect(answer.headers.get('X-RateLimit-Remaining')).toBe('41');
    expect(answer.headers.get('set-cookie')).toBe('a=1, b=2');
    expect(answer.headers.get('retry-after')).toBeNull();
    expect(answer.text).toBe('{"data":"é"}');
  });

  it('times out an answer that stops half-way, with the name the transport maps to "timeout"', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"data":');
    });
    const started = Date.now();
    await expect(sendHttp(url, { method: 'GET', headers: {}, timeoutMs: 150 })).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  });

  it('fails, rather than returning part of the body, when the connection drops mid-answer', async () => {
    const url = await serve((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '100' });
      res.write('{"data":');
      setTimeout(() => req.socket.destroy(), 20);
    });
    await expect(sendHttp(url, { method: 'GET', headers: {}, timeoutMs: 5_000 })).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  it('reports a refused connection with its system code', async () => {
    const url = await serve(() => undefined);
    const port = url.port;
    const s = server!;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
    server = undefined;
    await expect(sendHttp(new URL(`http://127.0.0.1:${port}/`), { method: 'GET', headers: {}, timeoutMs: 5_000 })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

describe('the Nango client transport', () => {
  it('does not go through fetch (3x the CPU per request; see docs/benchmarks.md)', async () => {
    const fetchSpy = vi.fn(() => Promise.reject(new Error('fetch must not be used')));
    vi.stubGlobal('fetch', fetchSpy);
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"data":[]}');
    });
    const client = createNangoClient({ host: url.origin, secretKey: '3f1c9a2e-7b4d-4e8f-9a6b-2c5d8e1f0a7b', maxRetries: 0 });
    await expect(client.listIntegrations()).resolves.toEqual([]);
    expect(fetchSpy).not.toHaveBeenCalled();
  });
});
