// The config stage: -c paths → DesiredState. discover → load → interpolate → schema → semantics → normalise.
// With an environments block, one DesiredState per environment: loadConfig once, resolveEnvironment each.
import { loadConfig, resolveEnvironment } from './load-config.js';
import type { LoadOptions, LoadResult } from './types.js';

export { formatDiagnostic, hasErrors } from './diagnostics.js';
export { interpolateString } from './interpolate.js';
export type { InterpolateOptions, InterpolationResult, Lookup, LookupResult } from './interpolate.js';
export { CatalogUnavailableError, credentialsTypeFor, getProvider, requiresCredentials, suggestProviders } from './catalog.js';
export { discoverConfigFiles } from './discover.js';
export type { ConfigFile, Discovery } from './discover.js';
export type { CatalogProvider } from './catalog.js';
export { normalizeScopes } from './normalize.js';
export { loadConfig, resolveEnvironment } from './load-config.js';
export type { LoadedConfig, ResolveOptions } from './load-config.js';
export { combineEnvironmentDiagnostics, ENVIRONMENT_VARIABLE, selectEnvironments } from './environment-select.js';
export type { Selection } from './environment-select.js';
export { DEFAULT_HOST } from './environment-target.js';
export type * from './types.js';

/**
 * Reads every config file and returns the desired state, or, when anything is wrong, every
 * diagnostic of the run (all files, all stages) and no state. Never throws for bad input.
 * With an environments block, `options.environment` names the one to resolve.
 */
export async function loadDesiredState(options: LoadOptions): Promise<LoadResult> {
  const { state, diagnostics } = await resolveEnvironment(await loadConfig(options), options.environment);
  return state ? { state, diagnostics } : { diagnostics };
}
