import type { CredentialsType, DesiredCredentials, DesiredIntegration } from '../config/types.js';
import type { ApiCredentials } from '../nango/types.js';

/** The credential fields the API takes for each credentials type, in display order. */
export const CREDENTIAL_FIELDS: Record<CredentialsType, readonly (keyof DesiredCredentials)[]> = {
  OAUTH1: ['client_id', 'client_secret', 'scopes', 'webhook_secret'],
  OAUTH2: ['client_id', 'client_secret', 'scopes', 'webhook_secret'],
  TBA: ['client_id', 'client_secret', 'scopes', 'webhook_secret'],
  APP: ['app_id', 'app_link', 'private_key'],
  CUSTOM: ['client_id', 'client_secret', 'app_id', 'app_link', 'private_key'],
};

/** Fields that are secret whatever their provenance. */
export const SECRET_FIELDS: ReadonlySet<string> = new Set([
  'credentials.client_secret',
  'credentials.private_key',
  'credentials.webhook_secret',
]);

export function isSensitive(desired: DesiredIntegration, path: string): boolean {
  return SECRET_FIELDS.has(path) || desired.sensitive.has(path);
}

export function normaliseScopes(scopes: readonly string[] | string | null | undefined): string[] {
  const list = typeof scopes === 'string' ? scopes.split(',') : (scopes ?? []);
  // One pass, one array: the diff normalises both sides of every integration (20,000 calls for 10,000).
  const out: string[] = [];
  for (const raw of list) {
    const scope = raw.trim();
    if (scope !== '' && !out.includes(scope)) out.push(scope);
  }
  return out.sort();
}

/** A live credentials object's value for one field, in the same form the desired state uses. */
export function liveCredentialValue(live: ApiCredentials, field: keyof DesiredCredentials): unknown {
  const record = live as unknown as Record<string, unknown>;
  if (field === 'scopes') return normaliseScopes(record.scopes as string | null | undefined);
  return record[field] ?? null;
}

export function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => v === b[i]);
  return a === b;
}

/** Every managed path of a desired integration with its value (for creates, fingerprints and digests). */
export function managedValues(desired: DesiredIntegration): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  if (desired.display_name !== undefined) out.push(['display_name', desired.display_name]);
  if (desired.forward_webhooks !== undefined) out.push(['forward_webhooks', desired.forward_webhooks]);
  const creds = desired.credentials;
  if (creds) {
    out.push(['credentials.type', creds.type]);
    for (const field of CREDENTIAL_FIELDS[creds.type]) {
      if (creds[field] !== undefined) out.push([`credentials.${field}`, creds[field]]);
    }
  }
  for (const [name, value] of Object.entries(desired.integration_config ?? {})) {
    out.push([`integration_config.${name}`, value]);
  }
  return out;
}
