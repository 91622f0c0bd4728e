// Model check of the whole reconcile: arbitrary desired × arbitrary remote → plan → apply → the remote
// is the desired state, and planning again finds nothing to do. Run against an in-memory model of the
// API (many runs) and against the emulator over HTTP with the real client (a few runs).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPlan } from '../../src/apply/apply.js';
import type { DesiredCredentials, DesiredIntegration, DesiredState } from '../../src/config/types.js';
import { createNangoClient } from '../../src/nango/client.js';
import { fetchLiveState } from '../../src/nango/live.js';
import type { NangoClient } from '../../src/nango/types.js';
import { countConnections } from '../../src/reconcile/connections.js';
import { diffIntegrations } from '../../src/plan/diff.js';
import { normaliseScopes } from '../../src/plan/fields.js';
import { createFingerprinter } from '../../src/plan/fingerprint.js';
import { buildPlan } from '../../src/plan/plan.js';
import type { Plan } from '../../src/plan/types.js';
import type { Policy } from '../../src/reconcile/policy.js';
import { lookAlikeForm } from '../../src/safety/keys.js';
import { applySafetyRules } from '../../src/safety/rules.js';
import { openFingerprintStore, type FingerprintStore } from '../../src/state/fingerprints.js';
import { DEFAULT_SECRET_KEY, startEmulator, type Emulator, type SeedIntegration } from '../emulator/server.js';
import { state } from '../helpers/model.js';
import { PROVIDER_NAMES, PROVIDERS, SEED, credentialsFor, desiredFields, displayName, toDesired, uniqueKey, type DesiredFields, type Provider } from './arbitraries.js';

/** One remote integration as Nango stores it: credentials are a full, valid set for the provider. */
interface Remote {
  unique_key: string;
  provider: Provider;
  display_name: string;
  forward_webhooks: boolean;
  credentials: Record<string, string | null> | null;
}

interface Slot {
  key: string;
  inDesired: boolean;
  inLive: boolean;
  desiredProvider: Provider;
  /** Often the same provider (an update), sometimes another (a replace). */
  liveProvider: Provider;
  fields: DesiredFields;
  /** Leave credentials unmanaged when nothing is created (Nango needs them only on create). */
  omitCredentials: boolean;
  /** Claim a live key that config does not declare, as renamed_from. */
  rename: boolean;
  live: { display_name: string; forward_webhooks: boolean; credentials: DesiredCredentials | undefined };
}

const slot = (key: string): fc.Arbitrary<Slot> =>
  fc
    .record({ desiredProvider: fc.constantFrom(...PROVIDER_NAMES), sameProvider: fc.boolean(), otherProvider: fc.constantFrom(...PROVIDER_NAMES) })
    .chain(({ desiredProvider, sameProvider, otherProvider }) => {
      const liveProvider = sameProvider ? desiredProvider : otherProvider;
      const liveCreds = credentialsFor(liveProvider);
      return fc.record({
        key: fc.constant(key),
        inDesired: fc.boolean(),
        inLive: fc.boolean(),
        desiredProvider: fc.constant(desiredProvider),
        liveProvider: fc.constant(liveProvider),
        fields: desiredFields(desiredProvider, true),
        omitCredentials: fc.boolean(),
        rename: fc.boolean(),
        live: fc.record({
          display_name: displayName,
          forward_webhooks: fc.boolean(),
          credentials: liveCreds ? liveCreds.map((c): DesiredCredentials | undefined => c) : fc.constant(undefined),
        }),
      });
    });

// Keys that only look alike ("a", "A ") would make a create + delete pair, which a safety rule refuses.
const scenario = fc.uniqueArray(uniqueKey, { selector: lookAlikeForm, minLength: 1, maxLength: 8 }).chain((keys) => fc.tuple(...keys.map(slot)));

/** Credentials as the API stores them (scopes one comma string; omitted optional fields null). */
function stored(c: DesiredCredentials | undefined): Record<string, string | null> | null {
  if (!c) return null;
  if (c.type === 'APP') return { type: 'APP', app_id: c.app_id ?? '', app_link: c.app_link ?? '', private_key: c.private_key ?? '' };
  return { type: c.type, client_id: c.client_id ?? '', client_secret: c.client_secret ?? '', scopes: c.scopes?.length ? c.scopes.join(',') : null, webhook_secret: c.webhook_secret ?? null };
}

function build(slots: readonly Slot[]): { desired: DesiredState; remote: Remote[] } {
  const remote: Remote[] = slots
    .filter((s) => s.inLive)
    .map((s) => ({ unique_key: s.key, provider: s.liveProvider, display_name: s.live.display_name, forward_webhooks: s.live.forward_webhooks, credentials: stored(s.live.credentials) }));
  const declared = new Set(slots.filter((s) => s.inDesired).map((s) => s.key));
  // Rename candidates: remote keys no file declares; a rename cannot also change the provider.
  const claimable = new Map(slots.filter((s) => s.inLive && !s.inDesired).map((s) => [s.key, s.liveProvider]));
  const integrations: DesiredIntegration[] = [];
  for (const s of slots) {
    if (!s.inDesired) continue;
    let renamedFrom: string | undefined;
    if (s.rename && !s.inLive) {
      for (const [key, provider] of claimable) {
        if (provider === s.desiredProvider && !declared.has(key)) {
          renamedFrom = key;
          claimable.delete(key);
          break;
        }
      }
    }
    const keepsRemote = (s.inLive && s.liveProvider === s.desiredProvider) || renamedFrom !== undefined;
    const fields = keepsRemote && s.omitCredentials ? { ...s.fields, credentials: undefined } : s.fields;
    integrations.push(toDesired(s.key, s.desiredProvider, fields, renamedFrom !== undefined ? { renamed_from: renamedFrom } : {}));
  }
  return { desired: state(integrations), remote };
}

const POLICY: Policy = { prune: true, protect: [], maxDeletes: 1000, allowReplace: true, allowDeleteConnections: false, allowEmpty: true };
const SECRET_KEY = 'model-secret-key';

async function plan(client: NangoClient, desired: DesiredState, fingerprints: FingerprintStore): Promise<Plan> {
  const detailKeys = new Set<string>();
  for (const i of desired.integrations) {
    if (!i.credentials) continue;
    detailKeys.add(i.unique_key);
    if (i.renamed_from !== undefined) detailKeys.add(i.renamed_from);
  }
  const { live } = await fetchLiveState(client, { detailKeys, concurrency: 4 });
  const diff = diffIntegrations(desired, live, POLICY, {
    fingerprint: createFingerprinter(SECRET_KEY),
    recordedFingerprint: (key, path) => fingerprints.get(key, path),
    requiresCredentials: (provider) => PROVIDERS[provider as Provider] !== null,
  });
  expect(diff.diagnostics).toEqual([]);
  await countConnections(diff.changes, client, 4);
  return applySafetyRules(buildPlan(diff), POLICY, { declared: desired.integrations.length });
}

/** What the remote holds for one key, whatever the backend. */
interface Held {
  provider: string;
  display_name: string;
  forward_webhooks: boolean;
  credentials: Record<string, unknown> | null;
}

function expectConverged(desired: DesiredState, held: ReadonlyMap<string, Held>): void {
  expect([...held.keys()].sort()).toEqual(desired.integrations.map((i) => i.unique_key).sort());
  for (const want of desired.integrations) {
    const got = held.get(want.unique_key);
    expect(got, want.unique_key).toBeDefined();
    if (!got) continue;
    expect(got.provider).toBe(want.provider);
    if (want.display_name !== undefined) expect(got.display_name).toBe(want.display_name);
    if (want.forward_webhooks !== undefined) expect(got.forward_webhooks).toBe(want.forward_webhooks);
    const c = want.credentials;
    if (!c) continue;
    expect(got.credentials).toMatchObject({ type: c.type });
    for (const field of ['client_id', 'client_secret', 'webhook_secret', 'app_id', 'app_link', 'private_key'] as const) {
      if (c[field] !== undefined) expect(got.credentials?.[field], `${want.unique_key} credentials.${field}`).toBe(c[field]);
    }
    if (c.scopes !== undefined) expect(normaliseScopes(got.credentials?.['scopes'] as string | null)).toEqual(normaliseScopes(c.scopes));
  }
}

/** plan → apply → plan: every change applied, nothing left to do. */
async function reconcileTwice(client: NangoClient, desired: DesiredState): Promise<void> {
  const fingerprints = await openFingerprintStore(undefined, SECRET_KEY);
  const first = await plan(client, desired, fingerprints);
  expect(first.changes.filter((c) => c.blocked !== undefined)).toEqual([]);
  const applied = await applyPlan(first, { client, desired, concurrency: 4, fingerprints, fingerprint: createFingerprinter(SECRET_KEY) });
  expect(applied.changes.filter((c) => c.result !== 'applied').map((c) => ({ action: c.action, key: c.unique_key, error: c.error }))).toEqual([]);
  const second = await plan(client, desired, fingerprints);
  expect(second.changes).toEqual([]);
  expect(second.summary.unchanged).toBe(desired.integrations.length);
}

describe('plan + apply reach the desired state (model check)', () => {
  it('against an in-memory model of the API', async () => {
    const { ModelNango } = await import('./model-nango.js');
    await fc.assert(
      fc.asyncProperty(scenario, async (slots) => {
        const { desired, remote } = build(slots);
        const model = new ModelNango();
        for (const r of remote) model.seed(r);
        await reconcileTwice(model, desired);
        const held = new Map<string, Held>([...model.store.values()].map((i) => [i.unique_key, i]));
        expectConverged(desired, held);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  describe('against the emulator over HTTP with the real client', () => {
    let emu: Emulator;
    beforeAll(async () => {
      emu = await startEmulator();
    });
    afterAll(async () => {
      await emu.close();
    });

    it('converges too', async () => {
      await fc.assert(
        fc.asyncProperty(scenario, async (slots) => {
          const { desired, remote } = build(slots);
          emu.reset();
          emu.seed(remote.map((r): SeedIntegration => ({ ...r })));
          const client = createNangoClient({ host: emu.url, secretKey: DEFAULT_SECRET_KEY, maxRetries: 0 });
          await reconcileTwice(client, desired);
          const held = new Map<string, Held>(emu.integrations().map((i) => [i.unique_key, i]));
          expectConverged(desired, held);
        }),
        { seed: SEED, numRuns: 25 },
      );
    });
  });
});
