// The config stage in two steps: loadConfig reads and parses every file once and checks what holds for
// every environment; resolveEnvironment then interpolates, validates and normalises one environment's
// view. Without an environments block the second step is exactly the single-environment stage.
import { discoverConfigFiles, type ConfigFile } from './discover.js';
import { error, hasErrors, sortDiagnostics } from './diagnostics.js';
import { locate, type ResolvedDocument } from './document.js';
import { createEnvLookup, readEnvFiles, referencePolicy, type EnvFiles } from './env.js';
import { defaultHost, resolveDefaultSecretKey, resolveHost, resolveSecretKey } from './environment-target.js';
import { environmentView } from './environment-view.js';
import { checkEnvironments, findEnvironmentsBlock, rawDocument, unknownEnvironment, type EnvironmentEntry, type EnvironmentsBlock } from './environments.js';
import { interpolateDocument } from './interpolate-document.js';
import { loadConfigFiles, type ParsedFile } from './load.js';
import { buildDesiredState } from './normalize.js';
import { validateSchema } from './schema.js';
import type { Diagnostic, EnvironmentConfig, EnvironmentResult, LoadOptions } from './types.js';
import { validateSemantics } from './validate.js';

/** What loadConfig read; resolveEnvironment works from it without reading any file again. */
export interface ConfigSources {
  options: LoadOptions;
  cwd: string;
  files: ConfigFile[];
  parsed: ParsedFile[];
  envFiles: EnvFiles;
  /** Every file was found and parsed: only then does "no environments block" mean there is none. */
  complete: boolean;
  block?: EnvironmentsBlock;
}

export interface LoadedConfig {
  /** undefined: no environments block, so one environment (NANGO_SECRET_KEY, NANGO_HOST) as always. */
  environments: EnvironmentConfig[] | undefined;
  /** Problems that concern every environment (files, YAML, the environments block and names); also in every result. */
  diagnostics: Diagnostic[];
  sources: ConfigSources;
}

export interface ResolveOptions {
  /** Also read the environment's secret key (plan, apply, daemon, export; validate never needs it). */
  secretKey?: boolean;
}

/** Reads and parses every config file, finds the environments block and checks it. Never throws for bad input. */
export async function loadConfig(options: LoadOptions): Promise<LoadedConfig> {
  const cwd = options.cwd ?? process.cwd();
  const diagnostics: Diagnostic[] = [];

  const discovery = await discoverConfigFiles(options.paths, cwd, options.defaultPath === true);
  diagnostics.push(...discovery.diagnostics);
  const envFiles = await readEnvFiles(options.envFiles ?? [], cwd);
  diagnostics.push(...envFiles.diagnostics);

  const parsed: ParsedFile[] = [];
  for (const loaded of loadConfigFiles(discovery.files)) {
    diagnostics.push(...loaded.diagnostics);
    if (loaded.parsed) parsed.push(loaded.parsed);
  }
  const complete = !hasErrors(diagnostics);

  const found = findEnvironmentsBlock(parsed);
  diagnostics.push(...found.diagnostics);
  const block = found.block;
  if (block) diagnostics.push(...(await checkEnvironments(parsed, block)));

  return {
    environments: block ? [...block.entries.values()].map(({ name, source }) => ({ name, source })) : undefined,
    diagnostics: sortDiagnostics(diagnostics, discovery.files.map((f) => f.display)),
    sources: { options, cwd, files: discovery.files, parsed, envFiles, complete, ...(block ? { block } : {}) },
  };
}

function fileOrder(sources: ConfigSources): string[] {
  return sources.files.map((f) => f.display);
}

function declaredNames(block: EnvironmentsBlock): string {
  return [...block.entries.keys()].join(', ');
}

/**
 * One environment's desired state (`name` undefined: the config has no environments block). Its
 * diagnostics include the config's own, so each result stands alone: no state when any is an error.
 */
export async function resolveEnvironment(config: LoadedConfig, name: string | undefined, options: ResolveOptions = {}): Promise<EnvironmentResult> {
  const { sources } = config;
  const { block } = sources;
  const fail = (extra: Diagnostic[]): EnvironmentResult => ({
    environment: name,
    diagnostics: sortDiagnostics([...config.diagnostics, ...extra], fileOrder(sources)),
  });
  if (name === undefined) {
    if (!block) return resolveSingle(config, options);
    const where = locate(rawDocument(block.file), '/environments', 'key');
    return fail([error(`this config declares environments (${declaredNames(block)}): name the ones to use (--environment)`, { location: where, path: 'environments' })]);
  }
  if (!block) {
    // A file that did not parse may be the one declaring environments: its own errors say enough.
    return fail(sources.complete ? [error(`environment "${name}" is not declared: this config has no environments block`)] : []);
  }
  const entry = block.entries.get(name);
  if (!entry) return fail([error(unknownEnvironment(name, block.entries.keys()))]);
  return resolveNamed(config, block, entry, options);
}

/** The single-environment stage, as it has always been: every file interpolated as written. */
async function resolveSingle(config: LoadedConfig, options: ResolveOptions): Promise<EnvironmentResult> {
  const { sources } = config;
  const env = sources.options.env;
  const diagnostics = [...config.diagnostics];
  const { lookup, watchPaths } = createEnvLookup(env, sources.envFiles.values, sources.cwd);
  const interpolation = {
    allowMissing: sources.options.allowMissingEnv === true,
    checkName: referencePolicy(sources.options.envPrefixes),
  };
  const docs: ResolvedDocument[] = [];
  const sensitiveValues: string[] = [];
  for (const parsed of sources.parsed) {
    const resolved = interpolateDocument(parsed, lookup, interpolation);
    diagnostics.push(...resolved.diagnostics);
    sensitiveValues.push(...resolved.sensitiveValues);
    diagnostics.push(...(await validateSchema(resolved.document)));
    docs.push(resolved.document);
  }
  diagnostics.push(...validateSemantics(docs));
  const host = defaultHost(env);
  const key = options.secretKey === true ? resolveDefaultSecretKey(env) : undefined;
  if (key) diagnostics.push(...key.diagnostics);

  const sorted = sortDiagnostics(diagnostics, fileOrder(sources));
  if (hasErrors(sorted)) return { environment: undefined, host, diagnostics: sorted };
  const state = buildDesiredState(docs, {
    files: sources.files.map((f) => f.path),
    extraWatchPaths: [...new Set([...sources.envFiles.paths, ...watchPaths])].sort(),
    sensitiveValues,
    host,
  });
  return { environment: undefined, host, state, diagnostics: sorted, ...(key?.secretKey !== undefined ? { secretKey: key.secretKey } : {}) };
}

/** One environment's view of every file, interpolated with only the variables it uses. */
async function resolveNamed(config: LoadedConfig, block: EnvironmentsBlock, entry: EnvironmentEntry, options: ResolveOptions): Promise<EnvironmentResult> {
  const { sources } = config;
  const env = sources.options.env;
  const diagnostics = [...config.diagnostics];
  // A fresh lookup per environment: its watch paths are the `_FILE` secrets this environment reads.
  const { lookup, watchPaths } = createEnvLookup(env, sources.envFiles.values, sources.cwd);
  const policy = referencePolicy(sources.options.envPrefixes);
  const checkName = (name: string): string | undefined =>
    block.keyVariables.has(name) || (name.endsWith('_FILE') && block.keyVariables.has(name.slice(0, -'_FILE'.length)))
      ? `${name} may not be referenced here: it holds the secret key of an environment`
      : policy(name);
  const interpolation = { allowMissing: sources.options.allowMissingEnv === true, checkName };

  const docs: ResolvedDocument[] = [];
  const sensitiveValues: string[] = [];
  for (const parsed of sources.parsed) {
    const view = environmentView(parsed, entry.name, block);
    const resolved = interpolateDocument(view, lookup, interpolation);
    diagnostics.push(...resolved.diagnostics);
    sensitiveValues.push(...resolved.sensitiveValues);
    // Integrations outside this environment are null placeholders: their checks are skipped like unknown values.
    const doc = view.excluded.length === 0 ? resolved.document : { ...resolved.document, missing: new Set([...resolved.document.missing, ...view.excluded]) };
    diagnostics.push(...(await validateSchema(doc)));
    docs.push(doc);
  }
  diagnostics.push(...validateSemantics(docs));

  const blockDoc = rawDocument(block.file);
  const host = resolveHost(blockDoc, entry, lookup, interpolation, env);
  diagnostics.push(...host.diagnostics);
  const key = options.secretKey === true ? resolveSecretKey(blockDoc, entry, lookup, referencePolicy(sources.options.envPrefixes, { allowNangoKey: true })) : undefined;
  if (key) diagnostics.push(...key.diagnostics);

  const sorted = sortDiagnostics(diagnostics, fileOrder(sources));
  const target = { environment: entry.name, ...(host.host !== undefined ? { host: host.host } : {}) };
  if (hasErrors(sorted)) return { ...target, diagnostics: sorted };
  const state = buildDesiredState(docs, {
    ...target,
    files: sources.files.map((f) => f.path),
    extraWatchPaths: [...new Set([...sources.envFiles.paths, ...watchPaths])].sort(),
    sensitiveValues: key?.secretKey !== undefined ? [...sensitiveValues, key.secretKey] : sensitiveValues,
  });
  return { ...target, state, diagnostics: sorted, ...(key?.secretKey !== undefined ? { secretKey: key.secretKey } : {}) };
}
