// The HTTP layer under the Nango client (node:http with keep-alive): paths sent verbatim, redirects
// never followed, compressed answers, one deadline for the whole answer, and size caps enforced while
// the answer streams in.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';

import { createNangoClient, type ClientOptions } from '../../src/nango/client.js';
import { RateLimitPacer } from '../../src/nango/pacer.js';
import { encodePathSegment } from '../../src/nango/path.js';
import { apiIntegration, startFakeServer, type FakeServer, failure } from './nango-fake-server.js';

const SECRET = '3f1c9a2e-7b4d-4e8f-9a6b-2c5d8e1f0a7b';
const LIST = JSON.stringify({ data: [apiIntegration('slack-prod')] });

const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

interface RawServer {
  url: string;
  /** Request targets as received. */
  targets: string[];
  connections: number;
}

/** A server whose handler writes the answer itself (compression, partial bodies, redirects). */
async function rawServer(handler: (req: IncomingMessage, res: ServerResponse, index: number) => void): Promise<RawServer> {
  const state: RawServer = { url: '', targets: [], connections: 0 };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => handler(req, res, state.targets.push(req.url ?? '') - 1));
  });
  server.on('connection', () => state.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  servers.push({
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return state;
}

async function fake(...args: Parameters<typeof startFakeServer>): Promise<FakeServer> {
  const s = await startFakeServer(...args);
  servers.push(s);
  return s;
}

function client(url: string, extra: Partial<ClientOptions> = {}) {
  const delays: number[] = [];
  const clock = { now: 1_700_000_000_000 };
  const sleep = async (ms: number): Promise<void> => {
    delays.push(ms);
    clock.now += ms;
  };
  const c = createNangoClient({
    host: url,
    secretKey: SECRET,
    sleep,
    random: () => 0.5,
    pacer: new RateLimitPacer({ now: () => clock.now, sleep, random: () => 0 }),
    env: {},
    ...extra,
  });
  return { client: c, delays };
}

describe('paths', () => {
  it('encodes every key so that it stays one path segment that decodes back to itself', async () => {
    const expected: Record<string, string> = {
      '.': '%2E',
      '..': '%2E%2E',
      '%': '%25',
      '%2E': '%252E',
      'a/b': 'a%2Fb',
      'a?b': 'a%3Fb',
      'a#b': 'a%23b',
      'my key@team:prod': 'my%20key%40team%3Aprod',
      "!'()*~": '%21%27%28%29%2A~',
      'slack.prod': 'slack%2Eprod',
    };
    const s = await fake((req) => (req.method === 'DELETE' ? { status: 200, json: { success: true } } : { status: 200, json: { data: apiIntegration('x') } }));
    const { client: c } = client(s.url);
    for (const key of Object.keys(expected)) {
      await c.getIntegration(key, []);
      await c.updateIntegration(key, { display_name: 'X' });
      await c.deleteIntegration(key);
    }
    expect(s.requests.map((r) => `${r.method} ${r.url}`)).toEqual(
      Object.values(expected).flatMap((p) => [`GET /integrations/${p}`, `PATCH /integrations/${p}`, `DELETE /integrations/${p}`]),
    );
  });

  it('encodePathSegment: only unreserved characters other than `.` are left, and decoding gives the key back', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 20 }), (key) => {
        const encoded = encodePathSegment(key);
        expect(encoded).toMatch(/^[A-Za-z0-9_~%-]*$/);
        expect(decodeURIComponent(encoded)).toBe(key);
      }),
    );
    expect(() => encodePathSegment('a\uD800')).toThrow(/lone surrogate/);
  });
});

describe('HTTP', () => {
  it('never follows a redirect: the other host gets nothing and the call fails', async () => {
    const elsewhere = await rawServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(LIST));
    for (const status of [301, 302, 307, 308]) {
      const s = await rawServer((_req, res) => res.writeHead(status, { location: `${elsewhere.url}/integrations`, 'content-type': 'text/html' }).end('<a>moved</a>'));
      const error = await failure(client(s.url).client.listIntegrations());
      expect(error.message).toBe(`NANGO_HOST (${s.url}) did not answer like the Nango API: got text/html for GET /integrations`);
      expect(error.status).toBe(status);
      expect(s.targets).toEqual(['/integrations']);
    }
    expect(elsewhere.targets).toEqual([]);
  });

  it('reads gzip and brotli answers', async () => {
    const asked: Array<string | undefined> = [];
    const s = await rawServer((req, res, i) => {
      asked.push(req.headers['accept-encoding']);
      const [encoding, body] = i === 0 ? ['gzip', gzipSync(LIST)] : ['br', brotliCompressSync(LIST)];
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoding }).end(body);
    });
    const { client: c } = client(s.url);
    expect((await c.listIntegrations()).map((i) => i.unique_key)).toEqual(['slack-prod']);
    expect((await c.listIntegrations()).map((i) => i.unique_key)).toEqual(['slack-prod']);
    expect(asked).toEqual(['gzip, br', 'gzip, br']);
  });

  it('keeps the connection alive across requests', async () => {
    const s = await rawServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(LIST));
    const { client: c } = client(s.url);
    for (let i = 0; i < 5; i++) await c.listIntegrations();
    expect(s.targets).toHaveLength(5);
    expect(s.connections).toBe(1);
  });

  it('one deadline covers the whole answer: a body that stops half-way times out and is retried', async () => {
    const s = await rawServer((_req, res, i) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(LIST.length) });
      if (i === 0) res.write(LIST.slice(0, 10));
      else res.end(LIST);
    });
    const { client: c } = client(s.url, { timeoutMs: 150 });
    expect((await c.listIntegrations()).map((i) => i.unique_key)).toEqual(['slack-prod']);
    expect(s.targets).toHaveLength(2);
  });

  it('an answer cut off by a closed connection is retried', async () => {
    const s = await rawServer((_req, res, i) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(LIST.length) });
      if (i === 0) {
        res.write(LIST.slice(0, 10));
        setTimeout(() => res.socket?.destroy(), 10);
      } else res.end(LIST);
    });
    const { client: c } = client(s.url);
    await c.listIntegrations();
    expect(s.targets).toHaveLength(2);
  });
});

describe('answer size caps', () => {
  const padded = (bytes: number): string => JSON.stringify({ padding: 'x'.repeat(bytes), data: [apiIntegration('slack-prod')] });

  it('a streamed answer beyond the cap fails at once, without a retry, naming the cap and how to raise it', async () => {
    let sent = 0;
    const s = await rawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = 'x'.repeat(16 * 1024);
      const pump = (): void => {
        while (sent < 50 * 1024 * 1024 && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.write('{"padding":"');
      pump();
    });
    const { client: c } = client(s.url, { maxListResponseBytes: 100_000, responseLimitHints: { list: 'raise --list', other: 'raise --other' } });
    const error = await failure(c.listIntegrations());
    expect(error.message).toBe(`GET /integrations: the answer from NANGO_HOST (${s.url}) is larger than 100000 bytes; stopped reading (raise --list)`);
    expect(error.code).toBe('answer_too_large');
    expect(error.status).toBe(200);
    expect(s.targets).toHaveLength(1);
    // The server stopped soon after the cap: the client closed the connection instead of draining it.
    expect(sent).toBeLessThan(20 * 1024 * 1024);
  });

  it('a Content-Length beyond the cap fails before the body is read; at the cap it passes', async () => {
    const s = await rawServer((req, res) => {
      const body = padded(req.url?.endsWith('slack-prod') ? 3_000 : 1_000);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }).end(body);
    });
    const within = Buffer.byteLength(padded(1_000));
    const { client: c } = client(s.url, { maxListResponseBytes: within, maxResponseBytes: 2_000 });
    await c.listIntegrations();
    const error = await failure(c.getIntegration('slack-prod', []));
    expect(error.message).toBe(`GET /integrations/slack-prod: the answer from NANGO_HOST (${s.url}) is larger than 2000 bytes; stopped reading`);
  });

  it('caps the decompressed size (a small gzip of a huge answer fails)', async () => {
    const bomb = gzipSync(padded(5_000_000));
    const s = await rawServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(bomb));
    expect(bomb.length).toBeLessThan(100_000);
    const error = await failure(client(s.url, { maxListResponseBytes: 1_000_000 }).client.listIntegrations());
    expect(error.code).toBe('answer_too_large');
  });

  it('a huge error page with a retriable status is retried like any 503', async () => {
    const s = await rawServer((_req, res, i) => {
      if (i === 0) res.writeHead(503, { 'content-type': 'text/html' }).end(`<html>${'x'.repeat(200_000)}</html>`);
      else res.writeHead(200, { 'content-type': 'application/json' }).end(LIST);
    });
    await client(s.url, { maxListResponseBytes: 50_000 }).client.listIntegrations();
    expect(s.targets).toHaveLength(2);
  });
});
