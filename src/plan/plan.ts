import type { DiffResult } from './diff.js';
import { canonicalJson, sha256Hex } from './canonical.js';
import type { Change, Plan, Summary } from './types.js';

export function buildPlan(diff: DiffResult): Plan {
  let digest: string | undefined;
  const plan: Plan = {
    format_version: 1,
    changes: diff.changes,
    summary: summarise(diff.changes, diff.unchanged, diff.unmanaged.length),
    unmanaged: diff.unmanaged,
    notes: diff.notes,
    // Taken when first read (a plan file, JSON output, the check of a reviewed plan), not for every text plan. What
    // it covers is final here: the safety rules then set `blocked`, apply sets `result` and `error`, all outside it.
    get digest() {
      return (digest ??= planDigest(plan));
    },
  };
  return plan;
}

export function summarise(changes: readonly Change[], unchanged: number, unmanaged: number): Summary {
  const summary: Summary = { create: 0, update: 0, rename: 0, delete: 0, replace: 0, unchanged, unmanaged };
  for (const c of changes) summary[c.action]++;
  return summary;
}

/**
 * Identifies what a reviewer saw: the changes (with connection counts and secret fingerprints) and the
 * unmanaged keys. Results of an apply and safety verdicts are left out; verdicts depend on flags, which
 * are re-checked at apply time anyway.
 */
export function planDigest(plan: Pick<Plan, 'changes' | 'unmanaged'>): string {
  const changes = plan.changes.map(({ result: _r, error: _e, blocked: _b, ...rest }) => rest);
  return sha256Hex(canonicalJson({ changes, unmanaged: plan.unmanaged }));
}

export function hasChanges(plan: Plan): boolean {
  return plan.changes.length > 0;
}

export function isBlocked(plan: Plan): boolean {
  return plan.changes.some((c) => c.blocked !== undefined);
}
