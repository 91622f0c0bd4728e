// Opt-in (EmulatorOptions.echoRequestBody): error answers that quote the request back, as Nango's
// validation errors can and as proxies and gateways do. The quote carries every form a value can
// travel in, so that a client printing any of them is caught: the body as sent (values JSON-escaped
// once), the values themselves, the body JSON-escaped again, with every character as \uXXXX (and `\/`),
// percent- and form-encoded, and the Authorization header as sent and upper-cased.

import type { IncomingHttpHeaders } from 'node:http';

import type { ApiResponse } from './responses.js';
import { isJsonObject } from './validation.js';

/** Every string in a parsed JSON value, depth first. */
function stringLeaves(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) stringLeaves(item, out);
  else if (isJsonObject(value)) for (const item of Object.values(value)) stringLeaves(item, out);
  return out;
}

/** JSON escaping at its most verbose: every character as \uXXXX, `/` as `\/`. */
function escapeEveryCharacter(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    out += c === '/' ? '\\/' : `\\u${text.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return out;
}

export function echoText(body: Buffer, headers: IncomingHttpHeaders): string {
  const raw = body.toString('utf8');
  let values: string[] = [];
  try {
    values = stringLeaves(JSON.parse(raw));
  } catch {
    // Not JSON: the raw quote is all there is.
  }
  const authorization = headers.authorization ?? '';
  return [
    `request body: ${raw}`,
    `values: ${values.join(' | ')}`,
    `as JSON: ${JSON.stringify(raw)}`,
    `escaped: ${escapeEveryCharacter(raw)}`,
    `url-encoded: ${encodeURIComponent(raw)}`,
    `form-encoded: ${new URLSearchParams({ body: raw, values: values.join('|') }).toString()}`,
    `authorization: ${authorization} ${authorization.toUpperCase()}`,
  ].join('; ');
}

/** Adds the quote to a JSON error answer's message and to each of its issues (clients print either). */
export function withEcho(response: ApiResponse, body: Buffer, headers: IncomingHttpHeaders): ApiResponse {
  if (response.status < 400 || !response.headers['content-type']?.startsWith('application/json')) return response;
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.body);
  } catch {
    return response;
  }
  const error = isJsonObject(parsed) && isJsonObject(parsed['error']) ? parsed['error'] : undefined;
  if (!error) return response;
  const echo = echoText(body, headers);
  error['message'] = typeof error['message'] === 'string' ? `${error['message']} (${echo})` : echo;
  if (Array.isArray(error['errors'])) {
    for (const issue of error['errors']) {
      if (isJsonObject(issue)) issue['message'] = `${typeof issue['message'] === 'string' ? issue['message'] : 'Invalid'} (${echo})`;
    }
  }
  return { ...response, body: JSON.stringify(parsed) };
}
