import { Command, InvalidArgumentError, Option } from 'commander';
import type { LevelWithSilent } from 'pino';
import { DEFAULT_CONFIG_PATH } from '../config/discover.js';
import type { LoadOptions } from '../config/types.js';
import type { PolicyFlags } from '../reconcile/policy.js';

/** Every flag can also come from the environment (Kubernetes manifests prefer env): NANGO_GITOPS_<FLAG>. */
const env = (flag: string): string => `NANGO_GITOPS_${flag.toUpperCase().replace(/-/g, '_')}`;

const collect = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  ...value.split(',').map((v) => v.trim()).filter((v) => v !== ''),
];

/** The accepted range of each integer flag (docs/cli.md lists them). */
export const INTEGER_RANGES = {
  /** Node's timers fire at once beyond 2^31-1 ms. */
  timeout: [1, 2_147_483_647],
  concurrency: [1, 256],
  maxDeletes: [0, 10_000],
  /** 1 KiB .. 1 GiB: below that no real answer fits, above it the process would run out of memory first. */
  responseBytes: [1024, 1024 * 1024 * 1024],
} as const satisfies Record<string, readonly [number, number]>;

/**
 * Decimal digits only, within [min, max]. Number() would take `0x10`, `1e3`, ` 5`, `5.0`, `+5` and
 * `""` (as 0), and `1e99` passes Number.isInteger.
 */
export function positiveInt(name: string, min = 1, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
    if (!(n >= min && n <= max)) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}, in decimal digits`);
    return n;
  };
}

export const FORMATS = ['text', 'json', 'markdown', 'github'] as const;
export type Format = (typeof FORMATS)[number];

export interface CommonOptions {
  config?: string[];
  envFile?: string[];
  envPrefix?: string[];
  format?: Format;
  logLevel: LevelWithSilent;
}

export interface RemoteOptions extends CommonOptions {
  concurrency: number;
  environment?: string[];
  prune?: boolean;
  protect?: string[];
  owns?: string[];
  maxDeletes?: number;
  allowReplace?: boolean;
  allowDeleteConnections?: boolean;
  allowEmpty?: boolean;
  /** plan and apply only (the daemon has no --target). */
  target?: string[];
  detailedExitcode?: boolean;
  state: string;
  timeout: number;
  maxListResponseBytes: number;
  maxResponseBytes: number;
}

/** Where the config is and what its ${VAR} references may read. */
export function addConfigOptions(cmd: Command, configDescription = 'config file or directory, repeatable (default: ./nango)'): Command {
  return cmd
    .addOption(new Option('-c, --config <path>', configDescription).env('NANGO_GITOPS_CONFIG').argParser(collect))
    .addOption(new Option('--env-file <path>', 'dotenv file for ${VAR} interpolation, repeatable').env(env('env-file')).argParser(collect))
    .addOption(new Option('--env-prefix <prefix>', 'interpolation may read only variables with this prefix, repeatable').env(env('env-prefix')).argParser(collect));
}

/** `--environment NAME`, repeatable and comma-separated (also NANGO_GITOPS_ENVIRONMENT); none: every declared one. */
export function addEnvironmentOption(cmd: Command, description = "an environment of the config's environments block, repeatable (default: every one)"): Command {
  return cmd.addOption(new Option('--environment <name>', description).env(env('environment')).argParser(collect));
}

/** Whether --environment came from NANGO_GITOPS_ENVIRONMENT, so that errors name the variable instead of the flag. */
export function environmentOrigin(cmd: Command): 'flag' | 'env' {
  return cmd.getOptionValueSource('environment') === 'env' ? 'env' : 'flag';
}

export function addCommonOptions(cmd: Command): Command {
  return addConfigOptions(cmd)
    .addOption(new Option('--format <format>', 'output format (default: text, or github under GITHUB_ACTIONS)').choices(FORMATS).env(env('format')))
    .addOption(new Option('--log-level <level>', 'log level on stderr').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn').env(env('log-level')));
}

export function addRemoteOptions(cmd: Command): Command {
  return addCommonOptions(cmd)
    .addOption(new Option('--concurrency <n>', 'parallel API requests').default(8).argParser(positiveInt('--concurrency', ...INTEGER_RANGES.concurrency)).env(env('concurrency')))
    .addOption(new Option('--prune', 'delete remote integrations that no file declares'))
    .addOption(new Option('--no-prune', 'never delete (overrides settings.prune)'))
    .addOption(new Option('--protect <glob>', 'keys that are never deleted or replaced, repeatable').env(env('protect')).argParser(collect))
    .addOption(new Option('--owns <glob>', 'only keys matching are ever deleted, replaced or renamed (overrides settings.owns), repeatable').env(env('owns')).argParser(collect))
    .addOption(new Option('--max-deletes <n>', 'refuse a plan with more deletes + replaces (default 1)').argParser(positiveInt('--max-deletes', ...INTEGER_RANGES.maxDeletes)).env(env('max-deletes')))
    .addOption(new Option('--allow-replace', 'allow provider changes (delete + create, destroys connections)'))
    .addOption(new Option('--allow-delete-connections', 'allow deleting or replacing integrations that have connections'))
    .addOption(new Option('--allow-empty', 'allow a prune when the config declares no integration'))
    .addOption(new Option('--state <path>', 'fingerprints of applied secrets').default('.nango-gitops/state.json').env(env('state')))
    .addOption(new Option('--timeout <ms>', 'per-request timeout').default(30_000).argParser(positiveInt('--timeout', ...INTEGER_RANGES.timeout)).env(env('timeout')))
    .addOption(maxListResponseBytesOption())
    .addOption(maxResponseBytesOption());
}

// An answer beyond these is a broken or hostile server: fail with one line, never run out of memory.
export const maxListResponseBytesOption = (): Option =>
  new Option('--max-list-response-bytes <n>', 'largest GET /integrations answer read, in bytes')
    .default(16 * 1024 * 1024)
    .argParser(positiveInt('--max-list-response-bytes', ...INTEGER_RANGES.responseBytes))
    .env(env('max-list-response-bytes'));
export const maxResponseBytesOption = (): Option =>
  new Option('--max-response-bytes <n>', 'largest answer to any other API request, in bytes')
    .default(1024 * 1024)
    .argParser(positiveInt('--max-response-bytes', ...INTEGER_RANGES.responseBytes))
    .env(env('max-response-bytes'));

/** The client options for the size caps, with the way to raise each for the error message. */
export function responseLimits(opts: { maxListResponseBytes: number; maxResponseBytes: number }) {
  return {
    maxListResponseBytes: opts.maxListResponseBytes,
    maxResponseBytes: opts.maxResponseBytes,
    responseLimitHints: {
      list: `raise it with --max-list-response-bytes or ${env('max-list-response-bytes')}`,
      other: `raise it with --max-response-bytes or ${env('max-response-bytes')}`,
    },
  };
}

export function resolveFormat(opts: CommonOptions): Format {
  if (opts.format) return opts.format;
  return process.env.GITHUB_ACTIONS === 'true' ? 'github' : 'text';
}

export function loadOptions(opts: CommonOptions, allowMissingEnv = false): LoadOptions {
  return {
    ...(opts.config && opts.config.length > 0 ? { paths: opts.config } : { paths: [DEFAULT_CONFIG_PATH], defaultPath: true }),
    env: process.env,
    envFiles: opts.envFile ?? [],
    envPrefixes: opts.envPrefix ?? [],
    allowMissingEnv,
    cwd: process.cwd(),
  };
}

export function policyFlags(opts: RemoteOptions): PolicyFlags {
  return {
    prune: opts.prune,
    protect: opts.protect ?? [],
    owns: opts.owns ?? [],
    maxDeletes: opts.maxDeletes,
    allowReplace: opts.allowReplace === true,
    allowDeleteConnections: opts.allowDeleteConnections === true,
    allowEmpty: opts.allowEmpty === true,
    ...(opts.target !== undefined && opts.target.length > 0 ? { target: opts.target } : {}),
  };
}

/** `--target GLOB`, repeatable and comma-separated: plan only the integrations whose key matches. */
export function addTargetOption(cmd: Command): Command {
  return cmd.addOption(
    new Option('--target <glob>', 'plan only integrations whose unique_key matches (a rename: either key), repeatable; the plan is partial').env(env('target')).argParser(collect),
  );
}

/** Whether --target came from NANGO_GITOPS_TARGET, so that errors name the variable instead of the flag. */
export function targetOrigin(cmd: Command): string {
  return cmd.getOptionValueSource('target') === 'env' ? env('target') : '--target';
}

const BOOLEAN_FLAGS = ['prune', 'allowReplace', 'allowDeleteConnections', 'allowEmpty', 'detailedExitcode', 'allowMissingEnv', 'plan', 'split', 'autoApprove'] as const;

const booleanEnvName = (name: string): string => env(name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`));

/** The variables read by booleanFlagsFromEnv (commander does not know them); a test checks the list against every command. */
export const BOOLEAN_FLAG_ENV_VARS: readonly string[] = BOOLEAN_FLAGS.map(booleanEnvName);

/** NANGO_GITOPS_ + the long flag: `--max-deletes` → NANGO_GITOPS_MAX_DELETES, `--no-prune` → NANGO_GITOPS_PRUNE. */
export const flagEnvName = (long: string): string => env(long.replace(/^--(no-)?/, ''));

const strictBooleans = new WeakMap<Option, string>();

/** The variable an on/off flag is read from (strictly, by booleanFlagsFromEnv), or undefined for other flags. */
export function strictBooleanEnv(option: Option): string | undefined {
  return strictBooleans.get(option);
}

/** The variable a flag can be set from: commander's, or the strict one of an on/off flag. */
export function optionEnvVar(option: Option): string | undefined {
  return option.envVar ?? strictBooleanEnv(option);
}

/**
 * Gives a flag its variable as it is registered: commander reads the variable of a flag that takes a value;
 * an on/off flag's variable is kept here instead, because commander takes any value as "on".
 */
export function adoptFlagEnv(option: Option): void {
  if (option.long === undefined) return;
  if (option.required || option.optional) {
    if (option.envVar === undefined) option.env(flagEnvName(option.long));
    return;
  }
  strictBooleans.set(option, option.envVar ?? flagEnvName(option.long));
  option.envVar = undefined;
}

/**
 * Commander treats any value of a boolean flag's env var as "on", so NANGO_GITOPS_PRUNE=false would prune.
 * Read them strictly here instead, for the on/off flags of the command that runs; a flag given on the
 * command line wins.
 */
export function booleanFlagsFromEnv(
  opts: Record<string, unknown>,
  options: readonly Option[],
  environment: Readonly<Record<string, string | undefined>> = process.env,
): void {
  const done = new Set<string>();
  for (const option of options) {
    const variable = strictBooleanEnv(option);
    const name = option.attributeName();
    if (variable === undefined || done.has(name)) continue;
    done.add(name);
    if (opts[name] !== undefined) continue;
    const raw = environment[variable];
    if (raw === undefined || raw === '') continue;
    const value = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(value)) opts[name] = true;
    else if (['0', 'false', 'no', 'off'].includes(value)) opts[name] = false;
    else throw new InvalidArgumentError(`env ${variable}: expected true or false, got "${raw}"`);
  }
}
