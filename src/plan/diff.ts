import type { Diagnostic, DesiredIntegration, DesiredState } from '../config/types.js';
import type { LiveIntegration, LiveState } from '../nango/types.js';
import type { Fingerprinter } from './fingerprint.js';
import { CREDENTIAL_FIELDS, isSensitive, liveCredentialValue, managedValues, normaliseScopes, sameValue } from './fields.js';
import { matchesAny, owned } from './glob.js';
import type { Change, FieldChange, PlanNote } from './types.js';

export interface DiffPolicy {
  /** Delete remote integrations no file declares. */
  prune: boolean;
  /** Globs of keys that are never deleted: their removal from config leaves them unmanaged. */
  protect: readonly string[];
  /** When non-empty, only keys matching one of these globs are ever deleted; the rest stay unmanaged. */
  owns?: readonly string[];
}

export interface DiffContext {
  fingerprint: Fingerprinter;
  /** The fingerprint recorded at the last apply, if any. */
  recordedFingerprint: (uniqueKey: string, path: string) => string | undefined;
  /** Whether Nango refuses to create this provider without credentials. */
  requiresCredentials: (provider: string) => boolean;
}

export interface DiffResult {
  changes: Change[];
  unchanged: number;
  unmanaged: string[];
  notes: PlanNote[];
  /** Problems only the diff can see (they need the live state); any error stops the run. */
  diagnostics: Diagnostic[];
}

/** Desired × live → changes. Pure: no I/O, no printing. */
export function diffIntegrations(desired: DesiredState, live: LiveState, policy: DiffPolicy, ctx: DiffContext): DiffResult {
  const liveByKey = new Map(live.integrations.map((i) => [i.unique_key, i]));
  const claimed = new Set<string>();
  const result: DiffResult = { changes: [], unchanged: 0, unmanaged: [], notes: [], diagnostics: [] };

  for (const want of [...desired.integrations].sort((a, b) => compareKeys(a.unique_key, b.unique_key))) {
    claimed.add(want.unique_key);
    const current = liveByKey.get(want.unique_key);
    const previous = want.renamed_from !== undefined ? liveByKey.get(want.renamed_from) : undefined;
    if (want.renamed_from !== undefined) claimed.add(want.renamed_from);

    if (current && previous) {
      result.diagnostics.push(error(want, 'renamed_from', `both "${want.renamed_from}" and "${want.unique_key}" exist in Nango: delete one by hand, or drop renamed_from`));
      continue;
    }
    const base = current ?? previous;
    if (!base) {
      if (!want.credentials && ctx.requiresCredentials(want.provider)) {
        result.diagnostics.push(error(want, 'provider', `provider "${want.provider}" needs credentials to be created: add a credentials block`));
        continue;
      }
      result.changes.push({ action: 'create', unique_key: want.unique_key, provider: want.provider, fields: createFields(want, ctx) });
      continue;
    }
    if (base.provider !== want.provider) {
      if (previous) {
        result.diagnostics.push(error(want, 'provider', `cannot rename "${base.unique_key}" and change its provider in one step: rename first, then change the provider`));
        continue;
      }
      result.changes.push({
        action: 'replace',
        unique_key: want.unique_key,
        provider: want.provider,
        from_provider: base.provider,
        fields: [{ path: 'provider', before: base.provider, after: want.provider }, ...createFields(want, ctx)],
      });
      continue;
    }
    const { fields, notes } = updateFields(want, base, ctx);
    result.notes.push(...notes);
    if (previous) {
      result.changes.push({ action: 'rename', unique_key: want.unique_key, from_unique_key: previous.unique_key, provider: want.provider, fields });
    } else if (fields.length > 0) {
      result.changes.push({ action: 'update', unique_key: want.unique_key, provider: want.provider, fields });
    } else {
      result.unchanged++;
    }
  }

  for (const remote of [...live.integrations].sort((a, b) => compareKeys(a.unique_key, b.unique_key))) {
    if (claimed.has(remote.unique_key)) continue;
    if (policy.prune && !matchesAny(remote.unique_key, policy.protect) && owned(remote.unique_key, policy.owns)) {
      result.changes.push({ action: 'delete', unique_key: remote.unique_key, provider: remote.provider, fields: [] });
    } else {
      result.unmanaged.push(remote.unique_key);
    }
  }
  return result;
}

function createFields(want: DesiredIntegration, ctx: DiffContext): FieldChange[] {
  return managedValues(want).map(([path, value]) => field(want, path, undefined, value, ctx));
}

function updateFields(want: DesiredIntegration, live: LiveIntegration, ctx: DiffContext): { fields: FieldChange[]; notes: PlanNote[] } {
  const fields: FieldChange[] = [];
  const notes: PlanNote[] = [];
  if (want.display_name !== undefined && want.display_name !== live.display_name) {
    fields.push(field(want, 'display_name', live.display_name, want.display_name, ctx));
  }
  if (want.forward_webhooks !== undefined && want.forward_webhooks !== live.forward_webhooks) {
    fields.push(field(want, 'forward_webhooks', live.forward_webhooks, want.forward_webhooks, ctx));
  }
  const creds = want.credentials;
  if (creds) {
    const liveCreds = live.credentials;
    if (liveCreds === 'unreadable' || liveCreds === 'not-fetched') {
      const paths = managedValues(want).filter(([p]) => p.startsWith('credentials.'));
      const verdict = compareFingerprints(want, live.unique_key, paths, ctx);
      fields.push(...verdict.changed);
      if (verdict.changed.length === 0 && verdict.unverified.length > 0) {
        notes.push({ unique_key: want.unique_key, message: `credentials cannot be read: drift not detectable (cannot verify: no fingerprint for ${verdict.unverified.join(', ')})` });
      }
    } else if (liveCreds === null || liveCreds.type !== creds.type) {
      fields.push(field(want, 'credentials.type', liveCreds?.type ?? null, creds.type, ctx));
      for (const name of CREDENTIAL_FIELDS[creds.type]) {
        if (creds[name] !== undefined) fields.push(field(want, `credentials.${name}`, undefined, creds[name], ctx));
      }
    } else {
      for (const name of CREDENTIAL_FIELDS[creds.type]) {
        if (creds[name] === undefined) continue;
        const value = name === 'scopes' ? normaliseScopes(creds.scopes) : creds[name];
        const before = liveCredentialValue(liveCreds, name);
        if (!sameValue(before, value)) fields.push(field(want, `credentials.${name}`, before, value, ctx));
      }
    }
  }
  // Built only when there is any: most integrations have no integration_config.
  const config: Array<[string, unknown]> = want.integration_config ? managedValues(want).filter(([p]) => p.startsWith('integration_config.')) : [];
  if (config.length > 0) {
    const verdict = compareFingerprints(want, live.unique_key, config, ctx);
    fields.push(...verdict.changed);
    if (verdict.unverified.length > 0) {
      notes.push({ unique_key: want.unique_key, message: `integration_config is never returned by Nango: cannot verify ${verdict.unverified.join(', ')} (no fingerprint from an earlier apply)` });
    }
  }
  return { fields, notes };
}

/** For values the API does not show: compare with the fingerprint recorded at the last apply. */
function compareFingerprints(
  want: DesiredIntegration,
  liveKey: string,
  paths: Array<[string, unknown]>,
  ctx: DiffContext,
): { changed: FieldChange[]; unverified: string[] } {
  const changed: FieldChange[] = [];
  const unverified: string[] = [];
  for (const [path, value] of paths) {
    const recorded = ctx.recordedFingerprint(liveKey, path);
    if (recorded === undefined) unverified.push(path);
    else if (recorded !== ctx.fingerprint(liveKey, path, value)) {
      changed.push({ ...field(want, path, undefined, value, ctx), note: 'changed since last apply' });
    }
  }
  return { changed, unverified };
}

function field(want: DesiredIntegration, path: string, before: unknown, after: unknown, ctx: DiffContext): FieldChange {
  if (isSensitive(want, path)) {
    return { path, sensitive: true, after_fingerprint: ctx.fingerprint(want.unique_key, path, after) };
  }
  const change: FieldChange = { path };
  if (before !== undefined) change.before = before;
  change.after = after;
  return change;
}

function error(want: DesiredIntegration, path: string, message: string): Diagnostic {
  return { severity: 'error', message, path: `${want.unique_key}.${path}`, location: want.fieldSources[path] ?? want.source };
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
