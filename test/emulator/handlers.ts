// The endpoint handlers, run once the request is authenticated, within its rate limit,
// allowed by the key's scopes and carrying a parsed JSON body (if any).

import { CREDENTIALS_REQUIRED_AUTH_MODES } from './catalog.js';
import type { CatalogProvider, ProviderCatalog } from './catalog.js';
import { connectionViews, credentialsView, integrationView } from './format.js';
import type { ViewExtras } from './format.js';
import { invalidBody, jsonResponse, notFound, serverError, validationError } from './responses.js';
import type { ApiResponse } from './responses.js';
import type { EmulatorState } from './state.js';
import type { EmulatorKey } from './types.js';
import {
  unknownQueryKeys,
  validateConnectionsQuery,
  validateIncludeQuery,
  validatePatchBody,
  validatePostBody,
  validateUniqueKeyParam,
} from './validation.js';
import type { CredentialsInput, ParsedQuery } from './validation.js';

export interface HandlerContext {
  state: EmulatorState;
  catalog: ProviderCatalog;
  /** The emulator's own URL, the base of webhook URLs. */
  baseUrl: string;
}

export interface HandlerCall {
  environment: string;
  key: EmulatorKey;
  query: ParsedQuery;
  body: unknown;
  /** Decoded `:uniqueKey` path segment. */
  uniqueKey: string;
  canReadCredentials: boolean;
}

export type Handler = (ctx: HandlerContext, call: HandlerCall) => ApiResponse;

function requireEmptyQuery(query: ParsedQuery): ApiResponse | undefined {
  const issues = unknownQueryKeys(query, []);
  return issues.length > 0 ? validationError('invalid_query_params', issues) : undefined;
}

function checkUniqueKeyParam(uniqueKey: string): ApiResponse | undefined {
  const issues = validateUniqueKeyParam(uniqueKey);
  return issues.length > 0 ? validationError('invalid_uri_params', issues) : undefined;
}

/** What gets stored for credentials sent on create (no previous value) or on update (previous value kept where allowed). */
function storedCredentials(
  input: CredentialsInput,
  provider: CatalogProvider,
  previous: Record<string, unknown> | null | undefined,
): Record<string, unknown> {
  switch (input.type) {
    case 'APP':
      return { type: input.type, app_id: input.app_id, app_link: input.app_link, private_key: input.private_key };
    case 'CUSTOM':
      return {
        type: input.type,
        client_id: input.client_id,
        client_secret: input.client_secret,
        app_id: input.app_id,
        app_link: input.app_link,
        private_key: input.private_key,
      };
    default: {
      const defaultScopes = provider.default_scopes?.join(',') || null;
      // Omitted scopes: the provider's defaults on create, the stored value on update; "" clears.
      const scopes = input.scopes === undefined ? (previous === undefined ? defaultScopes : (previous?.['scopes'] ?? null)) : input.scopes || null;
      const webhookSecret =
        input.webhook_secret === undefined ? (previous === undefined ? null : (previous?.['webhook_secret'] ?? null)) : input.webhook_secret || null;
      return { type: input.type, client_id: input.client_id, client_secret: input.client_secret, scopes, webhook_secret: webhookSecret };
    }
  }
}

export const listIntegrations: Handler = (ctx, call) => {
  const refused = requireEmptyQuery(call.query);
  if (refused) return refused;
  const stored = ctx.state.list(call.environment);
  // The real server fails the whole list when one integration names a provider it no longer knows.
  if (stored.some((integration) => !ctx.catalog.get(integration.provider))) return serverError();
  return jsonResponse(200, { data: stored.map((integration) => integrationView(integration)) });
};

export const getIntegration: Handler = (ctx, call) => {
  const include = validateIncludeQuery(call.query);
  if (!include.ok) return validationError('invalid_query_params', include.issues);
  const badParam = checkUniqueKeyParam(call.uniqueKey);
  if (badParam) return badParam;
  const stored = ctx.state.get(call.environment, call.uniqueKey);
  if (!stored) return notFound(`Integration "${call.uniqueKey}" does not exist`);
  const provider = ctx.catalog.get(stored.provider);
  if (!provider) return notFound(`Unknown provider ${stored.provider}`);
  const extras: ViewExtras = {};
  if (include.value.has('webhook')) {
    extras.webhook_url = `${ctx.baseUrl}/webhook/${ctx.state.environmentUuid(call.environment)}/${encodeURIComponent(stored.unique_key)}`;
  }
  // Without the scope the field is silently absent, never null: clients must not read that as "no credentials".
  if (include.value.has('credentials') && call.canReadCredentials) extras.credentials = credentialsView(stored, provider);
  return jsonResponse(200, { data: integrationView(stored, extras) });
};

export const createIntegration: Handler = (ctx, call) => {
  const refused = requireEmptyQuery(call.query);
  if (refused) return refused;
  const body = validatePostBody(call.body);
  if (!body.ok) return validationError('invalid_body', body.issues);
  const input = body.value;
  const provider = ctx.catalog.get(input.provider);
  if (!provider) return validationError('invalid_body', [{ code: 'invalid_string', message: 'Invalid provider', path: ['provider'] }]);
  if (input.credentials && input.credentials.type !== provider.auth_mode) {
    return invalidBody('incompatible credentials auth type and provider auth');
  }
  if (!input.credentials && CREDENTIALS_REQUIRED_AUTH_MODES.has(provider.auth_mode)) return invalidBody('Missing credentials');
  if (ctx.state.get(call.environment, input.unique_key)) {
    return validationError('invalid_body', [{ code: 'invalid_string', message: 'Unique key already exists', path: ['uniqueKey'] }]);
  }
  const stored = ctx.state.insert(call.environment, {
    unique_key: input.unique_key,
    provider: input.provider,
    display_name: input.display_name || provider.display_name,
    forward_webhooks: input.forward_webhooks ?? true,
    credentials: input.credentials ? storedCredentials(input.credentials, provider, undefined) : null,
    ...(input.integration_config ? { integration_config: { ...input.integration_config } } : {}),
    ...(input.custom ? { custom: { ...input.custom } } : {}),
  });
  return jsonResponse(200, { data: integrationView(stored) });
};

export const updateIntegration: Handler = (ctx, call) => {
  const refused = requireEmptyQuery(call.query);
  if (refused) return refused;
  const body = validatePatchBody(call.body);
  if (!body.ok) return validationError('invalid_body', body.issues);
  const badParam = checkUniqueKeyParam(call.uniqueKey);
  if (badParam) return badParam;
  const input = body.value;
  const stored = ctx.state.get(call.environment, call.uniqueKey);
  if (!stored) return notFound(`Integration "${call.uniqueKey}" does not exist`);
  const provider = ctx.catalog.get(stored.provider);
  if (!provider) return notFound(`Unknown provider ${stored.provider}`);
  if (input.credentials && input.credentials.type !== provider.auth_mode) {
    return invalidBody('incompatible credentials auth type and provider auth');
  }
  if (input.unique_key !== undefined && input.unique_key !== stored.unique_key) {
    if (ctx.state.get(call.environment, input.unique_key)) return invalidBody('uniqueKey is already used by another integration');
    if (stored.connections > 0) return invalidBody("Can't rename an integration with active connections");
    ctx.state.rename(call.environment, stored.unique_key, input.unique_key);
  }
  if (input.display_name !== undefined) stored.display_name = input.display_name;
  if (input.forward_webhooks !== undefined) stored.forward_webhooks = input.forward_webhooks;
  if (input.integration_config && Object.keys(input.integration_config).length > 0) {
    stored.integration_config = { ...stored.integration_config, ...input.integration_config };
  }
  if (input.custom && Object.keys(input.custom).length > 0) stored.custom = { ...stored.custom, ...input.custom };
  if (input.credentials) stored.credentials = storedCredentials(input.credentials, provider, stored.credentials);
  // Every PATCH bumps updated_at, even one that changes nothing.
  ctx.state.touch(stored);
  return jsonResponse(200, { data: integrationView(stored) });
};

export const deleteIntegration: Handler = (ctx, call) => {
  const refused = requireEmptyQuery(call.query);
  if (refused) return refused;
  const badParam = checkUniqueKeyParam(call.uniqueKey);
  if (badParam) return badParam;
  if (!ctx.state.remove(call.environment, call.uniqueKey)) return notFound('Integration does not exist');
  return jsonResponse(200, { success: true });
};

export const listConnections: Handler = (ctx, call) => {
  const query = validateConnectionsQuery(call.query);
  if (!query.ok) return validationError('invalid_query_params', query.issues);
  const { integrationId, connectionId } = query.value;
  const limit = query.value.limit ?? Number.POSITIVE_INFINITY;
  const integrations = ctx.state
    .list(call.environment)
    .filter((integration) => integrationId === undefined || integration.unique_key === integrationId);
  const connections: Record<string, unknown>[] = [];
  for (const integration of integrations) {
    if (connections.length >= limit) break;
    // Only generate what the answer can hold: seeded counts may be large.
    const cap = connectionId === undefined ? limit - connections.length : Number.POSITIVE_INFINITY;
    for (const connection of connectionViews(integration, cap)) {
      if (connectionId === undefined || connection['connection_id'] === connectionId) connections.push(connection);
    }
  }
  return jsonResponse(200, { connections: connections.slice(0, limit) });
};
