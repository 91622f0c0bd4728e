// Watches the config for changes. Directories, not single files: git-sync and Kubernetes ConfigMap or
// Secret volumes publish a new version by atomically swapping a symlink (`current`, `..data`), which a
// watch on the old file never sees. Every event only asks for a re-read; the caller compares digests,
// so a spurious event costs a file read, never a reconcile.
import { realpath } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
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
  /** Also watch these files (env files, `*_FILE` secrets); only new directories are added. */
  addExtraPaths(paths: readonly string[]): Promise<void>;
  /**
   * Re-arms the deep watch when a config path's symlink now leads elsewhere (chokidar keeps watching the
   * old target after a swap). Call before each re-read.
   */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

async function realTargets(paths: readonly string[]): Promise<string> {
  const reals = await Promise.all(paths.map((p) => realpath(p).catch(() => '')));
  return reals.join('\0');
}

export async function watchConfig(options: WatchOptions): Promise<ConfigWatcher> {
  const targets = watchTargets(options.paths, [], options.cwd);
  const readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
  const shallowDirs = new Set(targets.shallow);
  let closed = false;

  const open = async (paths: string[], depth: number | undefined): Promise<FSWatcher> => {
    const watcher = watch(paths, {
      ignoreInitial: true,
      ignorePermissionErrors: true,
      followSymlinks: true,
      ...(depth === undefined ? {} : { depth }),
    });
    watcher.on('all', (_event, path) => options.onEvent(path));
    watcher.on('raw', (_event, path) => options.onEvent(path));
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

  let deep = await open(targets.deep, undefined);
  const shallow = await open(targets.shallow, 0);
  let deepTargets = await realTargets(targets.deep);
  let refreshing: Promise<void> | undefined;

  const refreshDeep = async (): Promise<void> => {
    const now = await realTargets(targets.deep);
    if (now === deepTargets || closed) return;
    deepTargets = now;
    const old = deep;
    deep = await open(targets.deep, undefined);
    await old.close();
  };

  return {
    async addExtraPaths(paths) {
      const added = watchTargets([], paths, options.cwd).shallow.filter((dir) => !shallowDirs.has(dir));
      if (added.length === 0 || closed) return;
      for (const dir of added) shallowDirs.add(dir);
      shallow.add(added);
    },
    refresh() {
      // Serialised: two overlapping refreshes would open two deep watchers.
      refreshing = (refreshing ?? Promise.resolve()).then(refreshDeep, refreshDeep);
      return refreshing;
    },
    async close() {
      closed = true;
      await refreshing?.catch(() => undefined);
      await Promise.all([deep.close(), shallow.close()]);
    },
  };
}
