import type { ValidationIssue } from './validation.js';

/** An answer as data, so the server can decide to send it or (lost-answer fault) to drop it. */
export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function jsonResponse(status: number, value: unknown, headers: Record<string, string> = {}): ApiResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(value) };
}

export function validationError(code: 'invalid_body' | 'invalid_query_params' | 'invalid_uri_params', errors: ValidationIssue[]): ApiResponse {
  return jsonResponse(400, { error: { code, errors } });
}

/** Business-rule refusals carry a message instead of a list of issues. */
export function invalidBody(message: string): ApiResponse {
  return jsonResponse(400, { error: { code: 'invalid_body', message } });
}

export function notFound(message: string): ApiResponse {
  return jsonResponse(404, { error: { code: 'not_found', message } });
}

export function serverError(): ApiResponse {
  return jsonResponse(500, {
    error: { code: 'generic_error_support', message: 'An unexpected error occurred, please contact support with the error id', payload: 'emulator' },
  });
}

export function tooManyRequests(method: string, path: string, headers: Record<string, string>): ApiResponse {
  return jsonResponse(429, { error: { code: 'too_many_request', method, path } }, headers);
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Express's finalhandler page: what the real server answers for a route it does not have. */
export function expressNotFound(method: string, pathname: string): ApiResponse {
  const body =
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n' +
    `<pre>Cannot ${escapeHtml(method)} ${escapeHtml(pathname)}</pre>\n</body>\n</html>\n`;
  return {
    status: 404,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'none'",
      'x-content-type-options': 'nosniff',
    },
    body,
  };
}

/** What deployments that serve the dashboard on unknown paths answer. */
export function dashboardPage(): ApiResponse {
  return {
    status: 200,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Nango</title></head><body><div id="root"></div></body></html>\n',
  };
}

/** A load balancer's page, not the API's JSON: clients must check the content type. */
export function serviceUnavailablePage(): ApiResponse {
  return {
    status: 503,
    headers: { 'content-type': 'text/html' },
    body: '<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n</body>\r\n</html>\r\n',
  };
}
