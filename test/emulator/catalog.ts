import { getProviders } from '@nangohq/providers';

/** The part of a provider the Integrations API looks at. */
export interface CatalogProvider {
  name: string;
  auth_mode: string;
  display_name: string;
  default_scopes?: string[];
}

export interface ProviderCatalog {
  get(name: string): CatalogProvider | undefined;
}

let cached: ProviderCatalog | undefined;

/** Loaded once per process: parsing providers.yaml costs ~100 ms and tests start many emulators. */
export function loadProviderCatalog(): ProviderCatalog {
  if (cached) return cached;
  const providers = getProviders();
  if (!providers) throw new Error('the @nangohq/providers catalog could not be loaded');
  const byName = new Map<string, CatalogProvider>();
  for (const [name, provider] of Object.entries(providers)) {
    const entry: CatalogProvider = { name, auth_mode: provider.auth_mode, display_name: provider.display_name };
    if (Array.isArray(provider.default_scopes)) entry.default_scopes = provider.default_scopes;
    byName.set(name, entry);
  }
  cached = { get: (name) => byName.get(name) };
  return cached;
}

/** Auth modes whose integrations hold OAuth-app-like credentials. */
export const CREDENTIAL_AUTH_MODES: ReadonlySet<string> = new Set(['OAUTH1', 'OAUTH2', 'TBA', 'APP', 'CUSTOM']);

/** POST without credentials is refused for these (TBA is deliberately absent, as on the real server). */
export const CREDENTIALS_REQUIRED_AUTH_MODES: ReadonlySet<string> = new Set(['OAUTH1', 'OAUTH2', 'APP', 'CUSTOM']);

export function logoUrl(provider: string): string {
  return `https://app.nango.dev/images/template-logos/${provider}.svg`;
}
