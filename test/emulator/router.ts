// The request pipeline in the order the real server applies it:
// route → auth → rate limit → scope → content type → JSON body → handler.

import type { IncomingHttpHeaders } from 'node:http';

import { authenticate, hasScope } from './auth.js';
import type { Scope } from './auth.js';
import {
  createIntegration,
  deleteIntegration,
  getIntegration,
  listConnections,
  listIntegrations,
  updateIntegration,
} from './handlers.js';
import type { Handler, HandlerContext } from './handlers.js';
import type { FixedWindowRateLimiter } from './rate-limit.js';
import { dashboardPage, expressNotFound, jsonResponse, tooManyRequests } from './responses.js';
import type { ApiResponse } from './responses.js';
import type { EmulatorKey } from './types.js';
import { parseQuery } from './validation.js';

export interface RouterContext extends HandlerContext {
  keys: readonly EmulatorKey[];
  limiter: FixedWindowRateLimiter;
  htmlForUnknownGet: boolean;
}

export interface ApiRequest {
  method: string;
  /** Still percent-encoded. */
  pathname: string;
  search: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface ApiOutcome {
  response: ApiResponse;
  /** Set once the key was recognised. */
  environment?: string;
  /** The request passed every middleware and ran its endpoint handler. */
  reachedHandler: boolean;
}

interface Route {
  method: string;
  /** Literal segments, or ':uniqueKey'. */
  segments: readonly string[];
  scope: Scope;
  handler: Handler;
}

const ROUTES: readonly Route[] = [
  { method: 'GET', segments: ['integrations'], scope: 'environment:integrations:list', handler: listIntegrations },
  { method: 'POST', segments: ['integrations'], scope: 'environment:integrations:create', handler: createIntegration },
  { method: 'GET', segments: ['integrations', ':uniqueKey'], scope: 'environment:integrations:read', handler: getIntegration },
  { method: 'PATCH', segments: ['integrations', ':uniqueKey'], scope: 'environment:integrations:update', handler: updateIntegration },
  { method: 'DELETE', segments: ['integrations', ':uniqueKey'], scope: 'environment:integrations:delete', handler: deleteIntegration },
  { method: 'GET', segments: ['connections'], scope: 'environment:connections:list', handler: listConnections },
];

interface RouteMatch {
  route: Route;
  /** Still encoded; undefined when the route has no parameter. */
  rawUniqueKey?: string;
}

/** Express matching: case-insensitive literals, one optional trailing slash. */
function matchRoute(method: string, pathname: string): RouteMatch | undefined {
  const trimmed = pathname.length > 1 && pathname.endsWith('/') ? pathname.slice(0, -1) : pathname;
  const segments = trimmed.split('/').slice(1);
  for (const route of ROUTES) {
    if (route.method !== method || route.segments.length !== segments.length) continue;
    let rawUniqueKey: string | undefined;
    const matches = route.segments.every((expected, i) => {
      const actual = segments[i] ?? '';
      if (expected === ':uniqueKey') {
        rawUniqueKey = actual;
        return actual.length > 0;
      }
      return actual.toLowerCase() === expected;
    });
    if (matches) return rawUniqueKey === undefined ? { route } : { route, rawUniqueKey };
  }
  return undefined;
}

function isJsonContentType(header: string | undefined): boolean {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() === 'application/json';
}

type ParsedBody = { ok: true; value: unknown } | { ok: false; response: ApiResponse };

/** Like express.json(): an absent body reads as {}, and only objects and arrays are accepted at the top. */
function parseJsonBody(request: ApiRequest): ParsedBody {
  if (request.body.length === 0) return { ok: true, value: {} };
  if (!isJsonContentType(request.headers['content-type'])) {
    return {
      ok: false,
      response: jsonResponse(415, { error: { code: 'invalid_content_type', message: 'Content-Type must be application/json' } }),
    };
  }
  const text = request.body.toString('utf8');
  const first = text.trimStart()[0];
  const invalidJson: ParsedBody = {
    ok: false,
    // The parser's own message would quote the body, which may hold secrets.
    response: jsonResponse(400, { error: { code: 'invalid_json', message: 'Invalid JSON body' } }),
  };
  if (first !== '{' && first !== '[') return invalidJson;
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return invalidJson;
  }
}

function withHeaders(response: ApiResponse, headers: Record<string, string>): ApiResponse {
  return { ...response, headers: { ...response.headers, ...headers } };
}

export function routeApiRequest(ctx: RouterContext, request: ApiRequest): ApiOutcome {
  const match = matchRoute(request.method, request.pathname);
  if (!match) {
    const response =
      ctx.htmlForUnknownGet && request.method === 'GET' ? dashboardPage() : expressNotFound(request.method, request.pathname);
    return { response, reachedHandler: false };
  }

  const auth = authenticate(request.headers.authorization, ctx.keys);
  if (!auth.ok) {
    return { response: jsonResponse(401, { error: { message: auth.message, code: auth.code, payload: {} } }), reachedHandler: false };
  }
  const environment = auth.key.environment;

  const rate = ctx.limiter.hit();
  if (!rate.allowed) {
    const path = request.pathname.length > 1 && request.pathname.endsWith('/') ? request.pathname.slice(0, -1) : request.pathname;
    return { response: tooManyRequests(request.method, path, rate.headers), environment, reachedHandler: false };
  }
  const refuse = (response: ApiResponse): ApiOutcome => ({ response: withHeaders(response, rate.headers), environment, reachedHandler: false });

  if (!hasScope(auth.key, match.route.scope)) {
    return refuse(jsonResponse(403, { error: { code: 'forbidden', message: `Insufficient scope. Required: ${match.route.scope}` } }));
  }

  const body = parseJsonBody(request);
  if (!body.ok) return refuse(body.response);

  let uniqueKey = '';
  if (match.rawUniqueKey !== undefined) {
    try {
      uniqueKey = decodeURIComponent(match.rawUniqueKey);
    } catch {
      return refuse(
        jsonResponse(400, { error: { code: 'invalid_uri_params', errors: [{ code: 'invalid_string', message: 'Invalid', path: ['uniqueKey'] }] } }),
      );
    }
  }

  const response = match.route.handler(ctx, {
    environment,
    key: auth.key,
    query: parseQuery(request.search),
    body: body.value,
    uniqueKey,
    canReadCredentials: hasScope(auth.key, 'environment:integrations:read_credentials'),
  });
  return { response: withHeaders(response, rate.headers), environment, reachedHandler: true };
}
