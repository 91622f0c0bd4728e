import type { EmulatorKey } from './types.js';

/** Every scope an environment key can hold. */
export const SCOPES = [
  'environment:integrations:list',
  'environment:integrations:read',
  'environment:integrations:create',
  'environment:integrations:update',
  'environment:integrations:delete',
  'environment:integrations:read_credentials',
  'environment:connections:list',
] as const;

export type Scope = (typeof SCOPES)[number];

/** A key's scopes less some: e.g. a key that may not read credentials. */
export function scopesWithout(...excluded: Scope[]): Scope[] {
  return SCOPES.filter((s) => !excluded.includes(s));
}

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export type AuthResult =
  | { ok: true; key: EmulatorKey }
  | { ok: false; code: 'missing_auth_header' | 'invalid_secret_key_format' | 'unknown_account'; message: string };

/** The key alone selects the environment, as on the real server. */
export function authenticate(header: string | undefined, keys: readonly EmulatorKey[]): AuthResult {
  if (!header) {
    return { ok: false, code: 'missing_auth_header', message: 'Authentication failed. The request is missing the Authorization header.' };
  }
  const secret = header.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : header.trim();
  if (!UUID_V4.test(secret)) {
    return { ok: false, code: 'invalid_secret_key_format', message: 'Authentication failed. The provided secret key is not a UUID v4.' };
  }
  const key = keys.find((candidate) => candidate.secretKey.toLowerCase() === secret.toLowerCase());
  if (!key) {
    return { ok: false, code: 'unknown_account', message: 'Authentication failed. The provided secret key is invalid.' };
  }
  return { ok: true, key };
}

export function hasScope(key: EmulatorKey, scope: Scope): boolean {
  return key.scopes === undefined || key.scopes.includes(scope);
}
