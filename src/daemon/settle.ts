// Whether a read of the config may be acted on. Saves are not atomic: an editor, `cp` or a slow network
// write truncates a file and fills it in pieces, and each piece may parse as a valid config that declares
// less (a prune would delete the rest) or holds a cut-off value. A read counts only when no file it depends
// on changed while it was read, and each was last changed at least the debounce interval before (or was
// seen unchanged for that long: a timestamp in the future must not block forever).
import { realpathSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { discoverConfigFiles, type Discovery } from '../config/discover.js';
import type { LoadOptions, LoadResult } from '../config/types.js';

/** Path → what identifies its version without reading it (`missing` when it cannot be stat'ed). */
type Snapshot = Map<string, string>;

interface Marked {
  snapshot: Snapshot;
  /** Latest modification or status change of any file (epoch ms); -Infinity when there is none. */
  newest: number;
  /** The files' real paths: watches report those. */
  real: string[];
}

function realOrSelf(path: string): string {
  try {
    return realpathSync.native(path);
  } catch {
    return path;
  }
}

/** Synchronous: a few small local files on every trigger; the promise-based calls cost several times the CPU. */
function mark(paths: Iterable<string>): Marked {
  const snapshot: Snapshot = new Map();
  const real: string[] = [];
  let newest = Number.NEGATIVE_INFINITY;
  for (const path of new Set(paths)) {
    try {
      const info = statSync(path);
      // ctime too: `cp -p`, tar and rsync write first and set an old mtime afterwards.
      newest = Math.max(newest, info.mtimeMs, info.ctimeMs);
      snapshot.set(path, `${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`);
      real.push(realpathSync.native(path));
    } catch {
      snapshot.set(path, 'missing');
    }
  }
  return { snapshot, newest, real };
}

function signatureOf(snapshot: Snapshot): string {
  return [...snapshot]
    .map(([path, m]) => `${path}=${m}`)
    .sort()
    .join('\0');
}

export interface Unsettled {
  reason: string;
  /** When to look again. */
  waitMs: number;
}

export interface SettledRead<T extends LoadResult = LoadResult> {
  loaded: T;
  /** Epoch ms at which the read began. */
  startedAt: number;
  /** Every file read and its version: equal for two reads only if no file changed in between. */
  signature: string;
  /** Set when the read must not be acted on (nor reported: the file is still being written). */
  unsettled?: Unsettled;
}

export interface SettledReaderOptions<T extends LoadResult = LoadResult> {
  load: LoadOptions;
  debounceMs: number;
  /** `discovered`: the config files as found just before (a reader that checks what changed need not look again). */
  read: (discovered: Discovery) => Promise<T>;
  now?: () => number;
}

export interface SettledReader<T extends LoadResult = LoadResult> {
  read(): Promise<SettledRead<T>>;
  /**
   * Whether a watch event at `path` may concern the config: a file it was read from, a path inside a
   * config directory, or a directory or symlink on the way to either. The parent directories are watched
   * too (to see a symlink swapped), and an unrelated file there (a busy /tmp) is no change of the config.
   */
  concerns(path: string): boolean;
}

/** Reads the config and tells whether the read is settled. Keeps what it needs between reads. */
export function createSettledReader<T extends LoadResult = LoadResult>(options: SettledReaderOptions<T>): SettledReader<T> {
  const now = options.now ?? Date.now;
  const cwd = options.load.cwd ?? process.cwd();
  const configPaths = options.load.paths.map((p) => resolve(cwd, p));
  const envFiles = (options.load.envFiles ?? []).map((p) => resolve(cwd, p));
  /** `*_FILE` secrets the last valid load named. */
  let secretFiles: string[] = [];
  /** Config paths (files or directories) and the files of the last read, as named and as real paths. */
  let roots: string[] = [...configPaths];
  let files: string[] = [...envFiles];
  let seen: { signature: string; since: number } | undefined;

  const discover = (): Promise<Discovery> => discoverConfigFiles(options.load.paths, cwd, options.load.defaultPath === true);
  const configFiles = async (): Promise<string[]> => (await discover()).files.map((f) => f.path);

  const read = async (): Promise<SettledRead<T>> => {
    const startedAt = now();
    const discovered = await discover();
    const filesBefore = discovered.files.map((f) => f.path);
    const before = mark([...filesBefore, ...envFiles, ...secretFiles]);
    const loaded = await options.read(discovered);
    if (loaded.state) secretFiles = loaded.state.extraWatchPaths.map((p) => resolve(cwd, p));
    const filesAfter = await configFiles();
    const after = mark([...filesAfter, ...envFiles, ...secretFiles]);
    roots = [...new Set([...configPaths, ...configPaths.map(realOrSelf)])];
    files = [...new Set([...after.snapshot.keys(), ...after.real])];
    const signature = signatureOf(after.snapshot);

    const changed =
      filesBefore.join('\0') !== filesAfter.join('\0') || [...before.snapshot].some(([path, m]) => after.snapshot.has(path) && after.snapshot.get(path) !== m);
    if (changed) {
      seen = undefined;
      return { loaded, startedAt, signature, unsettled: { reason: 'a config file changed while it was read', waitMs: options.debounceMs } };
    }
    if (seen?.signature !== signature) seen = { signature, since: startedAt };
    const at = now();
    const quietFor = Math.max(at - after.newest, at - seen.since);
    if (quietFor >= options.debounceMs) return { loaded, startedAt, signature };
    return {
      loaded,
      startedAt,
      signature,
      unsettled: { reason: 'a config file changed less than the debounce interval ago', waitMs: Math.ceil(options.debounceMs - quietFor) },
    };
  };

  return {
    read,
    concerns: (path) =>
      files.includes(path) ||
      roots.some((root) => path === root || path.startsWith(`${root}${sep}`)) ||
      [...roots, ...files].some((target) => target.startsWith(`${path}${sep}`)),
  };
}
