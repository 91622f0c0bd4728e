import { createHmac } from 'node:crypto';

/**
 * Fingerprints stand in for values the API never shows back (credentials without the read scope,
 * integration_config). Keyed by the Nango secret key so a stolen state file or plan cannot be used to
 * confirm a guessed secret without also holding the key.
 */
export type Fingerprinter = (uniqueKey: string, path: string, value: unknown) => string;

export function createFingerprinter(secretKey: string): Fingerprinter {
  return (uniqueKey, path, value) =>
    createHmac('sha256', secretKey)
      .update(`${uniqueKey}\u0000${path}\u0000${canonicalValue(value)}`)
      .digest('hex');
}

function canonicalValue(value: unknown): string {
  if (Array.isArray(value)) return JSON.stringify([...value].map(String).sort());
  return JSON.stringify(value ?? null);
}
