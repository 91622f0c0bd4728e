// Generators shared by the property tests: desired integrations as the config stage produces them,
// and remote integrations as Nango stores them.
import fc from 'fast-check';
import type { DesiredCredentials, DesiredIntegration } from '../../src/config/types.js';
import { PEM } from '../helpers/cli.js';
import { desired } from '../helpers/model.js';

/** Fixed seed: a failure reproduces in CI as it did locally. */
export const SEED = 0x6e61676f;

/** Providers of each credential shape Nango knows, plus one that takes none. */
export const PROVIDERS = {
  slack: 'OAUTH2',
  hubspot: 'OAUTH2',
  'github-app': 'APP',
  openai: null,
} as const;
export type Provider = keyof typeof PROVIDERS;
export const PROVIDER_NAMES = Object.keys(PROVIDERS) as Provider[];

const KEY_CHARS = [...'abcdefghijklmnopqrstuvwxyzABCXYZ0123456789~:.@ _-'];
/** Matches the unique_key rule `^[a-zA-Z0-9~:.@ _-]+$`, at most 255, no space at either end. */
export const uniqueKey = fc.string({ unit: fc.constantFrom(...KEY_CHARS), minLength: 1, maxLength: 24 }).filter((k) => k.trim() === k);

/** Any text the API takes as a display name (1..255). */
export const displayName = fc.oneof(
  fc.string({ minLength: 1, maxLength: 30 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
  fc.constantFrom('Slack', 'Slack (Production)', '$& "quoted" \\ back'),
);

export const scope = fc.stringMatching(/^[0-9a-zA-Z:/_.*-]{1,12}$/);
/** Scopes as a user may write them: any order, duplicates allowed. */
export const scopeList = fc.array(scope, { maxLength: 5 });

/** Non-empty text without control characters (what a YAML scalar or env var would carry). */
export const secretText = fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== '');

export function oauthCredentials(): fc.Arbitrary<DesiredCredentials> {
  return fc.record(
    {
      type: fc.constant('OAUTH2' as const),
      client_id: secretText,
      client_secret: secretText,
      scopes: scopeList,
      webhook_secret: secretText,
    },
    { requiredKeys: ['type', 'client_id', 'client_secret'] },
  );
}

export function appCredentials(): fc.Arbitrary<DesiredCredentials> {
  return fc.record({
    type: fc.constant('APP' as const),
    app_id: fc.stringMatching(/^[0-9]{1,8}$/),
    app_link: fc.constantFrom('https://github.com/apps/one', 'https://github.com/apps/two'),
    private_key: fc.constant(PEM),
  });
}

export function credentialsFor(provider: Provider): fc.Arbitrary<DesiredCredentials> | undefined {
  const type = PROVIDERS[provider];
  if (type === 'OAUTH2') return oauthCredentials();
  if (type === 'APP') return appCredentials();
  return undefined;
}

/** The fields of a desired integration other than key and provider, all optional (unmanaged when absent). */
export interface DesiredFields {
  display_name?: string;
  forward_webhooks?: boolean;
  credentials?: DesiredCredentials;
}

/**
 * Desired fields for a provider. `requireCredentials`: Nango refuses to create OAUTH2/APP
 * integrations without them, so a plan that may create must carry them.
 */
export function desiredFields(provider: Provider, requireCredentials: boolean): fc.Arbitrary<DesiredFields> {
  const creds = credentialsFor(provider);
  return fc.record(
    {
      display_name: displayName,
      forward_webhooks: fc.boolean(),
      ...(creds ? { credentials: creds } : {}),
    },
    { requiredKeys: creds && requireCredentials ? ['credentials'] : [] },
  ) as fc.Arbitrary<DesiredFields>;
}

export function toDesired(unique_key: string, provider: Provider, fields: DesiredFields, extra: Partial<DesiredIntegration> = {}): DesiredIntegration {
  return desired({ unique_key, provider, ...fields, ...extra }, ['credentials.client_secret', 'credentials.webhook_secret', 'credentials.private_key']);
}

/** The items in any order, some repeated: the API may store a set in any order. */
export function shuffledWithDuplicates<T>(items: readonly T[]): fc.Arbitrary<T[]> {
  if (items.length === 0) return fc.constant([]);
  return fc.array(fc.constantFrom(...items), { maxLength: 3 }).chain((repeats) => {
    const all = [...items, ...repeats];
    return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length });
  });
}
