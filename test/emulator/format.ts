import { CREDENTIAL_AUTH_MODES, logoUrl } from './catalog.js';
import type { CatalogProvider } from './catalog.js';
import type { StoredIntegration } from './types.js';

/** Fields each credentials type always answers with (null when unset). */
const CREDENTIAL_FIELDS: Record<string, readonly string[]> = {
  OAUTH1: ['client_id', 'client_secret', 'scopes', 'webhook_secret'],
  OAUTH2: ['client_id', 'client_secret', 'scopes', 'webhook_secret'],
  TBA: ['client_id', 'client_secret', 'scopes', 'webhook_secret'],
  APP: ['app_id', 'app_link', 'private_key'],
  CUSTOM: ['client_id', 'client_secret', 'app_id', 'app_link', 'private_key'],
};

/**
 * Credentials as GET ?include[]=credentials shows them: in clear text, shaped by type, unset fields null.
 * Seeded credentials of unusual shapes keep their extra fields, so tests can feed clients odd answers.
 */
export function credentialsView(stored: StoredIntegration, provider: CatalogProvider): Record<string, unknown> | null {
  const storedType = stored.credentials?.['type'];
  const type = typeof storedType === 'string' ? storedType : provider.auth_mode;
  if (stored.credentials === null && !CREDENTIAL_AUTH_MODES.has(type)) return null;
  const view: Record<string, unknown> = { type };
  for (const field of CREDENTIAL_FIELDS[type] ?? []) view[field] = null;
  return { ...view, ...(stored.credentials ?? {}), type };
}

export interface ViewExtras {
  webhook_url?: string;
  credentials?: Record<string, unknown> | null;
}

/** The public integration object; integration_config and custom are never part of it. */
export function integrationView(stored: StoredIntegration, extras: ViewExtras = {}): Record<string, unknown> {
  return {
    unique_key: stored.unique_key,
    provider: stored.provider,
    display_name: stored.display_name,
    logo: logoUrl(stored.provider),
    ...('webhook_url' in extras ? { webhook_url: extras.webhook_url } : {}),
    ...('credentials' in extras ? { credentials: extras.credentials } : {}),
    forward_webhooks: stored.forward_webhooks,
    created_at: stored.created_at,
    updated_at: stored.updated_at,
  };
}

/** Items of GET /connections, shaped like Nango's, generated from the stored count. */
export function connectionViews(stored: StoredIntegration, limit: number): Record<string, unknown>[] {
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < Math.min(stored.connections, limit); i++) {
    items.push({
      id: stored.id * 100_000 + i + 1,
      connection_id: `${stored.unique_key}-connection-${i + 1}`,
      provider: stored.provider,
      provider_config_key: stored.unique_key,
      created: stored.created_at,
      metadata: null,
      errors: [],
      end_user: null,
    });
  }
  return items;
}
