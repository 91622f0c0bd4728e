import { accessSync, constants, lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { error, warning } from './diagnostics.js';
import type { Diagnostic } from './types.js';

export interface ConfigFile {
  /** Absolute path through the visible names (symlinks not resolved), as read. */
  path: string;
  /** What messages show: relative to cwd when inside it. */
  display: string;
  /** Deduplication key: the same file reached twice is read once. */
  realPath: string;
}

export interface Discovery {
  files: ConfigFile[];
  diagnostics: Diagnostic[];
}

const YAML_NAME = /\.ya?ml$/;

/** Where the config is when no `-c` is given. */
export const DEFAULT_CONFIG_PATH = 'nango';

export function displayName(absPath: string, cwd: string): string {
  const rel = relative(cwd, absPath);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return absPath;
  return rel;
}

function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOENT':
      return 'not found';
    case 'ELOOP':
      return 'symlink loop';
    case 'ENOTDIR':
      return 'not a directory';
    default:
      return code ?? 'unknown error';
  }
}

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Expands `-c` paths into the config files to read. Directories are walked recursively for
 * `*.yaml`/`*.yml`; names starting with `.` are skipped because Kubernetes ConfigMap volumes and
 * git-sync keep hidden copies (`..data/`, `..2024_…/`) next to the visible symlinks, which are followed.
 */
export async function discoverConfigFiles(paths: readonly string[], cwd: string, defaultPath = false): Promise<Discovery> {
  const diagnostics: Diagnostic[] = [];
  const found: ConfigFile[] = [];
  const visitedDirs = new Set<string>();

  const addFile = async (abs: string, real: string): Promise<void> => {
    const display = displayName(abs, cwd);
    try {
      accessSync(abs, constants.R_OK);
    } catch (err) {
      diagnostics.push(error(`cannot read config file ${display}: ${reason(err)}`));
      return;
    }
    found.push({ path: abs, display, realPath: real });
  };

  // `ancestors` holds the real paths of the directories above, so a link back up is a loop, not a revisit.
  const walk = async (dir: string, realDir: string, ancestors: ReadonlySet<string>): Promise<number> => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch (err) {
      diagnostics.push(error(`cannot read directory ${displayName(dir, cwd)}: ${reason(err)}`));
      return 0;
    }
    entries.sort();
    let count = 0;
    const chain = new Set(ancestors).add(realDir);
    for (const name of entries) {
      if (name.startsWith('.')) continue;
      const abs = join(dir, name);
      let info;
      try {
        info = statSync(abs);
      } catch (err) {
        const code = errCode(err);
        if (code === 'ELOOP') {
          diagnostics.push(error(`symlink loop at ${displayName(abs, cwd)}`));
        } else if (code === 'ENOENT') {
          // Only a dangling symlink gets here (readdir just listed the name). Fail closed: it may
          // have pointed at files whose integrations would otherwise look deleted.
          diagnostics.push(error(`broken symlink ${displayName(abs, cwd)}: its target does not exist`));
        } else {
          diagnostics.push(error(`cannot read ${displayName(abs, cwd)}: ${reason(err)}`));
        }
        continue;
      }
      let real: string;
      try {
        real = realpathSync.native(abs);
      } catch (err) {
        diagnostics.push(error(`cannot resolve ${displayName(abs, cwd)}: ${reason(err)}`));
        continue;
      }
      if (info.isDirectory() && YAML_NAME.test(name)) {
        // Docker creates an empty directory where a bind-mounted file is missing: walking it would make
        // that file's integrations look deleted.
        diagnostics.push(error(`cannot read config file ${displayName(abs, cwd)}: is a directory`));
      } else if (info.isDirectory()) {
        if (chain.has(real)) {
          diagnostics.push(error(`symlink loop at ${displayName(abs, cwd)}: it leads back to ${displayName(real, cwd)}`));
          continue;
        }
        if (visitedDirs.has(real)) continue;
        visitedDirs.add(real);
        count += await walk(abs, real, chain);
      } else if (info.isFile() && YAML_NAME.test(name)) {
        await addFile(abs, real);
        count++;
      } else if (!info.isFile() && YAML_NAME.test(name)) {
        // A FIFO or socket where a config file should be (a broken secret mount): skipping it would
        // make its integrations look deleted, so fail closed as for a broken symlink.
        diagnostics.push(error(`cannot read config file ${displayName(abs, cwd)}: not a regular file`));
      }
    }
    return count;
  };

  for (const p of paths) {
    const abs = resolve(cwd, p);
    let info;
    try {
      info = statSync(abs);
    } catch (err) {
      const code = errCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        let dangling = false;
        try {
          dangling = lstatSync(abs).isSymbolicLink();
        } catch {
          // Neither there nor a link.
        }
        if (defaultPath && !dangling) {
          // A first run in the wrong directory, or before any config exists: say how to get going.
          diagnostics.push(
            error(
              `no config: ./${p} (the default) does not exist. Point -c at your config file or directory (or set NANGO_GITOPS_CONFIG), ` +
                `or create one from a live environment with: nango-gitops export -o ${p}/`,
            ),
          );
        } else {
          diagnostics.push(error(`config path not found: ${p}${dangling ? ' (broken symlink)' : ''}`));
        }
      } else if (code === 'ELOOP') {
        diagnostics.push(error(`symlink loop at ${p}`));
      } else {
        diagnostics.push(error(`cannot read config path ${p}: ${reason(err)}`));
      }
      continue;
    }
    let real: string;
    try {
      real = realpathSync.native(abs);
    } catch (err) {
      diagnostics.push(error(`cannot resolve config path ${p}: ${reason(err)}`));
      continue;
    }
    if (info.isDirectory() && YAML_NAME.test(abs)) {
      diagnostics.push(error(`cannot read config file ${p}: is a directory`));
    } else if (info.isDirectory()) {
      if (visitedDirs.has(real)) continue;
      visitedDirs.add(real);
      const before = diagnostics.length;
      const n = await walk(abs, real, new Set());
      if (n === 0 && diagnostics.length === before) diagnostics.push(warning(`no *.yaml files under ${displayName(abs, cwd)}`));
    } else if (info.isFile()) {
      await addFile(abs, real);
    } else {
      diagnostics.push(error(`config path is not a file or directory: ${p}`));
    }
  }

  found.sort((a, b) => (a.display < b.display ? -1 : a.display > b.display ? 1 : 0));
  const seen = new Set<string>();
  const files = found.filter((f) => {
    if (seen.has(f.realPath)) return false;
    seen.add(f.realPath);
    return true;
  });
  return { files, diagnostics };
}
