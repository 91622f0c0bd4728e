// The action's inputs as the runner passes them: INPUT_<NAME> with the name upper-cased and spaces (not
// hyphens) turned into underscores, so `working-directory` arrives as INPUT_WORKING-DIRECTORY. The runner
// fills in action.yml's defaults; the same defaults apply here when a variable is missing.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';

export type Env = Readonly<Record<string, string | undefined>>;

export const COMMANDS = ['validate', 'plan'] as const;
export type ActionCommand = (typeof COMMANDS)[number];

/** How the plan is shown in the job summary and the comment; text and json go in a code block. */
export const FORMATS = ['markdown', 'text', 'json'] as const;
export type ActionFormat = (typeof FORMATS)[number];

export interface ActionInputs {
  command: ActionCommand;
  /** `-c` paths; empty: the CLI's own default (NANGO_GITOPS_CONFIG, else ./nango). */
  config: string[];
  /** `--environment` names; empty: every declared environment. */
  environments: string[];
  format: ActionFormat;
  comment: boolean;
  /** Absolute. */
  workingDirectory: string;
  /** Where `plan --out` writes the plan, relative to the working directory; empty: under RUNNER_TEMP. */
  out: string;
  token: string;
}

/** A bad input: reported as one `::error::` line, exit 1. */
export class InputError extends Error {}

export function input(env: Env, name: string): string {
  return (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}

/** Several values: one per line or comma-separated, as other actions take lists. */
export function inputList(env: Env, name: string): string[] {
  return input(env, name)
    .split(/[\n,]/)
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

function choice<T extends string>(env: Env, name: string, choices: readonly T[], fallback: T): T {
  const value = input(env, name) || fallback;
  if (!(choices as readonly string[]).includes(value)) throw new InputError(`input ${name}: must be one of ${choices.join(', ')}, not "${value}"`);
  return value as T;
}

/** YAML 1.2 core schema booleans, as the runner's own boolean inputs (and @actions/core's getBooleanInput). */
function boolean(env: Env, name: string, fallback: boolean): boolean {
  const value = input(env, name);
  if (value === '') return fallback;
  if (['true', 'True', 'TRUE'].includes(value)) return true;
  if (['false', 'False', 'FALSE'].includes(value)) return false;
  throw new InputError(`input ${name}: must be true or false, not "${value}"`);
}

export function readInputs(env: Env, cwd: string): ActionInputs {
  const dir = resolve(cwd, input(env, 'working-directory'));
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new InputError(`input working-directory: ${dir} is not a directory`);
  return {
    command: choice(env, 'command', COMMANDS, 'plan'),
    config: inputList(env, 'config'),
    environments: inputList(env, 'environment'),
    format: choice(env, 'format', FORMATS, 'markdown'),
    comment: boolean(env, 'comment', true),
    workingDirectory: dir,
    out: input(env, 'out'),
    token: input(env, 'github-token'),
  };
}
