// One HTTP exchange over node:http / node:https. Not fetch: Node's fetch (undici) costs about three times
// the CPU per request and a large module load on first use, and a plan of 1,000 integrations makes 1,001
// requests (docs/benchmarks.md). Connections are reused through the global keep-alive agents.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** The part of a response's headers the client reads; `Headers` satisfies it too. */
export interface HeaderReader {
  get(name: string): string | null;
}

export interface HttpResponse {
  status: number;
  headers: HeaderReader;
  text: string;
}

export interface HttpRequest {
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** For the whole exchange, until the last byte of the answer. */
  timeoutMs: number;
}

/** Rejects with an error of this name when the deadline passes (the name fetch's AbortSignal.timeout uses). */
export class HttpTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`);
    this.name = 'TimeoutError';
  }
}

class ResponseHeaders implements HeaderReader {
  constructor(private readonly raw: IncomingHttpHeaders) {}

  get(name: string): string | null {
    const value = this.raw[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }
}

export function sendHttp(url: URL, req: HttpRequest): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const headers = { ...req.headers };
    if (req.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(req.body));
    let settled = false;
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(error);
    };
    const outgoing = send(url, { method: req.method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', fail);
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        // As fetch's text(): a byte order mark is not part of the JSON.
        resolve({ status: res.statusCode ?? 0, headers: new ResponseHeaders(res.headers), text: text.startsWith('\uFEFF') ? text.slice(1) : text });
      });
      // A connection that drops mid-answer closes the response without 'end' (and not always with 'error').
      res.on('close', () => fail(Object.assign(new Error('the connection closed before the answer was complete'), { code: 'ECONNRESET' })));
    });
    const timer = setTimeout(() => {
      const error = new HttpTimeoutError(req.timeoutMs);
      fail(error);
      outgoing.destroy(error);
    }, req.timeoutMs);
    outgoing.on('error', fail);
    outgoing.end(req.body);
  });
}
