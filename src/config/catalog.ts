import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { closestMatches, editDistance } from './edit-distance.js';
import { packageRoot } from '../package-root.js';
import type { CredentialsType } from './types.js';

/** One provider as `scripts/build-catalog.ts` writes it: just what validation and planning need. */
export interface CatalogProvider {
  auth_mode: string;
  display_name: string;
  default_scopes?: string[];
}

export type ProviderCatalog = Record<string, CatalogProvider>;

export class CatalogUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CatalogUnavailableError';
  }
}

export function catalogPath(): string {
  return join(packageRoot(), 'generated', 'providers-catalog.json');
}

let catalog: Map<string, CatalogProvider> | undefined;

/** Loaded on first use so commands that never look at providers do not pay for it. */
function load(): Map<string, CatalogProvider> {
  if (catalog) return catalog;
  let text: string;
  try {
    text = readFileSync(catalogPath(), 'utf8');
  } catch {
    throw new CatalogUnavailableError('the provider catalog generated/providers-catalog.json is missing: run npm run build');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CatalogUnavailableError('the provider catalog generated/providers-catalog.json is corrupt: run npm run build');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new CatalogUnavailableError('the provider catalog generated/providers-catalog.json is corrupt: run npm run build');
  }
  catalog = new Map(Object.entries(parsed as ProviderCatalog));
  return catalog;
}

/** Throws CatalogUnavailableError when the generated catalog is missing. */
export function getProvider(slug: string): CatalogProvider | undefined {
  return load().get(slug);
}

/** Did-you-mean candidates for an unknown slug, closest first, at most 3. */
export function suggestProviders(slug: string): string[] {
  return closestMatches(slug, load().keys(), 3);
}

/**
 * Providers of the same family (the slug's first `-` word) that take `credentialsType`, closest first:
 * `github` + APP → `github-app`, `github` + CUSTOM → `github-app-oauth`, `datadog` + OAUTH2 → `datadog-oauth`.
 */
export function siblingProviders(slug: string, credentialsType: string, max = 2): string[] {
  const family = slug.split('-')[0];
  const found: Array<[string, number]> = [];
  for (const [other, provider] of load()) {
    if (other !== slug && other.split('-')[0] === family && credentialsTypeFor(provider.auth_mode) === credentialsType) found.push([other, editDistance(slug, other)]);
  }
  found.sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
  return found.slice(0, max).map(([other]) => other);
}

/** Nango refuses to create an integration of these auth modes without credentials. */
export function requiresCredentials(authMode: string): boolean {
  return authMode === 'OAUTH1' || authMode === 'OAUTH2' || authMode === 'APP' || authMode === 'CUSTOM';
}

/** The `credentials.type` a provider takes, or undefined when it takes no credentials (API_KEY, BASIC, ...). */
export function credentialsTypeFor(authMode: string): CredentialsType | undefined {
  switch (authMode) {
    case 'OAUTH1':
    case 'OAUTH2':
    case 'TBA':
    case 'APP':
    case 'CUSTOM':
      return authMode;
    default:
      return undefined;
  }
}
