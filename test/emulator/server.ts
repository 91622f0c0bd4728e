// An in-process HTTP emulator of the Nango Integrations API, faithful to
// /work/shared/nango-api-facts.md, with fault injection for resilience tests.

import { createServer } from 'node:http';
import { createServer as createSecureServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { loadProviderCatalog } from './catalog.js';
import { CONTROL_PREFIX, handleControlRequest } from './control.js';
import { CreateRace } from './create-race.js';
import { withEcho } from './echo.js';
import { FaultInjector } from './faults.js';
import { paddedBody } from './padding.js';
import { FixedWindowRateLimiter } from './rate-limit.js';
import { invalidBody, serverError, serviceUnavailablePage, tooManyRequests } from './responses.js';
import type { ApiResponse } from './responses.js';
import { routeApiRequest } from './router.js';
import type { RouterContext } from './router.js';
import { EmulatorState } from './state.js';
import type { Emulator, EmulatorOptions, FaultConfig, FaultKind, RecordedRequest, SeedIntegration, StoredIntegration } from './types.js';

export type {
  Emulator,
  EmulatorKey,
  EmulatorOptions,
  FaultConfig,
  FaultKind,
  RecordedRequest,
  SeedIntegration,
  StoredIntegration,
} from './types.js';

/** A fixed UUID v4 for environment 'dev', with all scopes. */
export { SCOPES, scopesWithout } from './auth.js';

export const DEFAULT_SECRET_KEY = 'b1f2c3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d';

const WRITE_METHODS: ReadonlySet<string> = new Set(['POST', 'PATCH', 'DELETE']);

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    // A client that aborts mid-body gets no answer anyway; hand back what arrived.
    req.on('error', () => resolve(Buffer.concat(chunks)));
  });
}

function send(res: ServerResponse, response: ApiResponse): void {
  if (res.destroyed || res.headersSent) return;
  res.writeHead(response.status, { ...response.headers, 'content-length': String(Buffer.byteLength(response.body)) });
  res.end(response.body);
}

/** Sends a successful GET answer padded to a huge size, chunked, as fast as the client reads it. */
function sendPadded(res: ServerResponse, response: ApiResponse, bytes: number): void {
  if (res.destroyed || res.headersSent) return;
  res.writeHead(response.status, response.headers);
  const body = paddedBody(response.body, bytes);
  res.once('close', () => body.destroy());
  body.pipe(res);
}

function faultResponse(fault: FaultKind, method: string, pathname: string, limiter: FixedWindowRateLimiter): ApiResponse | undefined {
  switch (fault) {
    case '400':
      return invalidBody('Invalid request body');
    case '500':
      return serverError();
    case '503-html':
      return serviceUnavailablePage();
    case '429-retry-0':
      return tooManyRequests(method, pathname, limiter.faultHeaders(0));
    case '429-retry-1':
      return tooManyRequests(method, pathname, limiter.faultHeaders(1));
    default:
      return undefined;
  }
}

/** The request target as Express sees it: the raw path, never normalised (`/integrations/%2E%2E` stays). */
interface Target {
  pathname: string;
  /** Without the leading `?`, as sent. */
  query: string;
  search: URLSearchParams;
}

function parseTarget(raw: string): Target {
  const at = raw.indexOf('?');
  const query = at < 0 ? '' : raw.slice(at + 1);
  return { pathname: at < 0 ? raw : raw.slice(0, at), query, search: new URLSearchParams(query) };
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function parseControlBody(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const host = options.host ?? '127.0.0.1';
  const keys = options.keys ?? [{ secretKey: DEFAULT_SECRET_KEY, environment: 'dev' }];
  const catalog = loadProviderCatalog();
  const state = new EmulatorState(catalog);
  for (const key of keys) state.environment(key.environment);
  const limiter = new FixedWindowRateLimiter(options.rateLimitPerMinute ?? 5000, options.rateLimitWindowMs ?? 60_000);
  const faults = new FaultInjector(options.faults, options.randomSeed);
  const race = new CreateRace();
  const hangMs = options.hangMs ?? 60_000;
  let latencyMs = options.latencyMs ?? 0;
  let paddingBytes = options.answerPaddingBytes ?? 0;
  let echoRequestBody = options.echoRequestBody ?? false;
  const requests: RecordedRequest[] = [];
  const reachedHandler = new WeakSet<RecordedRequest>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;
  let ctx: RouterContext | undefined;

  const wait = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const hang = (req: IncomingMessage): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      req.socket.destroy();
    }, hangMs);
    timers.add(timer);
    req.socket.once('close', () => {
      clearTimeout(timer);
      timers.delete(timer);
    });
  };

  const handleApi = async (req: IncomingMessage, res: ServerResponse, url: Target, method: string): Promise<void> => {
    const record: RecordedRequest = { method, path: url.pathname, query: url.query, status: 0, at: Date.now() };
    const fault = faults.pick(method);
    if (fault === 'reset' || fault === 'hang') {
      record.status = fault;
      requests.push(record);
      if (fault === 'reset') req.socket.destroy();
      else hang(req);
      return;
    }
    const body = await readBody(req);
    if (latencyMs > 0) await wait(latencyMs);
    if (closed || !ctx) return;

    let response = fault ? faultResponse(fault, method, url.pathname, limiter) : undefined;
    if (!response) {
      const raced = race.take(method, url.pathname, body);
      if (raced) state.seed(raced.environment, [raced.seed]);
      const outcome = routeApiRequest(ctx, { method, pathname: url.pathname, search: url.search, headers: req.headers, body });
      response = outcome.response;
      if (outcome.environment !== undefined) record.environment = outcome.environment;
      if (outcome.reachedHandler) reachedHandler.add(record);
    }
    if (echoRequestBody) response = withEcho(response, body, req.headers);
    if (fault === 'lost-answer') {
      // The write happened; only the answer is lost, as when a proxy drops the connection.
      record.status = 'lost-answer';
      requests.push(record);
      req.socket.destroy();
      return;
    }
    record.status = response.status;
    requests.push(record);
    if (paddingBytes > 0 && method === 'GET' && response.status === 200) sendPadded(res, response, paddingBytes);
    else send(res, response);
  };

  const handleControl = async (req: IncomingMessage, res: ServerResponse, url: Target, method: string): Promise<void> => {
    const body = parseControlBody(await readBody(req));
    send(res, handleControlRequest(emulator, method, url.pathname, url.search, body));
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    // Not `new URL()`: the WHATWG parser resolves `.`/`..` segments (also as %2E), which Express never does.
    const url = parseTarget(req.url ?? '/');
    const method = (req.method ?? 'GET').toUpperCase();
    const handle = url.pathname.startsWith(CONTROL_PREFIX) ? handleControl : handleApi;
    handle(req, res, url, method).catch(() => {
      if (res.headersSent) res.destroy();
      else send(res, serverError());
    });
  };
  const server = options.tls ? createSecureServer(options.tls, onRequest) : createServer(onRequest);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const url = `${options.tls ? 'https' : 'http'}://${hostForUrl(host)}:${address.port}`;
  ctx = { state, catalog, baseUrl: url, keys, limiter, htmlForUnknownGet: options.htmlForUnknownGet ?? false };

  const clone = (stored: StoredIntegration): StoredIntegration => structuredClone(stored);

  const emulator: Emulator = {
    url,
    requests,
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    writes(): RecordedRequest[] {
      return requests.filter(
        (request) => reachedHandler.has(request) && WRITE_METHODS.has(request.method) && /^\/integrations(\/|$)/i.test(request.path),
      );
    },
    seed(integrations: SeedIntegration[], environment = 'dev'): void {
      state.seed(environment, integrations);
    },
    integrations(environment = 'dev'): StoredIntegration[] {
      return state.list(environment).map(clone);
    },
    integration(uniqueKey: string, environment = 'dev'): StoredIntegration | undefined {
      const stored = state.get(environment, uniqueKey);
      return stored ? clone(stored) : undefined;
    },
    setConnections(uniqueKey: string, count: number, environment = 'dev'): void {
      state.setConnections(environment, uniqueKey, count);
    },
    setFaults(config: FaultConfig | undefined): void {
      faults.set(config);
    },
    setLatency(ms: number): void {
      latencyMs = ms;
    },
    setAnswerPadding(bytes: number): void {
      paddingBytes = bytes;
    },
    setRateLimit(perMinute: number, windowMs?: number): void {
      limiter.configure(perMinute, windowMs);
    },
    raceCreate(seed: SeedIntegration, environment = 'dev'): void {
      race.arm(seed, environment);
    },
    setEchoRequestBody(on: boolean): void {
      echoRequestBody = on;
    },
    clearRequests(): void {
      requests.length = 0;
    },
    reset(): void {
      state.clear();
      requests.length = 0;
      faults.set(undefined);
      race.clear();
      paddingBytes = options.answerPaddingBytes ?? 0;
      echoRequestBody = options.echoRequestBody ?? false;
      limiter.restart();
    },
  };
  return emulator;
}
