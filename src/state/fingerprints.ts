import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createHmac } from 'node:crypto';
import { literal, object, recordOf, shapeProblem, string, type Shape } from '../json-shape.js';

/**
 * What was last applied, as HMACs only (see plan/fingerprint.ts): lets the planner notice a rotated
 * secret that Nango will not show back, without re-sending unchanged secrets every run.
 * One file can serve several environments: entries are grouped under an id derived from the key.
 */
interface StateFileJson {
  format_version: 1;
  environments: Record<string, { integrations: Record<string, Record<string, string>> }>;
}

const STATE_FILE: Shape = object({
  format_version: literal(1),
  environments: recordOf(object({ integrations: recordOf(recordOf(string)) })),
});

/** unique_key → field path → HMAC. Maps, so that a key such as `__proto__` is stored like any other. */
type Fingerprints = Map<string, Map<string, string>>;
/** Environment id → its fingerprints. */
type StateFile = Map<string, Fingerprints>;

export interface FingerprintStore {
  get(uniqueKey: string, path: string): string | undefined;
  /** Replace the recorded fingerprints of these paths. */
  record(uniqueKey: string, entries: Record<string, string>): void;
  forget(uniqueKey: string): void;
  /** Writes only if something changed; atomic (write + rename). */
  save(): Promise<void>;
}

export async function openFingerprintStore(path: string | undefined, secretKey: string): Promise<FingerprintStore> {
  return (await openFingerprintFile(path)).store(secretKey);
}

/** One state file, read once, holding the sections of several environments (one per secret key). */
export interface FingerprintFile {
  /** The section of the environment this key opens; every store of one file writes the whole file. */
  store(secretKey: string): FingerprintStore;
}

/**
 * Stores of one file share its contents in memory and write one at a time, so environments that
 * apply at the same moment (the daemon) never overwrite each other's sections.
 */
export async function openFingerprintFile(path: string | undefined): Promise<FingerprintFile> {
  const file = path === undefined ? new Map<string, Fingerprints>() : await readState(path);
  let dirty = false;
  let writing: Promise<void> = Promise.resolve();
  const write = async (): Promise<void> => {
    if (!dirty || path === undefined) return;
    const text = `${JSON.stringify(toJson(file), null, 2)}\n`;
    dirty = false;
    try {
      await mkdir(dirname(path), { recursive: true });
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, text, { mode: 0o600 });
      await rename(tmp, path);
    } catch (err) {
      dirty = true;
      throw err;
    }
  };
  return {
    store(secretKey) {
      const envId = createHmac('sha256', secretKey).update('nango-gitops environment id').digest('hex').slice(0, 16);
      const env: Fingerprints = file.get(envId) ?? new Map();
      file.set(envId, env);
      return {
        get: (key, p) => env.get(key)?.get(p),
        record(key, entries) {
          const list = Object.entries(entries);
          if (list.length === 0) return;
          const recorded = env.get(key) ?? new Map<string, string>();
          for (const [p, fingerprint] of list) recorded.set(p, fingerprint);
          env.set(key, recorded);
          dirty = true;
        },
        forget(key) {
          if (!env.delete(key)) return;
          dirty = true;
        },
        save() {
          const next = writing.then(write);
          writing = next.catch(() => undefined);
          return next;
        },
      };
    },
  };
}

// Object.fromEntries and JSON.parse define own properties, so `__proto__` survives both directions.
function toJson(file: StateFile): StateFileJson {
  const environments = Object.fromEntries(
    [...file].map(([id, env]) => [id, { integrations: Object.fromEntries([...env].map(([key, paths]) => [key, Object.fromEntries(paths)])) }]),
  );
  return { format_version: 1, environments };
}

function fromJson(json: StateFileJson): StateFile {
  return new Map(
    Object.entries(json.environments).map(([id, env]) => [id, new Map(Object.entries(env.integrations).map(([key, paths]) => [key, new Map(Object.entries(paths))]))]),
  );
}

const START_OVER = 'delete it to start over: fingerprints are rebuilt on the next apply';

async function readState(path: string): Promise<StateFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map<string, Fingerprints>();
    throw new Error(`cannot read state file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`state file ${path}: not JSON, so not a nango-gitops state file (${START_OVER})`);
  }
  const problem = shapeProblem(STATE_FILE, parsed);
  if (problem !== undefined) throw new Error(`state file ${path}: ${problem} (${START_OVER})`);
  return fromJson(parsed as StateFileJson);
}
