// The run of ONE environment: its resolved config → live state → diff → safety rules → apply or not,
// returned as an outcome (data; nothing printed). The CLI and the daemon only choose environments,
// render outcomes and set exit codes or readiness. A failure here never throws for Nango's sake: an
// unreachable host or a refused key is this environment's `failed` outcome, so other environments go on.
import { applyPlan } from '../apply/apply.js';
import type { DesiredState, Diagnostic, EnvironmentResult } from '../config/types.js';
import { apiErrorKind, type ErrorKind } from '../error-kind.js';
import type { DetailCache } from '../nango/live.js';
import { NangoApiError } from '../nango/types.js';
import { isBlocked } from '../plan/plan.js';
import type { Change, EnvironmentStage, EnvironmentStatus, Plan } from '../plan/types.js';
import type { Redactor } from '../redact.js';
import { planLoaded } from './plan-run.js';
import type { PolicyFlags } from './policy.js';
import type { Remote } from './remotes.js';

export type { EnvironmentStage, EnvironmentStatus };

export interface EnvironmentOutcome {
  /** undefined for a config without an environments block. */
  environment: string | undefined;
  /** undefined only when the environment's host could not be resolved. */
  host: string | undefined;
  status: EnvironmentStatus;
  /** Set unless planned or applied. */
  stage?: EnvironmentStage;
  /** The plan (with a result per change once applied); absent when invalid or when Nango failed before it. */
  plan?: Plan;
  desired?: DesiredState;
  /** This environment's diagnostics (the config's own included), errors and warnings. */
  diagnostics: Diagnostic[];
  /** One line saying why it was not planned or applied; scrubbed, safe to print (escape it for the output). */
  error?: string;
  /** Status failed at stage api: what failed (the key, the network, or Nango's answer). */
  errorKind?: ErrorKind;
  /** API attempts of the live-state read. */
  requests?: number;
  /** `--target` globs that match no key of this environment's config or live state (set when planned). */
  unmatchedTargets?: string[];
  /** The remote it ran against, for applyEnvironment (not part of any rendered output). */
  remote?: Remote;
}

export interface PlanEnvironmentInput {
  /** resolveEnvironment's result for this environment. */
  resolved: EnvironmentResult;
  /**
   * The environment's remote; called only once its config resolved (so an invalid environment opens
   * nothing). An Error thrown here (a host or proxy that cannot be used) makes the outcome `failed`.
   */
  connect: () => Remote;
  flags: PolicyFlags;
  concurrency: number;
  redactor: Redactor;
  cache?: DetailCache;
  fullRefresh?: boolean;
}

export interface ApplyEnvironmentOptions {
  concurrency: number;
  /** `apply --plan-file`: the reviewed plan's digest; another plan is refused (stage `review`). */
  reviewedDigest?: string;
  onResult?: (change: Change) => void;
}

/** Stages up to the safety rules. Status: invalid, planned, refused (stage safety) or failed (stage api). */
export async function planEnvironment(input: PlanEnvironmentInput): Promise<EnvironmentOutcome> {
  const { resolved, redactor } = input;
  const base = { environment: resolved.environment, host: resolved.state?.host ?? resolved.host };
  if (!resolved.state) return { ...base, status: 'invalid', stage: 'config', diagnostics: resolved.diagnostics };
  redactor.add(resolved.state.sensitiveValues);

  let remote: Remote;
  try {
    remote = input.connect();
  } catch (err) {
    // The tool's own words (a host or proxy setting it cannot use): not scrubbed.
    return { ...base, status: 'failed', stage: 'api', errorKind: 'usage', diagnostics: resolved.diagnostics, error: err instanceof Error ? err.message : String(err) };
  }
  try {
    const outcome = await planLoaded({ state: resolved.state, diagnostics: resolved.diagnostics }, input.flags, input.concurrency, {
      client: remote.client,
      fingerprints: remote.fingerprints,
      fingerprint: remote.fingerprint,
      redactor,
      ...(input.cache ? { cache: input.cache } : {}),
      ...(input.fullRefresh !== undefined ? { fullRefresh: input.fullRefresh } : {}),
    });
    if (outcome.status === 'invalid') return { ...base, status: 'invalid', stage: outcome.stage, diagnostics: outcome.diagnostics, remote };
    const planned = { ...base, plan: outcome.plan, desired: outcome.desired, diagnostics: outcome.diagnostics, requests: outcome.requests, unmatchedTargets: outcome.unmatchedTargets, remote };
    if (!isBlocked(outcome.plan)) return { ...planned, status: 'planned' };
    const blocked = outcome.plan.changes.filter((c) => c.blocked !== undefined).length;
    return { ...planned, status: 'refused', stage: 'safety', error: `a safety rule refused the plan (${blocked} change${blocked === 1 ? '' : 's'} blocked); nothing applied` };
  } catch (err) {
    if (!(err instanceof NangoApiError)) throw err;
    return { ...base, status: 'failed', stage: 'api', errorKind: apiErrorKind(err), diagnostics: resolved.diagnostics, error: `Nango API: ${err.message}`, remote };
  }
}

/**
 * Applies a planned environment. A reviewed digest is compared first (a plan that is not the reviewed
 * one is refused even when a safety rule would also refuse it). Outcomes other than planned or
 * safety-refused are returned as they are.
 */
export async function applyEnvironment(planned: EnvironmentOutcome, options: ApplyEnvironmentOptions): Promise<EnvironmentOutcome> {
  const { plan, desired, remote } = planned;
  if (!plan || !desired || !remote || (planned.status !== 'planned' && planned.status !== 'refused')) return planned;
  if (options.reviewedDigest !== undefined && options.reviewedDigest !== plan.digest) {
    return { ...planned, status: 'refused', stage: 'review', error: 'the plan differs from the reviewed one (live state or config changed since review); nothing applied' };
  }
  if (planned.status === 'refused') return planned;
  if (plan.changes.length === 0) return { ...planned, status: 'applied' };
  const result = await applyPlan(plan, {
    client: remote.client,
    desired,
    concurrency: options.concurrency,
    fingerprints: remote.fingerprints,
    fingerprint: remote.fingerprint,
    ...(options.onResult ? { onResult: options.onResult } : {}),
  });
  const failed = result.changes.filter((c) => c.result !== 'applied').length;
  if (failed === 0) return { ...planned, plan: result, status: 'applied' };
  const total = result.changes.length;
  return { ...planned, plan: result, status: 'failed', stage: 'apply', error: `${failed} of ${total} change${total === 1 ? '' : 's'} not applied` };
}
