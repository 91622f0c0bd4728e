import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createHmac } from 'node:crypto';

/**
 * What was last applied, as HMACs only (see plan/fingerprint.ts): lets the planner notice a rotated
 * secret that Nango will not show back, without re-sending unchanged secrets every run.
 * One file can serve several environments: entries are grouped under an id derived from the key.
 */
interface StateFile {
  format_version: 1;
  environments: Record<string, { integrations: Record<string, Record<string, string>> }>;
}

export interface FingerprintStore {
  get(uniqueKey: string, path: string): string | undefined;
  /** Replace the recorded fingerprints of these paths. */
  record(uniqueKey: string, entries: Record<string, string>): void;
  forget(uniqueKey: string): void;
  /** Writes only if something changed; atomic (write + rename). */
  save(): Promise<void>;
}

export async function openFingerprintStore(path: string | undefined, secretKey: string): Promise<FingerprintStore> {
  const envId = createHmac('sha256', secretKey).update('nango-gitops environment id').digest('hex').slice(0, 16);
  const file = path === undefined ? emptyState() : await readState(path);
  const env = (file.environments[envId] ??= { integrations: {} });
  let dirty = false;
  return {
    get: (key, p) => env.integrations[key]?.[p],
    record(key, entries) {
      if (Object.keys(entries).length === 0) return;
      env.integrations[key] = { ...(env.integrations[key] ?? {}), ...entries };
      dirty = true;
    },
    forget(key) {
      if (env.integrations[key] === undefined) return;
      delete env.integrations[key];
      dirty = true;
    },
    async save() {
      if (!dirty || path === undefined) return;
      await mkdir(dirname(path), { recursive: true });
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
      await rename(tmp, path);
      dirty = false;
    },
  };
}

function emptyState(): StateFile {
  return { format_version: 1, environments: {} };
}

async function readState(path: string): Promise<StateFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
    throw new Error(`cannot read state file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  try {
    const parsed = JSON.parse(text) as Partial<StateFile>;
    if (parsed.format_version !== 1 || typeof parsed.environments !== 'object' || parsed.environments === null) {
      throw new Error('unexpected shape');
    }
    return parsed as StateFile;
  } catch {
    throw new Error(`state file ${path} is not a nango-gitops state file (delete it to start over: fingerprints are rebuilt on the next apply)`);
  }
}
