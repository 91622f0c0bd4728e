// Several environments' live integrations → one config: what is equal everywhere once, the differences as
// per-environment overrides (the contract of the `environments:` key, see config/environment-view.ts).
// Pure, like documents.ts: secret values are only compared here, never written.
import type { Pair } from 'yaml';
import type { LiveIntegration } from '../nango/types.js';
import {
  exportIntegration,
  renderDocument,
  SECRET_FIELDS,
  type ExportedDocument,
  type ExportedEnvironments,
  type ExportNote,
  type ExportOptions,
  type ExportResult,
  type ExportVariable,
  type Item,
} from './documents.js';
import { createFileNamer } from './file-names.js';
import { createVariableNamer } from './variables.js';

export interface EnvironmentIntegrations {
  name: string;
  integrations: readonly LiveIntegration[];
}

export interface EnvironmentsExportOptions extends ExportOptions {
  /** The config's `settings:` and `environments:` entries (selected environments only), written as they are. */
  head: readonly Pair[];
  /** Name of the file that holds `head` alone; undefined: `head` opens the (first) document instead. */
  headFile?: string;
  environments: ExportedEnvironments;
}

/** A secret (or unreadable) value: compared by its live value, written as a `${…}` reference. */
class Hidden {
  constructor(
    readonly field: string,
    /** undefined: not known (unreadable, or Nango holds none), so never equal to another. */
    readonly value: string | undefined,
  ) {}
}

function record(v: unknown): Item | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Hidden) ? (v as Item) : undefined;
}

function same(a: unknown, b: unknown): boolean {
  if (a instanceof Hidden || b instanceof Hidden) {
    return a instanceof Hidden && b instanceof Hidden && a.field === b.field && a.value !== undefined && a.value === b.value;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => same(v, b[i]));
  }
  const ra = record(a);
  const rb = record(b);
  if (ra || rb) {
    if (!ra || !rb) return false;
    const ka = Object.keys(ra);
    return ka.length === Object.keys(rb).length && ka.every((k) => Object.hasOwn(rb, k) && same(ra[k], rb[k]));
  }
  return a === b;
}

interface Split {
  shared: Item;
  /** Per environment, what it has besides `shared`; absent when nothing. */
  own: Map<string, Item>;
}

/**
 * Splits the environments' values of one mapping into the part every one of them has (equal) and the rest.
 * A mapping every environment has is split key by key (overrides merge into it); anything else that
 * differs, or that only some have, goes whole into those environments' overrides (it replaces).
 */
function splitValues(values: ReadonlyArray<{ environment: string; value: Item }>): Split {
  const shared: Item = {};
  const own = new Map<string, Item>();
  const put = (environment: string, field: string, value: unknown): void => {
    const o = own.get(environment) ?? {};
    o[field] = value;
    own.set(environment, o);
  };
  const fields = [...new Set(values.flatMap((v) => Object.keys(v.value)))];
  for (const field of fields) {
    const having = values.filter((v) => Object.hasOwn(v.value, field));
    const first = having[0]?.value[field];
    if (having.length === values.length && having.every((v) => same(v.value[field], first))) {
      shared[field] = first;
    } else if (having.length === values.length && having.every((v) => record(v.value[field]) !== undefined)) {
      const inner = splitValues(having.map((v) => ({ environment: v.environment, value: record(v.value[field]) ?? {} })));
      if (Object.keys(inner.shared).length > 0) shared[field] = inner.shared;
      for (const [environment, value] of inner.own) put(environment, field, value);
    } else {
      for (const v of having) put(v.environment, field, v.value[field]);
    }
  }
  return { shared, own };
}

const credentialsType = (item: Item): unknown => record(item['credentials'])?.['type'];

/**
 * A unique_key has one provider and one credentials type in every environment (they cannot be overridden).
 * Keeps the largest group of environments that agree (the first declared on a tie); the others are left out.
 */
function agreeing(found: ReadonlyArray<{ environment: string; value: Item }>): { kept: typeof found; left: typeof found } {
  const largest = (groups: Map<unknown, Array<(typeof found)[number]>>): Array<(typeof found)[number]> =>
    [...groups.values()].reduce((best, g) => (g.length > best.length ? g : best), [] as Array<(typeof found)[number]>);
  const byProvider = new Map<unknown, Array<(typeof found)[number]>>();
  for (const f of found) byProvider.set(f.value['provider'], [...(byProvider.get(f.value['provider']) ?? []), f]);
  const sameProvider = largest(byProvider);
  // Environments without credentials agree with any type: the type lives in the others' part.
  const byType = new Map<unknown, Array<(typeof found)[number]>>();
  for (const f of sameProvider) if (credentialsType(f.value) !== undefined) byType.set(credentialsType(f.value), [...(byType.get(credentialsType(f.value)) ?? []), f]);
  const type = byType.size > 1 ? credentialsType(largest(byType)[0]?.value ?? {}) : undefined;
  const kept = sameProvider.filter((f) => type === undefined || credentialsType(f.value) === undefined || credentialsType(f.value) === type);
  return { kept, left: found.filter((f) => !kept.includes(f)) };
}

const byKey = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function exportEnvironments(environments: readonly EnvironmentIntegrations[], options: EnvironmentsExportOptions): ExportResult {
  const names = environments.map((e) => e.name);
  const nameVariable = createVariableNamer(options.environments.variables.filter((v) => v.field === 'secret_key').map((v) => v.name));
  const variables: ExportVariable[] = [];
  const notes: ExportNote[] = [];

  // Each environment's integrations as config, hidden values still marked (not yet named).
  const found = new Map<string, Array<{ environment: string; value: Item }>>();
  for (const environment of environments) {
    for (const live of environment.integrations) {
      const value = exportIntegration(live, options, (_key, field, v) => new Hidden(field, v), (message) =>
        notes.push({ unique_key: live.unique_key, environment: environment.name, message }),
      );
      found.set(live.unique_key, [...(found.get(live.unique_key) ?? []), { environment: environment.name, value }]);
    }
  }

  const items: Array<{ key: string; item: Item }> = [];
  for (const key of [...found.keys()].sort(byKey)) {
    const { kept, left } = agreeing(found.get(key) ?? []);
    const head = kept[0]?.value;
    if (!head) continue;
    for (const l of left) {
      notes.push({
        unique_key: key,
        environment: l.environment,
        message: `left out: its provider or credentials type here differs from ${kept.map((k) => k.environment).join(', ')}'s (${String(head['provider'])}), and a unique_key has one in every environment; plan shows it unmanaged here`,
      });
    }
    const where = kept.map((k) => k.environment);
    const fields = (item: Item): Item => {
      const rest: Item = {};
      for (const [k, v] of Object.entries(item)) if (k !== 'unique_key' && k !== 'provider') rest[k] = v;
      return rest;
    };
    const split = splitValues(kept.map((k) => ({ environment: k.environment, value: fields(k.value) })));

    // References in the shared part stand for one value in every environment; in an override, for that environment's.
    const name = (value: unknown, environment: string | undefined, path: string): unknown => {
      if (value instanceof Hidden) {
        const variable = nameVariable(key, value.field, environment);
        variables.push({ name: variable, unique_key: key, path: `${path}${value.field}`, secret: SECRET_FIELDS.has(value.field), environments: environment === undefined ? where : [environment] });
        return `\${${variable}}`;
      }
      const r = record(value);
      if (!r) return value;
      const out: Item = {};
      for (const [k, v] of Object.entries(r)) out[k] = name(v, environment, k === 'credentials' ? 'credentials.' : path);
      return out;
    };
    const item: Item = { unique_key: head['unique_key'], provider: head['provider'], ...(name(split.shared, undefined, '') as Item) };
    const overrides = where.map((environment) => [environment, name(split.own.get(environment) ?? {}, environment, '')] as const);
    if (split.own.size > 0) item['environments'] = Object.fromEntries(overrides);
    else if (where.length < names.length) item['environments'] = where;
    items.push({ key, item });
  }

  const nameFile = createFileNamer(options.headFile === undefined ? [] : [options.headFile]);
  const documents: ExportedDocument[] = [];
  if (options.headFile !== undefined) documents.push({ name: options.headFile, unique_keys: [], content: renderDocument(undefined, options.schemaRef, options.head) });
  const head = options.headFile === undefined ? options.head : [];
  if (options.split) {
    items.forEach(({ key, item }, i) => documents.push({ name: nameFile(key), unique_keys: [key], content: renderDocument([item], options.schemaRef, i === 0 ? head : []) }));
  } else {
    documents.push({ name: options.fileName ?? 'integrations.yaml', unique_keys: items.map((i) => i.key), content: renderDocument(items.map((i) => i.item), options.schemaRef, head) });
  }
  notes.sort((a, b) => byKey(a.unique_key, b.unique_key) || names.indexOf(a.environment ?? '') - names.indexOf(b.environment ?? ''));
  return { documents, variables, notes, environments: options.environments };
}
