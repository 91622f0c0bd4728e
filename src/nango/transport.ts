// One HTTP call to the Nango API with timeouts, pacing and retries. Returns the first answer that is
// not worth retrying; the caller decides what it means.
import { apiError, contentTypeLabel, DEFAULT_NAMES, isRecord, type CallContext, type MessageNames } from './errors.js';
import type { Redactor } from '../redact.js';
import { AnswerTooLargeError, createHttpClient, type Endpoint, type HttpClient } from './http.js';
import { parseRetryAfterMs, type RateLimitPacer } from './pacer.js';
import type { Environment } from './proxy.js';
import { NangoApiError } from './types.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface ResponseEvent {
  method: string;
  route: string;
  status: number | undefined;
  durationMs: number;
  attempt: number;
}

export interface TransportOptions {
  endpoint: Endpoint;
  /** Base URL safe to print (no userinfo). */
  displayHost: string;
  /** How messages name the host and the key; default NANGO_HOST, NANGO_SECRET_KEY. */
  names?: MessageNames;
  /** Where HTTPS_PROXY, HTTP_PROXY and NO_PROXY are read. */
  env: Environment;
  secretKey: string;
  timeoutMs: number;
  maxRetries: number;
  retryBaseMs: number;
  pacer: RateLimitPacer;
  onResponse: ((e: ResponseEvent) => void) | undefined;
  /** For text the server or the network stack sent (error messages, headers). */
  redactor: Redactor;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

export interface Call {
  method: HttpMethod;
  /** Templated path for metrics (`/integrations/:key`). */
  route: string;
  /** Path with unique keys already encoded (see path.ts); sent verbatim. */
  path: string;
  /** `METHOD /path` with keys readable, for messages. */
  label: string;
  /** Parameters, or the query string already encoded. */
  query?: URLSearchParams | string;
  body?: unknown;
  /** Largest answer body read (decoded bytes); beyond it the call fails at once, without a retry. */
  maxBytes: number;
  /** How the user raises `maxBytes`, for the error message. */
  maxBytesHint?: string;
}

export interface Answer {
  status: number;
  /** The media type, e.g. `application/json`; '' when absent. */
  contentType: string;
  /** True when the answer is JSON and parsed. */
  isJson: boolean;
  json: unknown;
  /** Attempts made, this one included: > 1 means an earlier attempt may have reached the server. */
  attempts: number;
  ctx: CallContext;
}

const BACKOFF_CAP_MS = 30_000;
/** Retry-After: 0 still waits this long, so a burst of 429s does not become a busy loop. */
const MIN_RETRY_AFTER_MS = 5;
const RETRY_AFTER_JITTER_MS = 100;

export function isJsonContentType(contentType: string): boolean {
  return /^application\/(?:[\w.+-]*\+)?json\s*(?:;|$)/i.test(contentType.trim());
}

function isRetriableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/**
 * Why a request got no answer: a system error's code (e.g. ECONNREFUSED) where there is one. A message
 * of the network stack may quote what the server sent (a TLS certificate's names, a bad header), so it
 * is outside text.
 */
function describeNoAnswer(error: unknown, timeoutMs: number, redactor: Redactor): { code: string; reason: string } {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return { code: 'timeout', reason: `timed out after ${timeoutMs} ms` };
  }
  const own = isRecord(error) ? error['code'] : undefined;
  if (typeof own === 'string') return { code: 'network_error', reason: redactor.scrubToken(own) };
  const cause = error instanceof Error ? error.cause : undefined;
  if (isRecord(cause) && typeof cause['code'] === 'string') return { code: 'network_error', reason: redactor.scrubToken(cause['code']) };
  if (cause instanceof Error) return { code: 'network_error', reason: redactor.scrub(cause.message) };
  return { code: 'network_error', reason: redactor.scrub(error instanceof Error ? error.message : String(error)) };
}

export interface Transport {
  send(call: Call): Promise<Answer>;
  /** Closes idle keep-alive connections. */
  close(): void;
}

export function createTransport(options: TransportOptions): Transport {
  const { displayHost, secretKey, timeoutMs, maxRetries, retryBaseMs, pacer, onResponse, redactor, sleep, random } = options;
  const http: HttpClient = createHttpClient(options.endpoint, timeoutMs, options.env);
  const via = http.proxy ? ` via ${http.proxy.display}` : '';

  const backoffMs = (retry: number): number => Math.floor(random() * Math.min(BACKOFF_CAP_MS, retryBaseMs * 2 ** (retry - 1)));

  // Shared by every call without a body (the HTTP layer copies, never changes them).
  const readHeaders: Readonly<Record<string, string>> = { authorization: `Bearer ${secretKey}`, accept: 'application/json' };

  async function send(call: Call): Promise<Answer> {
    const ctx: CallContext = { method: call.method, path: call.path, label: call.label, host: displayHost, names: options.names ?? DEFAULT_NAMES, redactor };
    const query = typeof call.query === 'string' ? call.query : call.query?.toString();
    const target = `${call.path}${query ? `?${query}` : ''}`;
    let headers = readHeaders;
    let body: string | undefined;
    if (call.body !== undefined) {
      headers = { ...readHeaders, 'content-type': 'application/json' };
      body = JSON.stringify(call.body);
    }

    for (let attempt = 1; ; attempt++) {
      const ticket = await pacer.acquire();
      const started = performance.now();
      let answer: Answer | undefined;
      let retryAfter: string | null = null;
      let failure: { code: string; reason: string } | undefined;
      let status: number | undefined;
      let headStatus: number | undefined;
      try {
        // node:http never follows a redirect (it would carry the secret key to another host): a 3xx is
        // reported as an error, or as "did not answer like the Nango API".
        const head = await http.send({ method: call.method, target, headers, body, timeoutMs, maxBytes: call.maxBytes });
        headStatus = head.status;
        ticket.settle({ status: head.status, headers: head.headers });
        retryAfter = head.headers.get('retry-after');
        const raw = (await head.body).toString('utf8');
        const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
        status = head.status;
        const contentType = (head.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
        let isJson = false;
        let json: unknown;
        if (isJsonContentType(contentType)) {
          try {
            json = JSON.parse(text);
            isJson = true;
          } catch {
            // Malformed JSON is treated like any other answer that is not the Nango API's.
          }
        }
        answer = { status: head.status, contentType, isJson, json, attempts: attempt, ctx };
      } catch (error) {
        ticket.settle();
        if (error instanceof AnswerTooLargeError && headStatus !== undefined && isRetriableStatus(headStatus)) {
          // A huge error page (a proxy's 503): its body does not matter, its status is retried as usual.
          status = headStatus;
          answer = { status, contentType: '', isJson: false, json: undefined, attempts: attempt, ctx };
        } else if (error instanceof AnswerTooLargeError) {
          // Not transient: the same answer would come again. Fail now, having read no more than the cap.
          onResponse?.({ method: call.method, route: call.route, status: headStatus, durationMs: performance.now() - started, attempt });
          throw tooLarge(ctx, headStatus, error.limit, call.maxBytesHint);
        } else {
          failure = describeNoAnswer(error, timeoutMs, redactor);
        }
      }
      onResponse?.({ method: call.method, route: call.route, status, durationMs: performance.now() - started, attempt });

      if (answer && !isRetriableStatus(answer.status)) return answer;
      if (attempt > maxRetries) throw exhausted(ctx, attempt, answer, failure, via);

      const retryAfterMs = answer?.status === 429 ? parseRetryAfterMs(retryAfter) : undefined;
      await sleep(
        retryAfterMs !== undefined
          ? Math.max(MIN_RETRY_AFTER_MS, retryAfterMs) + Math.floor(random() * RETRY_AFTER_JITTER_MS)
          : backoffMs(attempt),
      );
    }
  }

  return { send, close: () => http.close() };
}

function tooLarge(ctx: CallContext, status: number | undefined, limit: number, hint: string | undefined): NangoApiError {
  return new NangoApiError(
    `${ctx.label}: the answer from ${ctx.names.host} (${ctx.host}) is larger than ${limit} bytes; stopped reading${hint ? ` (${hint})` : ''}`,
    status,
    'answer_too_large',
    ctx.method,
    ctx.path,
  );
}

function exhausted(
  ctx: CallContext,
  attempts: number,
  answer: Answer | undefined,
  failure: { code: string; reason: string } | undefined,
  via: string,
): NangoApiError {
  const after = `after ${attempts} attempt${attempts === 1 ? '' : 's'}`;
  if (answer?.isJson) return apiError(ctx, answer.status, answer.json, after);
  if (answer) {
    return new NangoApiError(
      `${ctx.label} failed (${answer.status}, ${contentTypeLabel(answer.contentType, ctx.redactor)} from ${ctx.names.host} ${ctx.host}) ${after}`,
      answer.status,
      undefined,
      ctx.method,
      ctx.path,
    );
  }
  const { code, reason } = failure ?? { code: 'network_error', reason: 'no answer' };
  return new NangoApiError(
    `${ctx.label}: no answer from ${ctx.names.host} (${ctx.host})${via} ${after}: ${reason}`,
    undefined,
    code,
    ctx.method,
    ctx.path,
  );
}
