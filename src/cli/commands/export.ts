import { mkdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { LevelWithSilent } from 'pino';
import { credentialsTypeFor, getProvider } from '../../config/catalog.js';
import { combineEnvironmentDiagnostics, hasErrors, loadConfig, resolveEnvironment, selectEnvironments, type EnvironmentResult, type LoadedConfig } from '../../config/index.js';
import { copyEnvironmentsBlock } from '../../export/block.js';
import { renderEnvExample, renderVariableList } from '../../export/env-example.js';
import { exportIntegrations, type ExportResult } from '../../export/documents.js';
import { exportEnvironments, type EnvironmentIntegrations } from '../../export/environments.js';
import { readAllIntegrations } from '../../export/fetch.js';
import { createNangoClient } from '../../nango/client.js';
import type { RateLimitPacer } from '../../nango/pacer.js';
import { createPacerPool } from '../../nango/pacers.js';
import { NangoApiError, type LiveIntegration, type NangoClient } from '../../nango/types.js';
import type { CliLog } from '../cli-log.js';
import type { Redactor } from '../../redact.js';
import { escapeControls, showKey } from '../../escape.js';
import { gitignoreNote } from '../../export/gitignore-note.js';
import { SCHEMA_URL } from '../../export/schema-ref.js';
import { EXIT, UserError, type ExitCode } from '../exit-codes.js';
import { addConfigOptions, addEnvironmentOption, environmentOrigin, INTEGER_RANGES, loadOptions, maxListResponseBytesOption, maxResponseBytesOption, positiveInt, responseLimits } from '../options.js';
import { reportDiagnostics } from '../output.js';
import { createCliRuntime, DEFAULT_HOST, readSecretKey } from '../runtime.js';
import { writeStdout, writeStderr } from '../stdio.js';

interface ExportOptions {
  output?: string;
  split?: boolean;
  config?: string[];
  envFile?: string[];
  envPrefix?: string[];
  environment?: string[];
  concurrency: number;
  timeout: number;
  maxListResponseBytes: number;
  maxResponseBytes: number;
  logLevel: LevelWithSilent;
}

/** An environment of the config's environments block, resolved: where it is and its key (never printed). */
interface Source {
  name: string;
  host: string;
  secretKey: string;
}

type Target = { kind: 'stdout' } | { kind: 'file'; path: string } | { kind: 'dir'; path: string };

const ENV_EXAMPLE = '.env.example';
/** With -o DIR, the config's settings and environments block go here, apart from the integrations. */
const ENVIRONMENTS_FILE = 'environments.yaml';

export function registerExport(program: Command, run: (action: () => Promise<ExitCode>) => Promise<void>): void {
  const command = program
    .command('export')
    .description("write the environment's integrations as config (secrets as ${VAR} references) to adopt them")
    .option('-o, --output <path>', 'a directory (files + .env.example) or a .yaml file (default: YAML on stdout)')
    .option('--split', 'one <unique_key>.yaml file per integration (needs -o DIR)');
  addConfigOptions(command, 'config whose environments block names the environments to read, repeatable (default: none; ./nango with --environment)');
  addEnvironmentOption(command, 'read this environment of the -c config, repeatable (default: every declared one)');
  command
    .addOption(new Option('--concurrency <n>', 'parallel API requests').default(8).argParser(positiveInt('--concurrency', ...INTEGER_RANGES.concurrency)).env('NANGO_GITOPS_CONCURRENCY'))
    .addOption(new Option('--timeout <ms>', 'per-request timeout').default(30_000).argParser(positiveInt('--timeout', ...INTEGER_RANGES.timeout)).env('NANGO_GITOPS_TIMEOUT'))
    .addOption(maxListResponseBytesOption())
    .addOption(maxResponseBytesOption())
    .addOption(
      new Option('--log-level <level>', 'log level on stderr')
        .choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
        .default('warn')
        .env('NANGO_GITOPS_LOG_LEVEL'),
    )
    .action((opts: ExportOptions, cmd: Command) => run(() => exportCommand(opts, cmd)));
}

const credentialsTypeOf = (provider: string): ReturnType<typeof credentialsTypeFor> | undefined => {
  const mode = getProvider(provider)?.auth_mode;
  return mode === undefined ? undefined : credentialsTypeFor(mode);
};

async function exportCommand(opts: ExportOptions, cmd: Command): Promise<ExitCode> {
  const target = await resolveTarget(opts.output, opts.split === true);
  const environments = await readEnvironmentsConfig(opts, cmd);
  if (environments === 'failed') return EXIT.error;
  const refusing = await existingTargets(target, environments !== undefined);
  if (refusing.length > 0) throw new UserError(`refusing to overwrite ${refusing.join(', ')}: remove ${refusing.length === 1 ? 'it' : 'them'} or choose another -o`);

  let result: ExportResult;
  if (environments === undefined) {
    result = exportIntegrations(await readLive(opts), {
      split: opts.split === true,
      schemaRef: SCHEMA_URL,
      credentialsTypeOf,
      fileName: target.kind === 'file' ? basename(target.path) : undefined,
    });
  } else {
    const names = environments.sources.map((s) => s.name);
    const block = await copyEnvironmentsBlock(environments.block, names);
    result = exportEnvironments(await readEnvironments(opts, environments.sources), {
      split: opts.split === true,
      schemaRef: SCHEMA_URL,
      credentialsTypeOf,
      fileName: target.kind === 'file' ? basename(target.path) : undefined,
      head: block.head,
      headFile: target.kind === 'dir' ? ENVIRONMENTS_FILE : undefined,
      environments: { names, variables: block.variables },
    });
  }

  for (const n of result.notes) writeStderr(`note: ${showKey(n.unique_key)}${n.environment === undefined ? '' : ` (${escapeControls(n.environment)})`}: ${escapeControls(n.message)}\n`);
  await writeOutput(target, result);
  if (target.kind !== 'stdout') writeStderr(await gitignoreNote(process.cwd()));
  return EXIT.ok;
}

/**
 * The environments to read, from the config named with -c (or when --environment asks for one): their
 * hosts and keys, each resolved with only its own variables. undefined: one environment, NANGO_SECRET_KEY,
 * as without a config; 'failed': the problems were reported.
 */
async function readEnvironmentsConfig(opts: ExportOptions, cmd: Command): Promise<{ block: NonNullable<LoadedConfig['sources']['block']>; sources: Source[] } | undefined | 'failed'> {
  const requested = opts.environment ?? [];
  if ((opts.config ?? []).length === 0 && requested.length === 0) return undefined;
  const config = await loadConfig(loadOptions(opts));
  const selection = selectEnvironments(config, requested, environmentOrigin(cmd));
  if (hasErrors(config.diagnostics) || hasErrors(selection.diagnostics)) {
    reportDiagnostics([...config.diagnostics, ...selection.diagnostics], 'text');
    return 'failed';
  }
  const block = config.sources.block;
  if (!block) return undefined;
  const results: EnvironmentResult[] = [];
  for (const name of selection.names) results.push(await resolveEnvironment(config, name, { secretKey: true }));
  const diagnostics = combineEnvironmentDiagnostics(config, results);
  reportDiagnostics(diagnostics, 'text');
  const sources: Source[] = [];
  for (const r of results) {
    if (r.environment === undefined || r.host === undefined || r.secretKey === undefined || r.state === undefined) return 'failed';
    sources.push({ name: r.environment, host: r.host, secretKey: r.secretKey });
  }
  return { block, sources };
}

async function readLive(opts: ExportOptions): Promise<LiveIntegration[]> {
  const { redactor, log } = await createCliRuntime(opts);
  const secretKey = readSecretKey();
  redactor.add([secretKey], { caseInsensitive: true });
  const host = (process.env.NANGO_HOST?.trim() || DEFAULT_HOST).replace(/\/+$/, '');
  const live = await readAt(opts, redactor, log, { host, secretKey });
  log.info({ integrations: live.length }, 'read integrations');
  return live;
}

/**
 * Every environment at once, each with its own client; those on one host share a pacer (one rate limit
 * per account). One that cannot be read fails the export: a partial read would write the others'
 * integrations as missing from it.
 */
async function readEnvironments(opts: ExportOptions, sources: readonly Source[]): Promise<EnvironmentIntegrations[]> {
  const { redactor, log } = await createCliRuntime(opts);
  redactor.add(sources.map((s) => s.secretKey));
  const pacerFor = createPacerPool();
  const reads = await Promise.allSettled(sources.map((s) => readAt(opts, redactor, log.child({ environment: s.name }), { host: s.host, secretKey: s.secretKey, pacer: pacerFor(s.host) })));
  const failures = reads.flatMap((r, i) => {
    if (r.status === 'fulfilled') return [];
    const err: unknown = r.reason;
    const what = err instanceof NangoApiError ? `Nango API: ${err.message}` : err instanceof UserError ? err.message : undefined;
    if (what === undefined) throw err;
    const s = sources[i];
    // A NangoApiError's message is scrubbed where the server's text entered it; the rest is the tool's own words.
    return [`environment ${s?.name ?? ''} (${s?.host ?? ''}): ${what}`];
  });
  if (failures.length > 0) throw new UserError(`${failures.join('; ')}: nothing was written`);
  return sources.map((s, i) => {
    const r = reads[i];
    const integrations = r?.status === 'fulfilled' ? r.value : [];
    log.info({ environment: s.name, integrations: integrations.length }, 'read integrations');
    return { name: s.name, integrations };
  });
}

async function readAt(opts: ExportOptions, redactor: Redactor, log: CliLog, at: { host: string; secretKey: string; pacer?: RateLimitPacer }): Promise<LiveIntegration[]> {
  let client: NangoClient;
  try {
    client = createNangoClient({
      host: at.host,
      secretKey: at.secretKey,
      timeoutMs: opts.timeout,
      ...responseLimits(opts),
      redactor,
      ...(at.pacer ? { pacer: at.pacer } : {}),
      onResponse: (e) => log.debug({ method: e.method, route: e.route, status: e.status, ms: Math.round(e.durationMs), attempt: e.attempt }, 'nango request'),
    });
  } catch (err) {
    throw new UserError(err instanceof Error ? err.message : String(err));
  }
  const live = await readAllIntegrations(client, opts.concurrency);
  // Nothing below prints a credential, but any later error message is scrubbed of them all the same.
  for (const i of live) {
    if (i.credentials && typeof i.credentials === 'object') {
      redactor.add(Object.values(i.credentials).filter((v): v is string => typeof v === 'string'));
    }
  }
  return live;
}

async function resolveTarget(output: string | undefined, split: boolean): Promise<Target> {
  if (output === undefined || output === '') {
    if (split) throw new UserError('--split writes one file per integration: give a directory with -o DIR');
    return { kind: 'stdout' };
  }
  const path = resolve(output);
  const info = await stat(path).catch(() => undefined);
  if (info?.isDirectory() || (info === undefined && !/\.ya?ml$/i.test(path))) return { kind: 'dir', path };
  if (split) throw new UserError(`--split writes one file per integration: -o ${output} must be a directory`);
  return { kind: 'file', path };
}

/** Export adopts an environment once; overwriting hand-edited config would lose work silently. */
async function existingTargets(target: Target, environments: boolean): Promise<string[]> {
  if (target.kind === 'stdout') return [];
  if (target.kind === 'file') return (await exists(target.path)) ? [display(target.path)] : [];
  // File names depend on the keys, which are not known yet: check the ones that are, and re-check on write.
  const known = environments ? [ENVIRONMENTS_FILE, ENV_EXAMPLE] : [ENV_EXAMPLE];
  const found: string[] = [];
  for (const name of known) if (await exists(join(target.path, name))) found.push(display(join(target.path, name)));
  return found;
}

/** Relative to the working directory when inside it, as users typed it; absolute otherwise. */
function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function writeOutput(target: Target, result: ExportResult): Promise<void> {
  const count = result.documents.reduce((n, d) => n + d.unique_keys.length, 0);
  const names = result.environments?.names;
  const from = names === undefined ? '' : ` of environment${names.length === 1 ? '' : 's'} ${names.map(escapeControls).join(', ')}`;
  const summary = `Exported ${count} integration${count === 1 ? '' : 's'}${from}`;
  const variables = renderVariableList(result.variables, result.environments);
  const variableCount = result.variables.length + (result.environments?.variables.length ?? 0);
  if (target.kind === 'stdout') {
    writeStdout(result.documents.map((d) => d.content).join(''));
    writeStderr(`${summary}.\n${variables}`);
    return;
  }
  if (target.kind === 'file') {
    await mkdir(dirname(target.path), { recursive: true });
    await writeFile(target.path, result.documents.map((d) => d.content).join(''), { flag: 'wx' });
    writeStderr(`${summary} to ${display(target.path)}.\n${variables}`);
    return;
  }
  await mkdir(target.path, { recursive: true });
  const clashes: string[] = [];
  for (const d of result.documents) if (await exists(join(target.path, d.name))) clashes.push(display(join(target.path, d.name)));
  if (clashes.length > 0) throw new UserError(`refusing to overwrite ${clashes.join(', ')}: remove ${clashes.length === 1 ? 'it' : 'them'} or choose another -o`);
  for (const d of result.documents) await writeFile(join(target.path, d.name), d.content, { flag: 'wx' });
  const envExample = join(target.path, ENV_EXAMPLE);
  await writeFile(envExample, renderEnvExample(result.variables, result.environments), { flag: 'wx' });
  writeStderr(
    `${summary} to ${display(target.path)} (${result.documents.length} file${result.documents.length === 1 ? '' : 's'}). ` +
      `${display(envExample)} lists the ${variableCount} variable${variableCount === 1 ? '' : 's'} the config needs (no values).\n`,
  );
}
