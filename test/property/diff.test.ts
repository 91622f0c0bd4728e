import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DesiredIntegration, DesiredState } from '../../src/config/types.js';
import type { ApiCredentials, LiveIntegration } from '../../src/nango/types.js';
import { diffIntegrations, type DiffContext } from '../../src/plan/diff.js';
import { managedValues } from '../../src/plan/fields.js';
import { createFingerprinter } from '../../src/plan/fingerprint.js';
import { live, state } from '../helpers/model.js';
import {
  PROVIDER_NAMES,
  PROVIDERS,
  SEED,
  desiredFields,
  displayName,
  scopeList,
  secretText,
  shuffledWithDuplicates,
  toDesired,
  uniqueKey,
  type DesiredFields,
  type Provider,
} from './arbitraries.js';

/** What Nango holds for fields the config leaves out: anything at all, since those are not managed. */
interface Noise {
  display_name: string;
  forward_webhooks: boolean;
  scopes: string[] | null;
  webhook_secret: string | null;
  /** Credentials the key may not read: compared through fingerprints recorded at the last apply. */
  unreadable: boolean;
}

const noise: fc.Arbitrary<Noise> = fc.record({
  display_name: displayName,
  forward_webhooks: fc.boolean(),
  scopes: fc.option(scopeList, { nil: null }),
  webhook_secret: fc.option(secretText, { nil: null }),
  unreadable: fc.boolean(),
});

interface Entry {
  key: string;
  provider: Provider;
  fields: DesiredFields;
  /** The remote key this one was renamed from long ago; it no longer exists, so nothing is renamed. */
  renamedFrom: boolean;
  integrationConfig: Record<string, string> | undefined;
  noise: Noise;
  /** How the API returns the scopes: any order, duplicates. */
  scopeOrder: string[];
}

const entry: fc.Arbitrary<Entry> = fc
  .record({ key: uniqueKey, provider: fc.constantFrom(...PROVIDER_NAMES) })
  .chain(({ key, provider }) =>
    desiredFields(provider, false).chain((fields) =>
      fc.record({
        key: fc.constant(key),
        provider: fc.constant(provider),
        fields: fc.constant(fields),
        renamedFrom: fc.boolean(),
        integrationConfig: fc.option(fc.dictionary(fc.stringMatching(/^[a-z_]{1,8}$/), secretText, { maxKeys: 2 }), { nil: undefined }),
        noise,
        scopeOrder: shuffledWithDuplicates(fields.credentials?.scopes ?? []),
      }),
    ),
  );

/** Live credentials exactly as Nango would return what the config declares. */
function liveCredentials(want: DesiredIntegration, e: Entry): ApiCredentials {
  const c = want.credentials;
  if (!c) throw new Error('no credentials');
  if (c.type === 'APP') return { type: 'APP', app_id: c.app_id ?? '', app_link: c.app_link ?? '', private_key: c.private_key ?? '' } as ApiCredentials;
  const scopes = c.scopes !== undefined ? e.scopeOrder.join(',') : (e.noise.scopes?.join(',') ?? null);
  return {
    type: c.type,
    client_id: c.client_id ?? '',
    client_secret: c.client_secret ?? '',
    scopes: scopes === '' ? null : scopes,
    webhook_secret: c.webhook_secret ?? e.noise.webhook_secret,
  } as ApiCredentials;
}

function liveFrom(want: DesiredIntegration, e: Entry): LiveIntegration {
  let credentials: LiveIntegration['credentials'] = 'not-fetched';
  if (want.credentials) credentials = e.noise.unreadable ? 'unreadable' : liveCredentials(want, e);
  else if (PROVIDERS[e.provider] === null) credentials = null;
  return live({
    unique_key: want.unique_key,
    provider: want.provider,
    display_name: want.display_name ?? e.noise.display_name,
    forward_webhooks: want.forward_webhooks ?? e.noise.forward_webhooks,
    credentials,
  });
}

/** A context whose recorded fingerprints are those of the declared values, as after an apply. */
function appliedContext(desiredState: DesiredState): DiffContext {
  const fingerprint = createFingerprinter('property-secret-key');
  const byKey = new Map(desiredState.integrations.map((i) => [i.unique_key, new Map(managedValues(i))]));
  return {
    fingerprint,
    recordedFingerprint: (key, path) => {
      const values = byKey.get(key);
      return values?.has(path) ? fingerprint(key, path, values.get(path)) : undefined;
    },
    requiresCredentials: (provider) => PROVIDERS[provider as Provider] !== undefined && PROVIDERS[provider as Provider] !== null,
  };
}

describe('diffIntegrations (property)', () => {
  it('the diff of a desired state against itself as live state is empty', () => {
    fc.assert(
      fc.property(fc.uniqueArray(entry, { selector: (e) => e.key, maxLength: 8 }), fc.boolean(), (entries, prune) => {
        const integrations = entries.map((e) =>
          toDesired(e.key, e.provider, e.fields, {
            ...(e.renamedFrom ? { renamed_from: `gone-${e.key}` } : {}),
            ...(e.integrationConfig ? { integration_config: e.integrationConfig } : {}),
          }),
        );
        const desiredState = state(integrations);
        const liveState = { integrations: entries.map((e, i) => liveFrom(integrations[i] as DesiredIntegration, e)) };
        const diff = diffIntegrations(desiredState, liveState, { prune, protect: [] }, appliedContext(desiredState));
        expect(diff.diagnostics).toEqual([]);
        expect(diff.changes).toEqual([]);
        expect(diff.unmanaged).toEqual([]);
        expect(diff.unchanged).toBe(entries.length);
        // A note may say drift is undetectable (credentials unreadable, no fingerprint), never that something changed.
        for (const n of diff.notes) expect(n.message).not.toMatch(/changed/);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('and stays empty whatever order the live list comes in', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(entry, { selector: (e) => e.key, minLength: 2, maxLength: 6 }).chain((entries) =>
          fc.tuple(fc.constant(entries), fc.shuffledSubarray([...entries.keys()], { minLength: entries.length, maxLength: entries.length })),
        ),
        ([entries, order]) => {
          const integrations = entries.map((e) => toDesired(e.key, e.provider, e.fields));
          const desiredState = state(integrations);
          const liveList = order.map((i) => liveFrom(integrations[i] as DesiredIntegration, entries[i] as Entry));
          const diff = diffIntegrations(desiredState, { integrations: liveList }, { prune: true, protect: [] }, appliedContext(desiredState));
          expect(diff.changes).toEqual([]);
          expect(diff.unchanged).toBe(entries.length);
        },
      ),
      { seed: SEED, numRuns: 80 },
    );
  });
});
