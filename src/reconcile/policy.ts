import type { Settings } from '../config/types.js';
import type { DiffPolicy } from '../plan/diff.js';
import type { SafetyPolicy } from '../safety/rules.js';

/** What the command line says; undefined = not given, so the committed settings block decides. */
export interface PolicyFlags {
  prune?: boolean;
  protect: string[];
  /** `--owns` globs; empty or absent = the committed settings decide. */
  owns?: string[];
  maxDeletes?: number;
  allowReplace: boolean;
  allowDeleteConnections: boolean;
  allowEmpty: boolean;
  /** `--target` globs: only matching keys are planned; empty or absent = every key. */
  target?: string[];
}

export type Policy = DiffPolicy & SafetyPolicy;

/** Flags override the committed settings; the defaults are the safe ones. */
export function resolvePolicy(flags: PolicyFlags, settings: Settings): Policy {
  return {
    prune: flags.prune ?? settings.prune ?? false,
    protect: flags.protect.length > 0 ? flags.protect : (settings.protect ?? []),
    owns: flags.owns !== undefined && flags.owns.length > 0 ? flags.owns : (settings.owns ?? []),
    maxDeletes: flags.maxDeletes ?? settings.max_deletes ?? 1,
    allowReplace: flags.allowReplace,
    allowDeleteConnections: flags.allowDeleteConnections,
    allowEmpty: flags.allowEmpty,
  };
}
