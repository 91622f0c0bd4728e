// The `environments:` block and the integrations' `environments:` keys: what a config declares, and
// every check on them that needs no variable. These run once per load, whatever is selected, so a
// typo in prod's part fails `plan --environment dev` too: the config is one reviewed unit.
import { error, formatLocation } from './diagnostics.js';
import { locate, type ResolvedDocument } from './document.js';
import { closestMatches } from './edit-distance.js';
import type { ParsedFile } from './load.js';
import { childPointer, displayPath } from './pointer.js';
import { validateSchema } from './schema.js';
import type { Diagnostic, SourceLocation } from './types.js';

/** Fields an integration may set per environment; everything else identifies it and cannot differ. */
export const OVERRIDE_FIELDS: ReadonlySet<string> = new Set(['display_name', 'forward_webhooks', 'credentials', 'integration_config']);

const FIXED_FIELDS: Readonly<Record<string, string>> = {
  unique_key: 'unique_key cannot differ per environment: it is how the integration is found in each of them',
  provider: 'provider cannot differ per environment: declare another integration with its own unique_key',
  renamed_from: 'renamed_from cannot differ per environment: it applies wherever the integration exists',
  environments: 'environments cannot be nested',
};

/** `${NAME}` and nothing else: the schema enforces the same (schemas/nango-gitops.schema.json). */
const KEY_REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

export interface EnvironmentEntry {
  name: string;
  /** `/environments/<name>` in the block's file. */
  pointer: string;
  /** The entry as written (uninterpolated); {} when it is not a mapping (the schema reports that). */
  value: Record<string, unknown>;
  source: SourceLocation;
}

export interface EnvironmentsBlock {
  /** The file holding the block (and the only one that may hold settings). */
  file: ParsedFile;
  /** In declaration order. */
  entries: Map<string, EnvironmentEntry>;
  /** Variables named by a secret_key: no other value may read them, so no key is copied into an integration. */
  keyVariables: Set<string>;
}

function record(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** Sets a key on a plain object even when it is `__proto__`. */
export function assign(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

const NONE: ReadonlySet<string> = new Set();

/** A parsed file seen as a document with nothing interpolated, to locate pointers in it. */
export function rawDocument(parsed: ParsedFile, value: unknown = parsed.value): ResolvedDocument {
  return { file: parsed.file, value, positions: parsed.positions, sensitive: NONE, missing: NONE };
}

/** The variable a well-formed secret_key names. */
export function keyVariable(entry: EnvironmentEntry): string | undefined {
  const raw = entry.value['secret_key'];
  return typeof raw === 'string' ? KEY_REFERENCE.exec(raw)?.[1] : undefined;
}

/** The block, if any file has one; a second one is an error. Reads only the files' top-level keys. */
export function findEnvironmentsBlock(files: readonly ParsedFile[]): { block?: EnvironmentsBlock; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  let block: EnvironmentsBlock | undefined;
  for (const file of files) {
    const root = record(file.value);
    if (!root || !Object.hasOwn(root, 'environments')) continue;
    const doc = rawDocument(file);
    if (block) {
      const first = locate(rawDocument(block.file), '/environments', 'key');
      diagnostics.push(
        error(`environments are already declared at ${formatLocation(first)}; at most one config file may hold them`, {
          location: locate(doc, '/environments', 'key'),
          path: 'environments',
        }),
      );
      continue;
    }
    block = { file, entries: new Map(), keyVariables: new Set() };
    for (const [name, value] of Object.entries(record(root['environments']) ?? {})) {
      const pointer = childPointer('/environments', name);
      const entry: EnvironmentEntry = { name, pointer, value: record(value) ?? {}, source: locate(doc, pointer, 'key') };
      block.entries.set(name, entry);
      const variable = keyVariable(entry);
      if (variable !== undefined) block.keyVariables.add(variable);
    }
  }
  return { block, diagnostics };
}

/**
 * Everything about environments that holds for all of them: the block's schema (secret_key must be a
 * `${VAR}`), settings next to it, one key variable per environment, known environment names in every
 * integration, override fields, one credentials.type, and one declaration per unique_key.
 */
export async function checkEnvironments(files: readonly ParsedFile[], block: EnvironmentsBlock): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  for (const file of files) out.push(...(await validateSchema(rawDocument(file, skeleton(file.value)))));
  checkBlock(block, out);
  const blockAt = locate(rawDocument(block.file), '/environments', 'key');
  const keys = new Map<string, SourceLocation>();
  for (const file of files) {
    const root = record(file.value);
    if (!root) continue;
    const doc = rawDocument(file);
    if (file !== block.file && root['settings'] !== undefined) {
      out.push(
        error(`settings must be in the file that declares environments (${formatLocation(blockAt)}), so that one file shows every environment's policy`, {
          location: locate(doc, '/settings', 'key'),
          path: 'settings',
        }),
      );
    }
    const list = root['integrations'];
    if (!Array.isArray(list)) continue;
    list.forEach((item, i) => {
      const v = record(item);
      if (!v) return;
      const pointer = childPointer('/integrations', i);
      checkDuplicateKey(doc, pointer, v, keys, out);
      if (Object.hasOwn(v, 'environments')) checkIntegrationEnvironments(doc, pointer, v, block, out);
    });
  }
  return out;
}

/**
 * What the schema checks once for the whole config: the top level and the environments block. The
 * integrations and settings are checked in each environment's merged view instead (a shared field may
 * be completed by an override), and so are the environments' own settings, which merge into them.
 */
function skeleton(value: unknown): unknown {
  const root = record(value);
  if (!root) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(root)) {
    if (key === 'integrations' || key === 'settings') continue;
    const envs = key === 'environments' ? record(v) : undefined;
    if (!envs) {
      assign(out, key, v);
      continue;
    }
    const stripped: Record<string, unknown> = {};
    for (const [name, entry] of Object.entries(envs)) {
      const fields = record(entry);
      if (!fields) {
        assign(stripped, name, entry);
        continue;
      }
      const rest: Record<string, unknown> = {};
      for (const [field, fv] of Object.entries(fields)) if (field !== 'settings') assign(rest, field, fv);
      assign(stripped, name, rest);
    }
    assign(out, key, stripped);
  }
  return out;
}

function checkBlock(block: EnvironmentsBlock, out: Diagnostic[]): void {
  const doc = rawDocument(block.file);
  const users = new Map<string, string>();
  for (const entry of block.entries.values()) {
    const variable = keyVariable(entry);
    if (variable === undefined) continue;
    const other = users.get(variable);
    if (other !== undefined) {
      const pointer = childPointer(entry.pointer, 'secret_key');
      out.push(
        error(`\${${variable}} is already the secret key of environment "${other}": each environment has its own key`, {
          location: locate(doc, pointer),
          path: displayPath(pointer) ?? 'secret_key',
        }),
      );
    } else {
      users.set(variable, entry.name);
    }
  }
}

/** Same wording as validate.ts's check, so an environment's view reporting the same pair collapses into one. */
function checkDuplicateKey(doc: ResolvedDocument, pointer: string, v: Record<string, unknown>, keys: Map<string, SourceLocation>, out: Diagnostic[]): void {
  const key = v['unique_key'];
  // A key with a reference is refused by interpolation in each environment; it cannot be compared here.
  if (typeof key !== 'string' || key.includes('$')) return;
  const keyPointer = childPointer(pointer, 'unique_key');
  const first = keys.get(key);
  if (first) {
    out.push(error(`duplicate unique_key "${key}": also declared at ${formatLocation(first)}`, { location: locate(doc, keyPointer), path: 'unique_key' }));
  } else {
    keys.set(key, locate(doc, keyPointer));
  }
}

export function unknownEnvironment(name: string, declared: Iterable<string>): string {
  const names = [...declared];
  const close = closestMatches(name, names, 1);
  const hint = close.length > 0 ? ` (did you mean "${close[0]}"?)` : '';
  return `unknown environment "${name}"${hint}; declared: ${names.length > 0 ? names.join(', ') : 'none'}`;
}

function checkIntegrationEnvironments(doc: ResolvedDocument, item: string, v: Record<string, unknown>, block: EnvironmentsBlock, out: Diagnostic[]): void {
  const pointer = childPointer(item, 'environments');
  const report = (p: string, message: string, which: 'key' | 'value' = 'value'): void => {
    out.push(error(message, { location: locate(doc, p, which), path: displayPath(p) ?? 'environments' }));
  };
  const where = v['environments'];
  if (Array.isArray(where)) {
    if (where.length === 0) report(pointer, 'must name at least one environment (leave the key out for every environment)');
    const seen = new Set<string>();
    where.forEach((name, i) => {
      const p = childPointer(pointer, i);
      if (typeof name !== 'string') report(p, 'must be an environment name');
      else if (!block.entries.has(name)) report(p, unknownEnvironment(name, block.entries.keys()));
      else if (seen.has(name)) report(p, `"${name}" is listed twice`);
      seen.add(String(name));
    });
    return;
  }
  const overrides = record(where);
  if (!overrides) {
    report(pointer, 'must be a list of environment names or a mapping of environment name to overrides');
    return;
  }
  if (Object.keys(overrides).length === 0) report(pointer, 'must name at least one environment (leave the key out for every environment)');
  const shared = record(v['credentials']);
  let firstType: { type: string; at: SourceLocation } | undefined;
  if (typeof shared?.['type'] === 'string') firstType = { type: shared['type'], at: locate(doc, childPointer(childPointer(item, 'credentials'), 'type')) };
  for (const [name, override] of Object.entries(overrides)) {
    const p = childPointer(pointer, name);
    if (!block.entries.has(name)) report(p, unknownEnvironment(name, block.entries.keys()), 'key');
    if (override === null) continue;
    const fields = record(override);
    if (!fields) {
      report(p, 'must be a mapping of the fields that differ in this environment (or empty)');
      continue;
    }
    for (const field of Object.keys(fields)) {
      if (OVERRIDE_FIELDS.has(field)) continue;
      const fixed = FIXED_FIELDS[field];
      const close = closestMatches(field, OVERRIDE_FIELDS, 1);
      const message = fixed ?? `unknown field "${field}"${close.length > 0 ? ` (did you mean "${close[0]}"?)` : ''}; an environment may set only ${[...OVERRIDE_FIELDS].join(', ')}`;
      report(childPointer(p, field), message, 'key');
    }
    const type = record(fields['credentials'])?.['type'];
    if (typeof type !== 'string') continue;
    const typePointer = childPointer(childPointer(p, 'credentials'), 'type');
    if (!firstType) firstType = { type, at: locate(doc, typePointer) };
    else if (type !== firstType.type) report(typePointer, `credentials.type cannot change per environment: it is ${firstType.type} at ${formatLocation(firstType.at)}`);
  }
}
