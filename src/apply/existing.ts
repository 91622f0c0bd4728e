// A create answered "unique key already exists" on its first attempt: another writer (a second apply, the
// dashboard, a script) created the key between plan and apply. Like a retried create, the key is read back;
// unlike one, it may hold anything, so it is compared with the config and updated, never replaced.
import type { DesiredIntegration, DesiredState } from '../config/types.js';
import { credentialsOf, toLiveIntegration } from '../nango/live.js';
import type { NangoClient } from '../nango/types.js';
import { diffIntegrations } from '../plan/diff.js';
import type { Fingerprinter } from '../plan/fingerprint.js';
import { patchBody } from './requests.js';

export interface ExistingContext {
  client: NangoClient;
  desired: DesiredState;
  fingerprint: Fingerprinter;
}

/**
 * Makes the integration someone else created match `want` with at most one PATCH; throws (nothing written)
 * when it has another provider: that would be a replace, which the reviewed plan did not contain.
 */
export async function updateExisting(want: DesiredIntegration, ctx: ExistingContext): Promise<void> {
  const key = want.unique_key;
  const found = await ctx.client.getIntegration(key, want.credentials ? ['credentials'] : []);
  if (!found) {
    throw new Error(`unique key "${key}" was taken when created but is gone when read back (another writer is changing it?); nothing written: run apply again`);
  }
  if (found.provider !== want.provider) {
    throw new Error(
      `unique key "${key}" was created with provider ${found.provider} by someone else since the plan (declared: ${want.provider}); ` +
        'nothing written, it is never replaced in place of a create: run plan again to review the provider change',
    );
  }
  const live = toLiveIntegration(found, want.credentials ? credentialsOf(found) : 'not-fetched');
  const diff = diffIntegrations(
    { ...ctx.desired, integrations: [want] },
    { integrations: [live] },
    { prune: false, protect: [] },
    {
      fingerprint: ctx.fingerprint,
      // Nothing recorded here describes what another writer set: every value Nango does not show back
      // (integration_config, unreadable credentials) counts as changed and is sent, as a create would.
      recordedFingerprint: () => UNKNOWN_FINGERPRINT,
      requiresCredentials: () => false,
    },
  );
  const change = diff.changes[0];
  if (!change) return;
  await ctx.client.updateIntegration(key, patchBody(want, change), { provider: want.provider });
}

/** Never equal to an HMAC (hex). */
const UNKNOWN_FINGERPRINT = '';
