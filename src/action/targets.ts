// Which environments this run can plan: those whose secret key reaches the job. Pull requests from forks
// get no secrets, and teams often keep prod's key out of pull-request jobs: those environments are
// skipped with the reason, the others are still planned, and with none left only `validate` runs.
import { createEnvLookup } from '../config/env.js';
import { keyVariable } from '../config/environments.js';
import { loadConfig } from '../config/load-config.js';
import type { Env } from './inputs.js';

export interface Skipped {
  name: string | undefined;
  /** The variable that would hold its key. */
  variable: string;
}

export interface Targets {
  /** Names for `--environment` (empty: the CLI's default, every declared environment or the only one). */
  plan: string[];
  skipped: Skipped[];
  /** Nothing can be planned: no selected environment has its key. */
  none: boolean;
}

const split = (value: string | undefined): string[] => (value ?? '').split(',').map((v) => v.trim()).filter((v) => v !== '');

/**
 * Reads the config's `environments:` block the way the CLI does (same loader, same `-c` and env-file
 * defaults) to learn each environment's key variable; a key counts as present when the variable or its
 * `_FILE` form is set. Problems in the config are left for the CLI to report.
 */
export async function planTargets(options: { config: string[]; environments: string[]; cwd: string; env: Env }): Promise<Targets> {
  const { env, cwd } = options;
  const paths = options.config.length > 0 ? options.config : split(env['NANGO_GITOPS_CONFIG']);
  const loaded = await loadConfig({
    paths: paths.length > 0 ? paths : ['nango'],
    env,
    envFiles: split(env['NANGO_GITOPS_ENV_FILE']),
    cwd,
  });
  const block = loaded.sources.block;
  if (!block) {
    const present = (env['NANGO_SECRET_KEY'] ?? '').trim() !== '';
    return { plan: [], skipped: present ? [] : [{ name: undefined, variable: 'NANGO_SECRET_KEY' }], none: !present };
  }
  const { lookup } = createEnvLookup(env, loaded.sources.envFiles.values, cwd);
  const requested = options.environments.length > 0 ? options.environments : split(env['NANGO_GITOPS_ENVIRONMENT']);
  const selected = requested.length > 0 ? requested : [...block.entries.keys()];
  const plan: string[] = [];
  const skipped: Skipped[] = [];
  for (const name of selected) {
    const entry = block.entries.get(name);
    const variable = entry ? keyVariable(entry) : undefined;
    // An unknown name or a malformed secret_key: the CLI reports it (with did-you-mean), so plan it.
    // An unreadable NAME_FILE is an error to show, not a missing secret: plan it too.
    const value = variable === undefined ? undefined : lookup(variable);
    if (variable !== undefined && (value === undefined || (typeof value === 'string' && value.trim() === ''))) skipped.push({ name, variable });
    else plan.push(name);
  }
  // Every selected environment can be planned: let the CLI apply its own default selection.
  const all = skipped.length === 0 && requested.length === 0;
  return { plan: all ? [] : plan, skipped, none: plan.length === 0 };
}
