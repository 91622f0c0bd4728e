// A plan file records how it was made (tool version, time, where, and the flags that shape a plan), so
// that `apply --plan-file` plans again exactly as reviewed without the flags being repeated. Like a saved
// Terraform plan: the file is the decision; the command line may repeat a recorded flag, never change it.
import { packageVersion } from '../package-root.js';
import type { PlanFileMetadata, ShapingFlags } from '../plan/types.js';
import { EXIT, UserError } from './exit-codes.js';
import type { RemoteOptions } from './options.js';

/** The flags of plan and apply that change what is planned or what a safety rule lets through. */
export type ShapingOptions = Pick<RemoteOptions, 'prune' | 'protect' | 'owns' | 'maxDeletes' | 'allowReplace' | 'allowDeleteConnections' | 'allowEmpty' | 'target'>;

function shapingFlags(opts: ShapingOptions): ShapingFlags {
  return {
    ...(opts.prune !== undefined ? { prune: opts.prune } : {}),
    protect: opts.protect ?? [],
    owns: opts.owns ?? [],
    ...(opts.maxDeletes !== undefined ? { max_deletes: opts.maxDeletes } : {}),
    allow_replace: opts.allowReplace === true,
    allow_delete_connections: opts.allowDeleteConnections === true,
    allow_empty: opts.allowEmpty === true,
    target: opts.target ?? [],
  };
}

/** `host`: format_version 1 only (format_version 2 records each environment's name and host in its entry). */
export function planFileMetadata(opts: ShapingOptions, host?: string): PlanFileMetadata {
  return {
    tool: 'nango-gitops',
    version: packageVersion(),
    created_at: new Date().toISOString(),
    ...(host !== undefined ? { host } : {}),
    flags: shapingFlags(opts),
  };
}

const major = (version: string): string => version.split('.')[0] ?? version;

/** A plan file of another major version may mean something else by the same fields: refused. */
export function checkPlanFileVersion(metadata: PlanFileMetadata, file: string): void {
  const own = packageVersion();
  if (major(metadata.version) !== major(own)) {
    throw new UserError(`${file}: written by nango-gitops ${metadata.version}, another major version than this one (${own}): run plan --out again with this version`, EXIT.error, 'plan_file');
  }
}

type Value = boolean | number | string[] | undefined;

function same(a: Value, b: Value): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    const sorted = (v: Value): string => JSON.stringify([...new Set(Array.isArray(v) ? v : [])].sort());
    return sorted(a) === sorted(b);
  }
  return a === b;
}

function show(flag: string, value: Value): string {
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return 'not given';
  if (Array.isArray(value)) return value.map((v) => JSON.stringify(v)).join(', ');
  if (flag === '--prune') return value === true ? '--prune' : '--no-prune';
  return String(value);
}

/**
 * Makes `opts` carry the recorded flags. A flag given now (on the command line or by its variable) must
 * say what the file says: anything else is refused with one line naming the flag and both values.
 */
export function adoptRecordedFlags(opts: ShapingOptions, recorded: ShapingFlags, file: string): void {
  const given = (value: Value): Value => (Array.isArray(value) && value.length === 0 ? undefined : value);
  const pairs: Array<[string, Value, Value]> = [
    ['--prune', opts.prune, recorded.prune],
    ['--protect', opts.protect, recorded.protect],
    ['--owns', opts.owns, recorded.owns],
    ['--max-deletes', opts.maxDeletes, recorded.max_deletes],
    ['--allow-replace', opts.allowReplace, recorded.allow_replace],
    ['--allow-delete-connections', opts.allowDeleteConnections, recorded.allow_delete_connections],
    ['--allow-empty', opts.allowEmpty, recorded.allow_empty],
    ['--target', opts.target, recorded.target],
  ];
  for (const [flag, now, then] of pairs) {
    const value = given(now);
    if (value !== undefined && !same(value, then)) {
      throw new UserError(
        `${file}: ${flag} contradicts the reviewed plan (recorded: ${show(flag, then)}; given: ${show(flag, value)}): drop it (the recorded flags apply), or run plan --out again with it`,
      );
    }
  }
  opts.prune = recorded.prune;
  opts.protect = recorded.protect;
  opts.owns = recorded.owns;
  opts.maxDeletes = recorded.max_deletes;
  opts.allowReplace = recorded.allow_replace;
  opts.allowDeleteConnections = recorded.allow_delete_connections;
  opts.allowEmpty = recorded.allow_empty;
  opts.target = recorded.target;
}
