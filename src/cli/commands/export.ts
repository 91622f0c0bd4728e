import { mkdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { LevelWithSilent } from 'pino';
import { credentialsTypeFor, getProvider } from '../../config/catalog.js';
import { renderEnvExample, renderVariableList } from '../../export/env-example.js';
import { exportIntegrations, type ExportResult } from '../../export/documents.js';
import { readAllIntegrations } from '../../export/fetch.js';
import { createNangoClient } from '../../nango/client.js';
import type { LiveIntegration, NangoClient } from '../../nango/types.js';
import { escapeControls, showKey } from '../../escape.js';
import { gitignoreNote } from '../../export/gitignore-note.js';
import { SCHEMA_URL } from '../../export/schema-ref.js';
import { EXIT, UserError, type ExitCode } from '../exit-codes.js';
import { INTEGER_RANGES, maxListResponseBytesOption, maxResponseBytesOption, positiveInt, responseLimits } from '../options.js';
import { createRuntime, DEFAULT_HOST, readSecretKey } from '../runtime.js';

interface ExportOptions {
  output?: string;
  split?: boolean;
  concurrency: number;
  timeout: number;
  maxListResponseBytes: number;
  maxResponseBytes: number;
  logLevel: LevelWithSilent;
}

type Target = { kind: 'stdout' } | { kind: 'file'; path: string } | { kind: 'dir'; path: string };

const ENV_EXAMPLE = '.env.example';

export function registerExport(program: Command, run: (action: () => Promise<ExitCode>) => Promise<void>): void {
  program
    .command('export')
    .description("write the environment's integrations as config (secrets as ${VAR} references) to adopt them")
    .option('-o, --output <path>', 'a directory (files + .env.example) or a .yaml file (default: YAML on stdout)')
    .option('--split', 'one <unique_key>.yaml file per integration (needs -o DIR)')
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
    .action((opts: ExportOptions) => run(() => exportCommand(opts)));
}

async function exportCommand(opts: ExportOptions): Promise<ExitCode> {
  const target = await resolveTarget(opts.output, opts.split === true);
  const refusing = await existingTargets(target);
  if (refusing.length > 0) throw new UserError(`refusing to overwrite ${refusing.join(', ')}: remove ${refusing.length === 1 ? 'it' : 'them'} or choose another -o`);

  const live = await readLive(opts);
  const result = exportIntegrations(live, {
    split: opts.split === true,
    schemaRef: SCHEMA_URL,
    credentialsTypeOf: (provider) => {
      const mode = getProvider(provider)?.auth_mode;
      return mode === undefined ? undefined : credentialsTypeFor(mode);
    },
    fileName: target.kind === 'file' ? basename(target.path) : undefined,
  });

  for (const n of result.notes) process.stderr.write(`note: ${showKey(n.unique_key)}: ${escapeControls(n.message)}\n`);
  await writeOutput(target, result);
  if (target.kind !== 'stdout') process.stderr.write(await gitignoreNote(process.cwd()));
  return EXIT.ok;
}

async function readLive(opts: ExportOptions): Promise<LiveIntegration[]> {
  const { redactor, log } = createRuntime(opts);
  const secretKey = readSecretKey();
  redactor.add([secretKey], { caseInsensitive: true });
  const host = (process.env.NANGO_HOST?.trim() || DEFAULT_HOST).replace(/\/+$/, '');
  let client: NangoClient;
  try {
    client = createNangoClient({
      host,
      secretKey,
      timeoutMs: opts.timeout,
      ...responseLimits(opts),
      redactor,
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
  log.info({ integrations: live.length }, 'read integrations');
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
async function existingTargets(target: Target): Promise<string[]> {
  if (target.kind === 'stdout') return [];
  if (target.kind === 'file') return (await exists(target.path)) ? [display(target.path)] : [];
  // File names depend on the keys, which are not known yet: check the ones that are, and re-check on write.
  return (await exists(join(target.path, ENV_EXAMPLE))) ? [display(join(target.path, ENV_EXAMPLE))] : [];
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
  const summary = `Exported ${count} integration${count === 1 ? '' : 's'}`;
  if (target.kind === 'stdout') {
    process.stdout.write(result.documents.map((d) => d.content).join(''));
    process.stderr.write(`${summary}.\n${renderVariableList(result.variables)}`);
    return;
  }
  if (target.kind === 'file') {
    await mkdir(dirname(target.path), { recursive: true });
    await writeFile(target.path, result.documents.map((d) => d.content).join(''), { flag: 'wx' });
    process.stderr.write(`${summary} to ${display(target.path)}.\n${renderVariableList(result.variables)}`);
    return;
  }
  await mkdir(target.path, { recursive: true });
  const clashes: string[] = [];
  for (const d of result.documents) if (await exists(join(target.path, d.name))) clashes.push(display(join(target.path, d.name)));
  if (clashes.length > 0) throw new UserError(`refusing to overwrite ${clashes.join(', ')}: remove ${clashes.length === 1 ? 'it' : 'them'} or choose another -o`);
  for (const d of result.documents) await writeFile(join(target.path, d.name), d.content, { flag: 'wx' });
  const envExample = join(target.path, ENV_EXAMPLE);
  await writeFile(envExample, renderEnvExample(result.variables), { flag: 'wx' });
  process.stderr.write(
    `${summary} to ${display(target.path)} (${result.documents.length} file${result.documents.length === 1 ? '' : 's'}). ` +
      `${display(envExample)} lists the ${result.variables.length} variable${result.variables.length === 1 ? '' : 's'} the config needs (no values).\n`,
  );
}
