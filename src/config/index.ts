// The config stage: -c paths → DesiredState. discover → load → interpolate → schema → semantics → normalise.
import { discoverConfigFiles } from './discover.js';
import { hasErrors, sortDiagnostics } from './diagnostics.js';
import type { ResolvedDocument } from './document.js';
import { createEnvLookup, readEnvFiles, referencePolicy } from './env.js';
import { interpolateDocument } from './interpolate-document.js';
import { loadConfigFile } from './load.js';
import { buildDesiredState } from './normalize.js';
import { validateSchema } from './schema.js';
import type { Diagnostic, LoadOptions, LoadResult } from './types.js';
import { validateSemantics } from './validate.js';

export { formatDiagnostic, hasErrors } from './diagnostics.js';
export { interpolateString } from './interpolate.js';
export type { InterpolateOptions, InterpolationResult, Lookup, LookupResult } from './interpolate.js';
export { CatalogUnavailableError, credentialsTypeFor, getProvider, requiresCredentials, suggestProviders } from './catalog.js';
export { discoverConfigFiles } from './discover.js';
export type { ConfigFile, Discovery } from './discover.js';
export type { CatalogProvider } from './catalog.js';
export { normalizeScopes } from './normalize.js';
export type * from './types.js';

/**
 * Reads every config file and returns the desired state, or, when anything is wrong, every
 * diagnostic of the run (all files, all stages) and no state. Never throws for bad input.
 */
export async function loadDesiredState(options: LoadOptions): Promise<LoadResult> {
  const cwd = options.cwd ?? process.cwd();
  const diagnostics: Diagnostic[] = [];

  const discovery = await discoverConfigFiles(options.paths, cwd);
  diagnostics.push(...discovery.diagnostics);

  const envFiles = await readEnvFiles(options.envFiles ?? [], cwd);
  diagnostics.push(...envFiles.diagnostics);
  const { lookup, watchPaths } = createEnvLookup(options.env, envFiles.values, cwd);
  const interpolation = {
    allowMissing: options.allowMissingEnv === true,
    checkName: referencePolicy(options.envPrefixes),
  };

  const docs: ResolvedDocument[] = [];
  const sensitiveValues: string[] = [];
  for (const file of discovery.files) {
    const loaded = await loadConfigFile(file);
    diagnostics.push(...loaded.diagnostics);
    if (!loaded.parsed) continue;
    const resolved = interpolateDocument(loaded.parsed, lookup, interpolation);
    diagnostics.push(...resolved.diagnostics);
    sensitiveValues.push(...resolved.sensitiveValues);
    diagnostics.push(...(await validateSchema(resolved.document)));
    docs.push(resolved.document);
  }
  diagnostics.push(...validateSemantics(docs));

  const sorted = sortDiagnostics(
    diagnostics,
    discovery.files.map((f) => f.display),
  );
  if (hasErrors(sorted)) return { diagnostics: sorted };
  const state = buildDesiredState(docs, {
    files: discovery.files.map((f) => f.path),
    extraWatchPaths: [...new Set([...envFiles.paths, ...watchPaths])].sort(),
    sensitiveValues,
  });
  return { state, diagnostics: sorted };
}
