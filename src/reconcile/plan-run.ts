import { loadDesiredState } from '../config/index.js';
import { getProvider, requiresCredentials } from '../config/catalog.js';
import type { Diagnostic, DesiredState, LoadOptions, LoadResult } from '../config/types.js';
import { fetchLiveState, type DetailCache } from '../nango/live.js';
import type { NangoClient } from '../nango/types.js';
import { countConnections } from './connections.js';
import { diffIntegrations } from '../plan/diff.js';
import type { Fingerprinter } from '../plan/fingerprint.js';
import { buildPlan } from '../plan/plan.js';
import { applyTargetScope, targetScope } from '../plan/target.js';
import type { Change, Plan } from '../plan/types.js';
import { applySafetyRules } from '../safety/rules.js';
import type { FingerprintStore } from '../state/fingerprints.js';
import type { Redactor } from '../redact.js';
import { resolvePolicy, type PolicyFlags } from './policy.js';

export interface PlanRunDeps {
  client: NangoClient;
  fingerprints: FingerprintStore;
  fingerprint: Fingerprinter;
  redactor: Redactor;
  cache?: DetailCache;
  fullRefresh?: boolean;
  /** The config as the caller already loaded it (the daemon reads it to decide a run is due). */
  preloaded?: LoadResult;
}

export type PlanOutcome =
  | { status: 'invalid'; stage: 'config' | 'plan'; diagnostics: Diagnostic[] }
  | { status: 'planned'; plan: Plan; desired: DesiredState; diagnostics: Diagnostic[]; requests: number; unmatchedTargets: string[] };

/** Stages load → fetch → diff → connections → safety. Throws NangoApiError when Nango fails. */
export async function planRun(load: LoadOptions, flags: PolicyFlags, concurrency: number, deps: PlanRunDeps): Promise<PlanOutcome> {
  return planLoaded(deps.preloaded ?? (await loadDesiredState(load)), flags, concurrency, deps);
}

/** planRun for a config already loaded (one environment's resolveEnvironment result). Throws NangoApiError when Nango fails. */
export async function planLoaded(loaded: LoadResult, flags: PolicyFlags, concurrency: number, deps: Omit<PlanRunDeps, 'preloaded'>): Promise<PlanOutcome> {
  const desired = loaded.state;
  if (!desired) return { status: 'invalid', stage: 'config', diagnostics: loaded.diagnostics };
  deps.redactor.add(desired.sensitiveValues);

  const policy = resolvePolicy(flags, desired.settings);
  const targets = flags.target ?? [];
  const scope = targets.length > 0 ? targetScope(desired.integrations, targets) : undefined;
  const planned = scope ? { ...desired, integrations: scope.desired } : desired;
  const detailKeys = new Set<string>();
  for (const i of planned.integrations) {
    if (!i.credentials) continue;
    detailKeys.add(i.unique_key);
    if (i.renamed_from !== undefined) detailKeys.add(i.renamed_from);
  }
  const fetched = await fetchLiveState(deps.client, {
    detailKeys,
    concurrency,
    cache: deps.cache,
    fullRefresh: deps.fullRefresh,
  });
  const targeted = scope ? applyTargetScope(scope, desired.integrations, fetched.live, targets) : undefined;
  const diff = diffIntegrations(planned, targeted?.live ?? fetched.live, policy, {
    fingerprint: deps.fingerprint,
    recordedFingerprint: (key, path) => deps.fingerprints.get(key, path),
    requiresCredentials: (provider) => {
      const mode = getProvider(provider)?.auth_mode;
      return mode !== undefined && requiresCredentials(mode);
    },
  });
  const diagnostics = [...loaded.diagnostics, ...diff.diagnostics];
  if (diff.diagnostics.some((d) => d.severity === 'error')) return { status: 'invalid', stage: 'plan', diagnostics };

  await countConnections(diff.changes, deps.client, concurrency);
  scrubLiveValues(diff.changes, deps.redactor);
  const built = buildPlan(diff);
  // Outside the digest: the keys left out change nothing that is applied.
  if (targeted) built.skipped = targeted.skipped;
  // The whole config's count: a target that matches only remote keys is not an empty config.
  const plan = applySafetyRules(built, policy, { declared: desired.integrations.length });
  return { status: 'planned', plan, desired, diagnostics, requests: fetched.requests, unmatchedTargets: targeted?.unmatched ?? [] };
}

/**
 * A `before` value is what the API stores, shown beside the config's: scrubbed like any text from
 * the server (a server may have stored what it was sent in another field). Before the digest is taken,
 * so that plan and apply agree.
 */
function scrubLiveValues(changes: readonly Change[], redactor: Redactor): void {
  for (const change of changes) {
    for (const field of change.fields) {
      // A provider is an identifier from Nango's catalog, shown in the change's headline too.
      if (field.path === 'provider') continue;
      const before = field.before;
      if (typeof before === 'string') field.before = redactor.scrubStored(before);
      else if (Array.isArray(before)) field.before = before.map((v: unknown) => (typeof v === 'string' ? redactor.scrubStored(v) : v));
    }
  }
}
