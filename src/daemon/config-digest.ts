// How the daemon tells "the config changed" from "a file was touched": the resolved config's digest,
// or, for a config that does not load, a digest of its diagnostics (so a second broken version that
// breaks differently is reported again, and the same breakage is not).
import { formatDiagnostic } from '../config/diagnostics.js';
import type { DesiredState, LoadResult } from '../config/types.js';
import { canonicalJson, sha256Hex } from '../plan/canonical.js';

export function configFingerprint(result: LoadResult): string {
  if (result.state) return result.state.digest;
  return `invalid:${sha256Hex(result.diagnostics.map(formatDiagnostic).join('\n'))}`;
}

/** Per unique_key, a hash of what is declared (secrets included: they are hashed, never kept). */
export function integrationHashes(state: DesiredState): Map<string, string> {
  const hashes = new Map<string, string>();
  for (const i of state.integrations) {
    const declared = {
      provider: i.provider,
      display_name: i.display_name,
      forward_webhooks: i.forward_webhooks,
      renamed_from: i.renamed_from,
      credentials: i.credentials,
      integration_config: i.integration_config,
    };
    hashes.set(i.unique_key, sha256Hex(canonicalJson(declared)));
  }
  return hashes;
}

/**
 * Remote keys whose cached detail read should not be trusted this run: those whose declaration is new
 * or changed (and the key a rename comes from), so a changed declaration is compared with a fresh read.
 */
export function keysToRefetch(previous: ReadonlyMap<string, string> | undefined, state: DesiredState, next: ReadonlyMap<string, string>): Set<string> {
  const keys = new Set<string>();
  if (previous === undefined) return keys;
  for (const i of state.integrations) {
    if (previous.get(i.unique_key) === next.get(i.unique_key)) continue;
    keys.add(i.unique_key);
    if (i.renamed_from !== undefined) keys.add(i.renamed_from);
  }
  return keys;
}
