// Whether a read of the config may be acted on. Saves are not atomic: an editor, `cp` or a slow network
// write truncates a file and fills it in pieces, and each piece may parse as a valid config that declares
// less (a prune would delete the rest) or holds a cut-off value. A read counts only when no file it depends
// on changed while it was read, and each was last changed at least the debounce interval before (or was
// seen unchanged for that long: a timestamp in the future must not block forever).
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { discoverConfigFiles } from '../config/discover.js';
import type { LoadOptions, LoadResult } from '../config/types.js';

/** What identifies a version of a file without reading it. */
type Mark = string;

/** Path → mark; a file that cannot be stat'ed has the mark `missing`. */
type Snapshot = Map<string, Mark>;

interface Marked {
  snapshot: Snapshot;
  /** Latest modification or status change of any file (epoch ms); -Infinity when there is none. */
  newest: number;
}

async function mark(paths: Iterable<string>): Promise<Marked> {
  const snapshot: Snapshot = new Map();
  let newest = Number.NEGATIVE_INFINITY;
  await Promise.all(
    [...new Set(paths)].map(async (path) => {
      try {
        const info = await stat(path);
        // ctime too: `cp -p`, tar and rsync write first and set an old mtime afterwards.
        newest = Math.max(newest, info.mtimeMs, info.ctimeMs);
        snapshot.set(path, `${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`);
      } catch {
        snapshot.set(path, 'missing');
      }
    }),
  );
  return { snapshot, newest };
}

export interface Unsettled {
  reason: string;
  /** When to look again. */
  waitMs: number;
}

export interface SettledRead {
  loaded: LoadResult;
  /** Epoch ms at which the read began. */
  startedAt: number;
  /** Set when the read must not be acted on (nor reported: the file is still being written). */
  unsettled?: Unsettled;
}

export interface SettledReaderOptions {
  load: LoadOptions;
  debounceMs: number;
  read: () => Promise<LoadResult>;
  now?: () => number;
}

/** Reads the config and tells whether the read is settled. Keeps what it needs between reads. */
export function createSettledReader(options: SettledReaderOptions): () => Promise<SettledRead> {
  const now = options.now ?? Date.now;
  const cwd = options.load.cwd ?? process.cwd();
  const envFiles = (options.load.envFiles ?? []).map((p) => resolve(cwd, p));
  /** `*_FILE` secrets the last valid load named. */
  let secretFiles: string[] = [];
  let seen: { signature: string; since: number } | undefined;

  const configFiles = async (): Promise<string[]> => (await discoverConfigFiles(options.load.paths, cwd)).files.map((f) => f.path);

  return async () => {
    const startedAt = now();
    const files = await configFiles();
    const before = await mark([...files, ...envFiles, ...secretFiles]);
    const loaded = await options.read();
    if (loaded.state) secretFiles = loaded.state.extraWatchPaths.map((p) => resolve(cwd, p));
    const filesAfter = await configFiles();
    const after = await mark([...filesAfter, ...envFiles, ...secretFiles]);

    const changed =
      files.join('\0') !== filesAfter.join('\0') || [...before.snapshot].some(([path, m]) => after.snapshot.has(path) && after.snapshot.get(path) !== m);
    if (changed) {
      seen = undefined;
      return { loaded, startedAt, unsettled: { reason: 'a config file changed while it was read', waitMs: options.debounceMs } };
    }
    const signature = [...after.snapshot].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).join('\0');
    if (seen?.signature !== signature) seen = { signature, since: startedAt };
    const at = now();
    const quietFor = Math.max(at - after.newest, at - seen.since);
    if (quietFor >= options.debounceMs) return { loaded, startedAt };
    return {
      loaded,
      startedAt,
      unsettled: { reason: `a config file changed less than the debounce interval ago`, waitMs: Math.ceil(options.debounceMs - quietFor) },
    };
  };
}
