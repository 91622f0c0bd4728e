// Shared by the build steps: each writes a generated file that a running CLI may read at the same moment.
import { realpathSync, renameSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** Write then rename, so a reader never sees half a file. */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** True when the module at `moduleUrl` is the script node was started with (tests import the same module). */
export function isMain(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return moduleUrl === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}
