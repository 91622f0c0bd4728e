// A converged daemon's reconciles plan the same nothing over and over: at 1,000 integrations the diff, the
// plan and their garbage are most of such a run's CPU. The plan is a pure function of its inputs, so when
// every one of them is the same as in the run just before, which planned no change, this run would plan no
// change either, and that run's outcome is reused. The inputs:
// - the config as loaded (the memo's result object: the same object means the same files, env files,
//   variable values and `*_FILE` secrets, see config-memo.ts);
// - the environment's remote (client, fingerprinter and, with it, the detail cache: a new host or key opens
//   a new one) and the policy flags;
// - the list answer, compared value by value (any field of any item, its order and its length). With the
//   list equal, every detail comes from the cache (same updated_at), and the cache holds what that run used:
//   it changes only inside a run, and any run that is not a converged one forgets the outcome kept;
// - the fingerprint state: every write the daemon makes to it, in any environment (two environments may
//   share a key, and with it a section), counts; the file is read once at start;
// - no full refresh due (it re-reads every detail, which may show what updated_at does not).
// Destructive changes, connection counts and the two-reads rule for deletes need a change to act on: a
// converged plan has none.
import type { EnvironmentResult } from '../config/types.js';
import type { ApiIntegration, NangoClient } from '../nango/types.js';
import type { PlanOutcome } from '../reconcile/plan-run.js';
import type { PolicyFlags } from '../reconcile/policy.js';
import type { FingerprintStore } from '../state/fingerprints.js';

/** Writes to any fingerprint section of this process so far. */
let stateWrites = 0;

/** The store, counting its writes (record, forget) in the process-wide count. */
export function countingStore(store: FingerprintStore): FingerprintStore {
  return {
    get: (key, path) => store.get(key, path),
    record(key, entries) {
      stateWrites++;
      store.record(key, entries);
    },
    forget(key) {
      stateWrites++;
      store.forget(key);
    },
    save: () => store.save(),
  };
}

export interface PlanInputs {
  /** The memo's result object (config-memo.ts): the same object for the same config. */
  loaded: EnvironmentResult;
  remote: object;
  flags: PolicyFlags;
  list: readonly ApiIntegration[];
  /** fingerprintWrites() read before the list was asked for. */
  stateWrites: number;
}

export function fingerprintWrites(): number {
  return stateWrites;
}

/** A planned outcome with nothing to change and nothing blocked. */
export function isConverged(outcome: PlanOutcome): outcome is Extract<PlanOutcome, { status: 'planned' }> {
  return outcome.status === 'planned' && outcome.plan.changes.length === 0;
}

export interface Kept {
  /** The inputs as first kept: keeping them again (not the equal ones just read) lets the new list die young. */
  inputs: PlanInputs;
  outcome: Extract<PlanOutcome, { status: 'planned' }>;
}

export interface ConvergedMemo {
  /**
   * What was kept, if `inputs` equal those it was planned from. Takes it out either way: only the run
   * right after a converged one may reuse it (keep it again when reused or planned anew).
   */
  take(inputs: PlanInputs): Kept | undefined;
  keep(inputs: PlanInputs, outcome: Extract<PlanOutcome, { status: 'planned' }>): void;
  /** After a failed run: the next one plans in full. */
  clear(): void;
}

export function createConvergedMemo(): ConvergedMemo {
  let kept: Kept | undefined;
  return {
    take(inputs) {
      const last = kept;
      kept = undefined;
      if (last === undefined) return undefined;
      const a = last.inputs;
      const same =
        a.loaded === inputs.loaded && a.remote === inputs.remote && a.flags === inputs.flags && a.stateWrites === inputs.stateWrites && sameJson(a.list, inputs.list);
      return same ? last : undefined;
    },
    keep(inputs, outcome) {
      kept = { inputs, outcome };
    },
    clear() {
      kept = undefined;
    },
  };
}

/**
 * Deep equality of two values parsed from JSON, keys in the same order (an answer that only reorders keys
 * is planned anew). Runs on every steady-state reconcile, in V8's interpreter (the image's --lite-mode):
 * no string building, no hashing.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x);
  const others = Object.keys(y);
  if (keys.length !== others.length) return false;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (key !== others[i] || !sameJson(x[key], y[key])) return false;
  }
  return true;
}

/** The client, with the list answer already read: planning uses it instead of asking again (one request). */
export function withListed(client: NangoClient, list: ApiIntegration[]): NangoClient {
  let pending: ApiIntegration[] | undefined = list;
  return {
    ...client,
    listIntegrations() {
      const answer = pending;
      pending = undefined;
      return answer !== undefined ? Promise.resolve(answer) : client.listIntegrations();
    },
  };
}
