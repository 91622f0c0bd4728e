// Turns a failed answer into one line a user can act on. Text the server sent enters here, each piece
// scrubbed of sensitive values (src/redact.ts) before it joins the tool's own words; never a request
// body or header. A NangoApiError's message is therefore safe to print as it is.
import type { Redactor } from '../redact.js';
import { NangoApiError } from './types.js';

export interface CallContext {
  method: string;
  /** Path as sent (unique keys encoded); goes into NangoApiError.path. */
  path: string;
  /** `METHOD /path` with keys readable, for messages. */
  label: string;
  /** NANGO_HOST without credentials or trailing slash. */
  host: string;
  /** How messages name the host and the secret key (NANGO_HOST, NANGO_SECRET_KEY, or an environment's). */
  names: MessageNames;
  /** For every piece of text the server sent. */
  redactor: Redactor;
}

export interface MessageNames {
  host: string;
  secretKey: string;
}

export const DEFAULT_NAMES: MessageNames = { host: 'NANGO_HOST', secretKey: 'NANGO_SECRET_KEY' };

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

interface ErrorFields {
  code: string | undefined;
  message: string | undefined;
  details: string[];
}

function readErrorFields(json: unknown): ErrorFields {
  const error = isRecord(json) && isRecord(json['error']) ? json['error'] : undefined;
  const code = typeof error?.['code'] === 'string' ? error['code'] : undefined;
  const message = typeof error?.['message'] === 'string' ? error['message'] : undefined;
  const details: string[] = [];
  const errors = error?.['errors'];
  if (Array.isArray(errors)) {
    for (const item of errors) {
      if (!isRecord(item)) continue;
      const path = Array.isArray(item['path']) ? item['path'].map(String).join('.') : '';
      const text = typeof item['message'] === 'string' ? item['message'] : typeof item['code'] === 'string' ? item['code'] : 'invalid';
      details.push(path ? `${path}: ${text}` : text);
    }
  }
  return { code, message, details };
}

/**
 * The answer came from something that is not the Nango API (wrong NANGO_HOST, a proxy, the dashboard).
 * `what` is the tool's words; a content type in it is already scrubbed (contentTypeLabel).
 */
export function notNangoError(ctx: CallContext, status: number | undefined, what: string): NangoApiError {
  return new NangoApiError(
    `${ctx.names.host} (${ctx.host}) did not answer like the Nango API: got ${what} for ${ctx.label}`,
    status,
    'unexpected_answer',
    ctx.method,
    ctx.path,
  );
}

/** The answer's media type (a header the server chose), scrubbed. */
export function contentTypeLabel(contentType: string, redactor: Redactor): string {
  const base = contentType.split(';')[0]?.trim();
  return base ? redactor.scrubToken(base) : 'no content type';
}

/** A JSON error answer from the API. `suffix` adds context (e.g. "after 6 attempts"). */
export function apiError(ctx: CallContext, status: number, json: unknown, suffix = ''): NangoApiError {
  const { redactor } = ctx;
  const fields = readErrorFields(json);
  const { message, details } = fields;
  const code = fields.code === undefined ? undefined : redactor.scrubToken(fields.code);
  const tail = suffix ? ` ${suffix}` : '';
  let text: string;
  if (status === 401) {
    text = `authentication failed (${code ?? 'unauthorized'}): check ${ctx.names.secretKey}`;
  } else if (status === 403 && message !== undefined && /Required:\s*(\S+)/.test(message)) {
    const scope = /Required:\s*(\S+)/.exec(message)?.[1] ?? '';
    text = `the secret key lacks the scope ${redactor.scrubToken(scope.replace(/[.,;]+$/, ''))}`;
  } else {
    const reason = details.length > 0 ? redactor.scrub(details.join('; ')) : message !== undefined ? redactor.scrub(message) : (code ?? 'no error message');
    text = `${ctx.label} failed (${status}${code ? ` ${code}` : ''})${tail}: ${reason}`;
  }
  return new NangoApiError(text, status, code, ctx.method, ctx.path);
}

/** True when a 400 answer says the unique key is taken (POST's duplicate-key validation error). */
export function isDuplicateKey(json: unknown): boolean {
  const { details, message } = readErrorFields(json);
  return [...details, message ?? ''].some((text) => /unique key already exists/i.test(text));
}

/** NangoApiError.code of a create refused because the unique key is taken. */
export const DUPLICATE_KEY_CODE = 'duplicate_unique_key';

export function isDuplicateKeyError(error: unknown): error is NangoApiError {
  return error instanceof NangoApiError && error.code === DUPLICATE_KEY_CODE;
}
