import { Command, Help, type Option } from 'commander';
import { adoptFlagEnv, strictBooleanEnv } from './options.js';

/**
 * The CLI's commands: every flag a subcommand registers gets its NANGO_GITOPS_* variable here, so no
 * flag can be added without one (README: "every flag can also be set from the environment").
 */
export class GitopsCommand extends Command {
  override createCommand(name?: string): Command {
    return new GitopsCommand(name);
  }

  override addOption(option: Option): this {
    if (this.parent) adoptFlagEnv(option);
    return super.addOption(option);
  }
}

/** Commander shows `(env: NAME)` only for variables it reads itself; on/off flags are read strictly by us. */
export function optionDescription(this: Help, option: Option): string {
  const base = Help.prototype.optionDescription.call(this, option);
  const variable = option.envVar === undefined ? strictBooleanEnv(option) : undefined;
  return variable === undefined ? base : `${base} (env: ${variable}=${option.negate ? 'false' : 'true'})`;
}
