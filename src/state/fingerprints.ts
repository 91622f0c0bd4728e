import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createHmac } from 'node:crypto';
import { literal, object, recordOf, shapeProblem, string, type Shape } from '../json-shape.js';

/**
 * What was last applied, as HMACs only (see plan/fingerprint.ts): lets the planner notice a rotated
 * secret that Nango will not show back, without re-sending unchanged secrets every run.
 * One file serves several environments: one section each, under an id derived from its secret key
 * (so a section cannot be matched to an environment without the key); `environment` names it for readers.
 */
interface StateFileJson {
  format_version: 1;
  environments: Record<string, { environment?: string; integrations: Record<string, Record<string, string>> }>;
}

const STATE_FILE: Shape = object({
  format_version: literal(1),
  // Files written before environments had names have no `environment` in their sections.
  environments: recordOf(object({ integrations: recordOf(recordOf(string)) }, { environment: string })),
});

/** unique_key → field path → HMAC. Maps, so that a key such as `__proto__` is stored like any other. */
type Fingerprints = Map<string, Map<string, string>>;
interface Section {
  /** The `environments:` name it was last written for; undefined without an environments block. */
  environment?: string;
  fingerprints: Fingerprints;
}
/** Environment id → its section. */
type StateFile = Map<string, Section>;

export interface FingerprintStore {
  get(uniqueKey: string, path: string): string | undefined;
  /** Replace the recorded fingerprints of these paths. */
  record(uniqueKey: string, entries: Record<string, string>): void;
  forget(uniqueKey: string): void;
  /** Writes the whole file (every section) only if something changed; atomic (write + rename). */
  save(): Promise<void>;
}

/**
 * The state file of a run: read once, shared by every environment of the run, so no section overwrites
 * another (two files opened on one path would each write back their own copy of the other's section).
 */
export interface FingerprintFile {
  /** The section of the environment with this secret key; `environment` labels it in the file. */
  store(secretKey: string, environment?: string): FingerprintStore;
  /** Writes if any section changed; saves never overlap. */
  save(): Promise<void>;
}

/** The id a section is filed under: an HMAC of a fixed text with the secret key, 16 hex digits. */
export function environmentId(secretKey: string): string {
  return createHmac('sha256', secretKey).update('nango-gitops environment id').digest('hex').slice(0, 16);
}

export async function openFingerprintFile(path: string | undefined): Promise<FingerprintFile> {
  const file: StateFile = path === undefined ? new Map() : await readState(path);
  let dirty = false;
  let saving: Promise<void> = Promise.resolve();

  async function write(): Promise<void> {
    if (!dirty || path === undefined) return;
    dirty = false;
    try {
      mkdirSync(dirname(path), { recursive: true });
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, `${JSON.stringify(toJson(file), null, 2)}\n`, { mode: 0o600 });
      renameSync(tmp, path);
    } catch (err) {
      dirty = true;
      throw err;
    }
  }
  const save = (): Promise<void> => {
    saving = saving.then(write, write);
    return saving;
  };

  return {
    store(secretKey, environment) {
      const id = environmentId(secretKey);
      const section: Section = file.get(id) ?? { fingerprints: new Map() };
      if (environment !== undefined) section.environment = environment;
      file.set(id, section);
      const env = section.fingerprints;
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
        save,
      };
    },
    save,
  };
}

export async function openFingerprintStore(path: string | undefined, secretKey: string): Promise<FingerprintStore> {
  return (await openFingerprintFile(path)).store(secretKey);
}

// Object.fromEntries and JSON.parse define own properties, so `__proto__` survives both directions.
function toJson(file: StateFile): StateFileJson {
  const environments = Object.fromEntries(
    [...file].map(([id, { environment, fingerprints }]) => [
      id,
      { ...(environment !== undefined ? { environment } : {}), integrations: Object.fromEntries([...fingerprints].map(([key, paths]) => [key, Object.fromEntries(paths)])) },
    ]),
  );
  return { format_version: 1, environments };
}

function fromJson(json: StateFileJson): StateFile {
  return new Map(
    Object.entries(json.environments).map(([id, env]): [string, Section] => [
      id,
      {
        ...(env.environment !== undefined ? { environment: env.environment } : {}),
        fingerprints: new Map(Object.entries(env.integrations).map(([key, paths]) => [key, new Map(Object.entries(paths))])),
      },
    ]),
  );
}

const START_OVER = 'delete it to start over: fingerprints are rebuilt on the next apply';

async function readState(path: string): Promise<StateFile> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map<string, Section>();
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
