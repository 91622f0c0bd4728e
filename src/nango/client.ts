// NangoClient over node:http(s). Writes are made safe to retry: when an answer was lost and the server had
// already applied the write, the retry's "already exists" / "not found" is recognised as success.
import { createRedactor, type Redactor } from '../redact.js';
import { apiError, contentTypeLabel, DUPLICATE_KEY_CODE, isDuplicateKey, isRecord, notNangoError, type MessageNames } from './errors.js';
import type { Endpoint } from './http.js';
import { RateLimitPacer } from './pacer.js';
import { pathOf } from './path.js';
import type { Environment } from './proxy.js';
import { createTransport, isJsonContentType, type Answer, type Call, type ResponseEvent } from './transport.js';
import {
  NangoApiError,
  type ApiIntegration,
  type CreateIntegrationBody,
  type NangoClient,
  type UpdateIntegrationBody,
  type UpdateIntegrationOptions,
} from './types.js';

export type { ResponseEvent } from './transport.js';

export interface ClientOptions {
  /** NANGO_HOST, e.g. https://api.nango.dev or http://127.0.0.1:3003. */
  host: string;
  /** Never logged, never in an error. */
  secretKey: string;
  /** Per attempt; default 30000. */
  timeoutMs?: number;
  /** Default 5. */
  maxRetries?: number;
  /** Default 500; exponential with full jitter, capped at 30 s. */
  retryBaseMs?: number;
  /** Default: a new one. */
  pacer?: RateLimitPacer;
  /** How messages name the host and the key (default NANGO_HOST, NANGO_SECRET_KEY): an environment's own, for one of several. */
  names?: MessageNames;
  /** Called once per HTTP attempt (for metrics and debug logs). `status` is undefined on network error/timeout. */
  onResponse?: (e: ResponseEvent) => void;
  /**
   * Scrubs every piece of text the server sent before it goes into an error; the secret key is added
   * to it (any letter case). Default: one that knows only the secret key.
   */
  redactor?: Redactor;
  /** Injectable for tests (retry waits; give the pacer the same clock if you inject one). */
  sleep?: (ms: number) => Promise<void>;
  /** Injectable for tests (jitter). */
  random?: () => number;
  /** Largest `GET /integrations` answer read, in bytes after decompression; default 16 MiB. */
  maxListResponseBytes?: number;
  /** Largest answer to any other request, in bytes after decompression; default 1 MiB. */
  maxResponseBytes?: number;
  /** How a user raises each cap (e.g. the CLI flag), added to the error. */
  responseLimitHints?: { list: string; other: string };
  /** Where HTTPS_PROXY, HTTP_PROXY and NO_PROXY are read; default process.env. */
  env?: Environment;
}

export const DEFAULT_MAX_LIST_RESPONSE_BYTES = 16 * 1024 * 1024;
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;
const MAX_CONNECTIONS_LIMIT = 2000;
const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function parseHost(host: string): { endpoint: Endpoint; displayHost: string } {
  let url: URL;
  try {
    url = new URL(host.trim());
  } catch {
    throw new Error('NANGO_HOST is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`NANGO_HOST must be http(s), got ${url.protocol}`);
  if (url.search || url.hash) throw new Error('NANGO_HOST must not have a query or fragment');
  // Credentials in the URL would be printed with the host.
  if (url.username || url.password) throw new Error('NANGO_HOST must not contain a user name or password');
  const basePath = url.pathname.replace(/\/+$/, '');
  const endpoint: Endpoint = {
    protocol: url.protocol,
    hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80,
    basePath,
  };
  return { endpoint, displayHost: `${url.origin}${basePath}` };
}

function isApiIntegration(value: unknown): value is ApiIntegration {
  return (
    isRecord(value) &&
    typeof value['unique_key'] === 'string' &&
    typeof value['provider'] === 'string' &&
    typeof value['display_name'] === 'string' &&
    typeof value['forward_webhooks'] === 'boolean' &&
    typeof value['created_at'] === 'string' &&
    typeof value['updated_at'] === 'string'
  );
}

export function createNangoClient(options: ClientOptions): NangoClient {
  const { endpoint, displayHost } = parseHost(options.host);
  const secretKey = options.secretKey;
  const redactor = options.redactor ?? createRedactor();
  // A proxy or a buggy server may echo the Authorization header, in any letter case.
  redactor.add([secretKey], { caseInsensitive: true });
  const sleep = options.sleep ?? defaultSleep;
  const maxList = options.maxListResponseBytes ?? DEFAULT_MAX_LIST_RESPONSE_BYTES;
  const maxOther = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const hints = options.responseLimitHints;
  const { send } = createTransport({
    endpoint,
    env: options.env ?? process.env,
    displayHost,
    ...(options.names ? { names: options.names } : {}),
    secretKey,
    timeoutMs: options.timeoutMs ?? 30_000,
    maxRetries: options.maxRetries ?? 5,
    retryBaseMs: options.retryBaseMs ?? 500,
    // The default pacer keeps real time: an injected sleep without a matching clock would make it spin.
    pacer: options.pacer ?? new RateLimitPacer(),
    onResponse: options.onResponse,
    redactor,
    sleep,
    random: options.random ?? Math.random,
  });

  const answerLimit = { maxBytes: maxOther, ...(hints ? { maxBytesHint: hints.other } : {}) };
  const listLimit = { maxBytes: maxList, ...(hints ? { maxBytesHint: hints.list } : {}) };

  const integrationCall = (method: Call['method'], uniqueKey: string, extra: Partial<Call> = {}): Call => ({
    method,
    route: '/integrations/:key',
    path: pathOf('integrations', uniqueKey),
    label: `${method} /integrations/${uniqueKey}`,
    ...answerLimit,
    ...extra,
  });

  /** Rejects anything that is not a JSON answer: HTML means NANGO_HOST points somewhere else. */
  function requireJson(answer: Answer): void {
    if (answer.isJson || answer.status === 204) return;
    const what = !answer.contentType ? 'an answer without content type' : isJsonContentType(answer.contentType) ? 'malformed JSON' : contentTypeLabel(answer.contentType, redactor);
    throw notNangoError(answer.ctx, answer.status, what);
  }

  function isNotFound(answer: Answer): boolean {
    return answer.status === 404;
  }

  function ok(answer: Answer): boolean {
    return answer.status >= 200 && answer.status < 300;
  }

  function integrationFrom(answer: Answer): ApiIntegration {
    const data = isRecord(answer.json) ? answer.json['data'] : undefined;
    if (!isApiIntegration(data)) throw notNangoError(answer.ctx, answer.status, 'an unexpected body');
    return data;
  }

  // A plan reads thousands of details with the same include list: its query string is built once.
  const includeQueries = new Map<string, string>();
  const includeQuery = (include: ReadonlyArray<'credentials' | 'webhook'>): string => {
    const id = include.join(',');
    let query = includeQueries.get(id);
    if (query === undefined) {
      const params = new URLSearchParams();
      for (const item of include) params.append('include[]', item);
      query = params.toString();
      includeQueries.set(id, query);
    }
    return query;
  };

  async function getIntegration(uniqueKey: string, include: ReadonlyArray<'credentials' | 'webhook'>): Promise<ApiIntegration | null> {
    const answer = await send(integrationCall('GET', uniqueKey, { query: includeQuery(include) }));
    requireJson(answer);
    if (isNotFound(answer)) return null;
    if (!ok(answer)) throw apiError(answer.ctx, answer.status, answer.json);
    return integrationFrom(answer);
  }

  return {
    async listIntegrations() {
      const answer = await send({ method: 'GET', route: '/integrations', path: '/integrations', label: 'GET /integrations', ...listLimit });
      requireJson(answer);
      if (!ok(answer)) throw apiError(answer.ctx, answer.status, answer.json);
      const data = isRecord(answer.json) ? answer.json['data'] : undefined;
      if (!Array.isArray(data) || !data.every(isApiIntegration)) throw notNangoError(answer.ctx, answer.status, 'an unexpected body');
      return data;
    },

    getIntegration,

    async createIntegration(body: CreateIntegrationBody) {
      const answer = await send({ method: 'POST', route: '/integrations', path: '/integrations', label: 'POST /integrations', body, ...answerLimit });
      requireJson(answer);
      if (ok(answer)) return integrationFrom(answer);
      if (answer.status === 400 && answer.attempts > 1 && isDuplicateKey(answer.json)) {
        // An earlier attempt may have created it and lost the answer: if so, that is our integration.
        const existing = await getIntegration(body.unique_key, []);
        if (existing && existing.provider === body.provider) return existing;
        throw new NangoApiError(
          `POST /integrations: a retry found unique key ${body.unique_key} already taken` +
            (existing ? ` by provider ${redactor.scrubToken(existing.provider)}, not ${body.provider}` : ', but it could not be read back'),
          400,
          DUPLICATE_KEY_CODE,
          'POST',
          '/integrations',
        );
      }
      if (answer.status === 400 && isDuplicateKey(answer.json)) {
        // Someone else created the key since the plan; the caller decides (apply compares and updates it).
        const error = apiError(answer.ctx, answer.status, answer.json);
        throw new NangoApiError(error.message, error.status, DUPLICATE_KEY_CODE, error.method, error.path);
      }
      throw apiError(answer.ctx, answer.status, answer.json);
    },

    async updateIntegration(uniqueKey: string, body: UpdateIntegrationBody, updateOptions: UpdateIntegrationOptions = {}) {
      const answer = await send(integrationCall('PATCH', uniqueKey, { body }));
      requireJson(answer);
      if (ok(answer)) return integrationFrom(answer);
      const newKey = body.unique_key;
      if (isNotFound(answer) && answer.attempts > 1 && newKey !== undefined && newKey !== uniqueKey) {
        // A lost answer to a rename: the old key is gone because our earlier attempt moved it.
        const renamed = await getIntegration(newKey, []);
        const expected = updateOptions.provider;
        if (renamed && (expected === undefined || renamed.provider === expected)) return renamed;
      }
      throw apiError(answer.ctx, answer.status, answer.json);
    },

    async deleteIntegration(uniqueKey: string) {
      const answer = await send(integrationCall('DELETE', uniqueKey));
      requireJson(answer);
      if (ok(answer)) return;
      // 404 on a retry: our earlier attempt deleted it and the answer was lost.
      if (isNotFound(answer) && answer.attempts > 1) return;
      throw apiError(answer.ctx, answer.status, answer.json);
    },

    async countConnections(uniqueKey: string, limit: number) {
      const capped = Math.min(Math.max(1, Math.floor(limit)), MAX_CONNECTIONS_LIMIT);
      const query = new URLSearchParams({ integrationId: uniqueKey, limit: String(capped) });
      const answer = await send({ method: 'GET', route: '/connections', path: '/connections', label: 'GET /connections', query, ...answerLimit });
      requireJson(answer);
      if (!ok(answer)) throw apiError(answer.ctx, answer.status, answer.json);
      const connections = isRecord(answer.json) ? answer.json['connections'] : undefined;
      if (!Array.isArray(connections)) throw notNangoError(answer.ctx, answer.status, 'an unexpected body');
      return connections.length;
    },
  };
}
