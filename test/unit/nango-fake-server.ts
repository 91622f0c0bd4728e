// A scriptable node:http server for client tests: each request gets the reply the test chooses,
// including faults the real API only shows on bad days (connection resets, hangs, HTML).
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { expect } from 'vitest';
import { NangoApiError } from '../../src/nango/types.js';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Raw request target as sent (path + query, still encoded). */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Reply =
  | { status: number; json?: unknown; text?: string; contentType?: string; headers?: Record<string, string> }
  | 'reset'
  | 'hang';

export interface FakeServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startFakeServer(handler: (req: RecordedRequest, index: number) => Reply | Promise<Reply>): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      const index = requests.push(recorded) - 1;
      void Promise.resolve(handler(recorded, index)).then((reply) => {
        if (reply === 'hang') return;
        if (reply === 'reset') {
          req.socket.destroy();
          return;
        }
        const body = reply.json !== undefined ? JSON.stringify(reply.json) : (reply.text ?? '');
        res.writeHead(reply.status, {
          'Content-Type': reply.contentType ?? (reply.json !== undefined ? 'application/json; charset=utf-8' : 'text/plain'),
          ...reply.headers,
        });
        res.end(body);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function apiIntegration(uniqueKey: string, provider = 'slack', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    unique_key: uniqueKey,
    provider,
    display_name: 'Slack',
    logo: 'https://api.nango.dev/images/template-logos/slack.svg',
    forward_webhooks: true,
    created_at: '2024-01-15T10:30:00.000Z',
    updated_at: '2024-01-15T10:30:00.000Z',
    ...extra,
  };
}

export function notFound(uniqueKey: string): Reply {
  return { status: 404, json: { error: { code: 'not_found', message: `Integration "${uniqueKey}" does not exist` } } };
}

/** The NangoApiError a call fails with (the test fails if it succeeds or throws something else). */
export async function failure(promise: Promise<unknown>): Promise<NangoApiError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(NangoApiError);
    return error as NangoApiError;
  }
  throw new Error('expected the call to fail');
}
