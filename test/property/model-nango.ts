// A small in-memory model of the Nango Integrations API (per /work/shared/nango-api-facts.md) behind
// the NangoClient interface: fast enough for hundreds of property runs, strict where the real API is.
import { getProvider } from '../../src/config/catalog.js';
import { NangoApiError, type ApiIntegration, type CreateIntegrationBody, type NangoClient, type UpdateIntegrationBody } from '../../src/nango/types.js';

export interface ModelIntegration {
  unique_key: string;
  provider: string;
  display_name: string;
  forward_webhooks: boolean;
  credentials: Record<string, string | null> | null;
  integration_config?: Record<string, string>;
  connections: number;
  created_at: string;
  updated_at: string;
}

type CredentialsBody = Record<string, unknown> & { type?: unknown };

const TYPED_MODES = new Set(['OAUTH1', 'OAUTH2', 'TBA', 'APP', 'CUSTOM']);
const REQUIRED_MODES = new Set(['OAUTH1', 'OAUTH2', 'APP', 'CUSTOM']);

function fail(method: string, path: string, message: string, status = 400): never {
  throw new NangoApiError(message, status, status === 404 ? 'not_found' : 'invalid_body', method, path);
}

export class ModelNango implements NangoClient {
  readonly store = new Map<string, ModelIntegration>();
  writes = 0;
  private clock = 0;

  private tick(): string {
    this.clock++;
    return new Date(Date.UTC(2026, 0, 1) + this.clock * 1000).toISOString();
  }

  seed(integration: Omit<ModelIntegration, 'created_at' | 'updated_at' | 'connections'> & { connections?: number }): void {
    const at = this.tick();
    this.store.set(integration.unique_key, { connections: 0, ...integration, created_at: at, updated_at: at });
  }

  private view(i: ModelIntegration, withCredentials: boolean): ApiIntegration {
    const out: Record<string, unknown> = {
      unique_key: i.unique_key,
      provider: i.provider,
      display_name: i.display_name,
      logo: `https://example.invalid/${i.provider}.svg`,
      forward_webhooks: i.forward_webhooks,
      created_at: i.created_at,
      updated_at: i.updated_at,
    };
    if (withCredentials) out['credentials'] = i.credentials === null ? null : { ...i.credentials };
    return out as unknown as ApiIntegration;
  }

  /** Stored credentials after a create or PATCH: PATCH keeps omitted scopes/webhook_secret; "" clears scopes. */
  private credentialsFrom(body: CredentialsBody, authMode: string, previous: ModelIntegration['credentials'] | undefined, method: string, path: string): ModelIntegration['credentials'] {
    if (body.type !== authMode) fail(method, path, 'incompatible credentials auth type and provider auth');
    const text = (name: string): string => {
      const v = body[name];
      if (typeof v !== 'string' || v === '') fail(method, path, `credentials.${name} is required`);
      return v;
    };
    if (authMode === 'APP') return { type: 'APP', app_id: text('app_id'), app_link: text('app_link'), private_key: text('private_key') };
    if (authMode === 'CUSTOM') {
      return { type: 'CUSTOM', client_id: text('client_id'), client_secret: text('client_secret'), app_id: text('app_id'), app_link: text('app_link'), private_key: text('private_key') };
    }
    const keep = (name: string): string | null => {
      const v = body[name];
      if (v === undefined) return previous?.[name] ?? null;
      if (typeof v !== 'string') fail(method, path, `credentials.${name} must be a string`);
      return v === '' ? null : v;
    };
    return { type: authMode, client_id: text('client_id'), client_secret: text('client_secret'), scopes: keep('scopes'), webhook_secret: keep('webhook_secret') };
  }

  async listIntegrations(): Promise<ApiIntegration[]> {
    return [...this.store.values()].map((i) => this.view(i, false));
  }

  async getIntegration(uniqueKey: string, include: ReadonlyArray<'credentials' | 'webhook'>): Promise<ApiIntegration | null> {
    const i = this.store.get(uniqueKey);
    return i ? this.view(i, include.includes('credentials')) : null;
  }

  async createIntegration(body: CreateIntegrationBody): Promise<ApiIntegration> {
    const path = '/integrations';
    const provider = getProvider(body.provider);
    if (!provider) fail('POST', path, 'Invalid provider');
    if (this.store.has(body.unique_key)) fail('POST', path, 'Unique key already exists');
    const creds = body.credentials as CredentialsBody | undefined;
    if (!creds && REQUIRED_MODES.has(provider.auth_mode)) fail('POST', path, 'Missing credentials');
    if (creds && !TYPED_MODES.has(provider.auth_mode)) fail('POST', path, 'incompatible credentials auth type and provider auth');
    const at = this.tick();
    const stored: ModelIntegration = {
      unique_key: body.unique_key,
      provider: body.provider,
      display_name: body.display_name ?? provider.display_name,
      forward_webhooks: body.forward_webhooks ?? true,
      credentials: creds ? this.credentialsFrom(creds, provider.auth_mode, undefined, 'POST', path) : null,
      connections: 0,
      created_at: at,
      updated_at: at,
      ...(body.integration_config ? { integration_config: { ...body.integration_config } } : {}),
    };
    if (stored.credentials && stored.credentials['scopes'] === null && creds?.['scopes'] === undefined) {
      stored.credentials['scopes'] = provider.default_scopes?.join(',') || null;
    }
    this.store.set(stored.unique_key, stored);
    this.writes++;
    return this.view(stored, false);
  }

  async updateIntegration(uniqueKey: string, body: UpdateIntegrationBody): Promise<ApiIntegration> {
    const path = `/integrations/${encodeURIComponent(uniqueKey)}`;
    const i = this.store.get(uniqueKey);
    if (!i) fail('PATCH', path, `Integration "${uniqueKey}" does not exist`, 404);
    if ('provider' in body) fail('PATCH', path, 'unrecognized_keys');
    const provider = getProvider(i.provider);
    if (!provider) fail('PATCH', path, 'Invalid provider');
    const next: ModelIntegration = { ...i };
    if (body.credentials) next.credentials = this.credentialsFrom(body.credentials as CredentialsBody, provider.auth_mode, i.credentials, 'PATCH', path);
    if (body.display_name !== undefined) next.display_name = body.display_name;
    if (body.forward_webhooks !== undefined) next.forward_webhooks = body.forward_webhooks;
    if (body.integration_config) next.integration_config = { ...body.integration_config };
    if (body.unique_key !== undefined && body.unique_key !== uniqueKey) {
      if (this.store.has(body.unique_key)) fail('PATCH', path, 'uniqueKey is already used by another integration');
      if (i.connections > 0) fail('PATCH', path, "Can't rename an integration with active connections");
      this.store.delete(uniqueKey);
      next.unique_key = body.unique_key;
    }
    next.updated_at = this.tick();
    this.store.set(next.unique_key, next);
    this.writes++;
    return this.view(next, false);
  }

  async deleteIntegration(uniqueKey: string): Promise<void> {
    if (!this.store.delete(uniqueKey)) fail('DELETE', `/integrations/${encodeURIComponent(uniqueKey)}`, 'Integration does not exist', 404);
    this.writes++;
  }

  async countConnections(uniqueKey: string, limit: number): Promise<number> {
    return Math.min(this.store.get(uniqueKey)?.connections ?? 0, limit);
  }
}
