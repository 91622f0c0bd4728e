// Which environments a command works on, and one list of diagnostics for several of them.
import { error, formatLocation, sortDiagnostics } from './diagnostics.js';
import { locate } from './document.js';
import { rawDocument, unknownEnvironment } from './environments.js';
import type { LoadedConfig } from './load-config.js';
import type { Diagnostic, EnvironmentResult } from './types.js';

export const ENVIRONMENT_VARIABLE = 'NANGO_GITOPS_ENVIRONMENT';

export interface Selection {
  /** In declaration order; `[undefined]` for a config without an environments block. */
  names: Array<string | undefined>;
  diagnostics: Diagnostic[];
}

/**
 * `--environment` names (repeatable, comma-separated too) or NANGO_GITOPS_ENVIRONMENT (`origin: 'env'`);
 * none means every declared environment. An unknown name is an error with a did-you-mean.
 */
export function selectEnvironments(config: LoadedConfig, requested: readonly string[] = [], origin: 'flag' | 'env' = 'flag'): Selection {
  const wanted = [...new Set(requested.flatMap((r) => r.split(',')).map((r) => r.trim()).filter((r) => r !== ''))];
  const problem = (name: string, message: string): Diagnostic =>
    origin === 'env' ? error(`"${name}": ${message}`, { envVar: ENVIRONMENT_VARIABLE }) : error(`--environment ${name}: ${message}`);
  const { block, complete } = config.sources;
  if (!block) {
    // Incomplete: a file that did not parse may declare them; resolving reports that file's errors.
    if (wanted.length === 0 || !complete) return { names: [undefined], diagnostics: [] };
    return {
      names: [],
      diagnostics: wanted.map((name) => problem(name, 'this config declares no environments (it manages one, with NANGO_SECRET_KEY); add an environments: block to name them')),
    };
  }
  const declared = [...block.entries.keys()];
  if (declared.length === 0) return { names: [], diagnostics: [error('the environments block declares no environment')] };
  if (wanted.length === 0) return { names: declared, diagnostics: [] };
  const diagnostics: Diagnostic[] = [];
  const at = formatLocation(locate(rawDocument(block.file), '/environments', 'key'));
  for (const name of wanted) {
    if (!block.entries.has(name)) diagnostics.push(problem(name, `${unknownEnvironment(name, declared)} (at ${at})`));
  }
  return { names: declared.filter((n) => wanted.includes(n)), diagnostics };
}

function label(names: readonly string[]): string {
  return names.length === 1 ? `(environment ${names[0]})` : `(environments ${names.join(', ')})`;
}

/**
 * The diagnostics of several environments' results as one list: each problem once, and those that only
 * some environments have (a variable only prod reads, an override's error) tagged with their names.
 */
export function combineEnvironmentDiagnostics(config: LoadedConfig, results: readonly EnvironmentResult[]): Diagnostic[] {
  const found = new Map<string, { diagnostic: Diagnostic; environments: string[] }>();
  // The config's own problems first: they hold with no environment resolved, too.
  for (const result of [{ environment: undefined, diagnostics: config.diagnostics }, ...results]) {
    for (const d of result.diagnostics) {
      const id = JSON.stringify([d.severity, d.message, d.path, d.location?.file, d.location?.line, d.location?.column, d.envVar]);
      const seen = found.get(id);
      if (!seen) found.set(id, { diagnostic: d, environments: result.environment === undefined ? [] : [result.environment] });
      else if (result.environment !== undefined && !seen.environments.includes(result.environment)) seen.environments.push(result.environment);
    }
  }
  const out = [...found.values()].map(({ diagnostic, environments }) =>
    environments.length > 0 && environments.length < results.length ? { ...diagnostic, message: `${diagnostic.message} ${label(environments)}` } : diagnostic,
  );
  return sortDiagnostics(out, config.sources.files.map((f) => f.display));
}
