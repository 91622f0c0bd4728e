// Watches the config for changes. Directories, not single files: git-sync and Kubernetes ConfigMap or
// Secret volumes publish a new version by atomically swapping a symlink (`current`, `..data`), which a
// watch on the old file never sees. Every event only asks for a re-read; the caller compares digests,
// so a spurious event costs a file read, never a reconcile.
import { lstat, realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';

export interface WatchTargets {
  /** Watched recursively: the config paths themselves (followed through symlinks). */
  deep: string[];
  /**
   * Watched one level deep: the directories holding a config path (to see `current` swapped) and the
   * directories holding env files and `*_FILE` secrets (to see `..data` swapped or the file rewritten).
   */
  shallow: string[];
}

export function watchTargets(paths: readonly string[], extraPaths: readonly string[], cwd: string): WatchTargets {
  const deep = unique(paths.map((p) => resolve(cwd, p)));
  const shallow = unique([...deep.map((p) => dirname(p)), ...extraPaths.map((p) => dirname(resolve(cwd, p)))]);
  return { deep, shallow };
}

function unique(items: string[]): string[] {
  return [...new Set(items)].sort();
}

/**
 * Directories holding a symlink on the way to `path` (`/git` for `/git/current/nango` when `current` is a
 * link): a swap there changes what the path means, yet happens outside every directory below it.
 */
export async function symlinkParents(path: string): Promise<string[]> {
  const parents: string[] = [];
  for (let p = path; dirname(p) !== p; p = dirname(p)) {
    const link = await lstat(p).then(
      (info) => info.isSymbolicLink(),
      () => false,
    );
    if (link) parents.push(dirname(p));
  }
  return parents;
}

export interface WatchOptions {
  /** `-c` paths as given (files or directories). */
  paths: readonly string[];
  cwd: string;
  /** Any change under a watched path, including ones chokidar itself would not report (raw events). */
  onEvent: (path: string) => void;
  onError: (error: Error) => void;
  /** How long to wait for the initial scan before going on regardless. */
  readyTimeoutMs?: number;
}

export interface ConfigWatcher {
  /** Also watch these files (env files, `*_FILE` secrets); only new directories are added. True when any path was new. */
  addExtraPaths(paths: readonly string[]): Promise<boolean>;
  /**
   * Re-arms the deep watch when a config path's symlink now leads elsewhere (chokidar keeps watching the
   * old target after a swap). Call before each re-read.
   */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Watches are opened on real paths. Chokidar shares one fs.watch per path string across watchers, so a
 * watch re-opened on the same symlinked name would reuse the handle on the old target.
 */
async function realPaths(paths: readonly string[]): Promise<string[]> {
  return unique(await Promise.all(paths.map((p) => realpath(p).catch(() => p))));
}

async function symlinkParentsOf(paths: readonly string[]): Promise<string[]> {
  return (await Promise.all(paths.map(symlinkParents))).flat();
}

/** fs.watch names the entry relative to the watched path, which chokidar passes along: make it absolute. */
function rawEventPath(name: string | undefined, details: unknown): string {
  const watched = (details as { watchedPath?: unknown } | undefined)?.watchedPath;
  // fs.watch may give no name at all.
  const entry = typeof name === 'string' ? name : '';
  if (typeof watched !== 'string') return entry;
  if (isAbsolute(entry)) return entry;
  // A watch on a file reports the file's own name.
  return entry === '' || basename(watched) === entry ? watched : join(watched, entry);
}

export async function watchConfig(options: WatchOptions): Promise<ConfigWatcher> {
  const configPaths = watchTargets(options.paths, [], options.cwd).deep;
  const readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
  let extraPaths: string[] = [];
  let closed = false;

  /** The shallow directories for the config paths and the extra files, as they resolve now. */
  const shallowTargets = async (): Promise<string[]> => {
    const named = watchTargets(configPaths, extraPaths, options.cwd).shallow;
    return realPaths([...named, ...(await symlinkParentsOf([...configPaths, ...extraPaths]))]);
  };

  const open = async (paths: string[], depth: number | undefined): Promise<FSWatcher> => {
    const watcher = watch(paths, {
      ignoreInitial: true,
      ignorePermissionErrors: true,
      followSymlinks: true,
      ...(depth === undefined ? {} : { depth }),
    });
    watcher.on('all', (_event, path) => options.onEvent(path));
    watcher.on('raw', (_event, path, details) => options.onEvent(rawEventPath(path, details)));
    watcher.on('error', (error) => options.onError(error instanceof Error ? error : new Error(String(error))));
    await new Promise<void>((resolveReady) => {
      const timer = setTimeout(resolveReady, readyTimeoutMs);
      watcher.once('ready', () => {
        clearTimeout(timer);
        resolveReady();
      });
    });
    return watcher;
  };

  let deepTargets = await realPaths(configPaths);
  let deep = await open(deepTargets, undefined);
  const shallowDirs = new Set(await shallowTargets());
  const shallow = await open([...shallowDirs], 0);
  let refreshing: Promise<void> | undefined;

  // Directories are only ever added: one that no longer matters costs a watch handle until it is deleted.
  const updateShallow = async (): Promise<void> => {
    const added = (await shallowTargets()).filter((dir) => !shallowDirs.has(dir));
    if (added.length === 0 || closed) return;
    for (const dir of added) shallowDirs.add(dir);
    shallow.add(added);
  };

  const refreshAll = async (): Promise<void> => {
    await updateShallow();
    const now = await realPaths(configPaths);
    if (now.join('\0') === deepTargets.join('\0') || closed) return;
    deepTargets = now;
    const old = deep;
    deep = await open(now, undefined);
    await old.close();
  };

  const serialised = (): Promise<void> => {
    // Two overlapping refreshes would open two deep watchers.
    refreshing = (refreshing ?? Promise.resolve()).then(refreshAll, refreshAll);
    return refreshing;
  };

  return {
    addExtraPaths(paths) {
      const absolute = paths.map((p) => resolve(options.cwd, p)).filter((p) => !extraPaths.includes(p));
      if (absolute.length === 0) return Promise.resolve(false);
      extraPaths = unique([...extraPaths, ...absolute]);
      return serialised().then(() => true);
    },
    refresh: serialised,
    async close() {
      closed = true;
      await refreshing?.catch(() => undefined);
      await Promise.all([deep.close(), shallow.close()]);
    },
  };
}
