// `--target GLOB` (like Terraform's -target): only integrations whose key matches are planned. The
// others are left out of the diff altogether, so no change of any kind (a delete by prune included) can
// reach them; they are reported as skipped. Pure: the caller reads Nango.
import type { DesiredIntegration } from '../config/types.js';
import type { LiveState } from '../nango/types.js';
import { globToRegExp } from './glob.js';

/** Compiled once: a plan may hold thousands of keys. */
function matcher(targets: readonly string[]): (key: string) => boolean {
  const patterns = targets.map(globToRegExp);
  return (key) => patterns.some((p) => p.test(key));
}

export interface TargetScope {
  /** The desired integrations to plan: key or renamed_from matching a target (a rename is inside when either side is). */
  desired: DesiredIntegration[];
  /** Whether a remote key is planned: it matches a target, or it is one side of a targeted rename. */
  insideLive(key: string): boolean;
}

/** Before the live state is read, so that details are fetched only for targeted integrations. */
export function targetScope(desired: readonly DesiredIntegration[], targets: readonly string[]): TargetScope {
  const matches = matcher(targets);
  const inside = desired.filter((i) => matches(i.unique_key) || (i.renamed_from !== undefined && matches(i.renamed_from)));
  const claimed = new Set(inside.flatMap((i) => (i.renamed_from === undefined ? [i.unique_key] : [i.unique_key, i.renamed_from])));
  return { desired: inside, insideLive: (key) => claimed.has(key) || matches(key) };
}

export interface Targeted {
  live: LiveState;
  /** Keys declared or in Nango that are not planned, sorted and once each. */
  skipped: string[];
  /** Targets that match no key of the config (unique_key or renamed_from) nor of Nango. */
  unmatched: string[];
}

/** Narrows the live state to the scope and lists what was left out. */
export function applyTargetScope(scope: TargetScope, desired: readonly DesiredIntegration[], live: LiveState, targets: readonly string[]): Targeted {
  const planned = new Set(scope.desired.map((i) => i.unique_key));
  const skipped = new Set<string>();
  for (const i of desired) if (!planned.has(i.unique_key)) skipped.add(i.unique_key);
  const integrations = live.integrations.filter((i) => {
    const inside = scope.insideLive(i.unique_key);
    if (!inside) skipped.add(i.unique_key);
    return inside;
  });
  const keys = [...desired.flatMap((i) => (i.renamed_from === undefined ? [i.unique_key] : [i.unique_key, i.renamed_from])), ...live.integrations.map((i) => i.unique_key)];
  const unmatched = targets.filter((t) => !keys.some(matcher([t])));
  return { live: { ...live, integrations }, skipped: [...skipped].sort(), unmatched };
}
