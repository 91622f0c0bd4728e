import { showKey } from '../escape.js';
import type { Change, FieldChange } from '../plan/types.js';
import { formatConnections } from '../safety/rules.js';

export const SENSITIVE = '(sensitive)';

export function formatValue(value: unknown): string {
  if (value === undefined) return '(unknown)';
  if (Array.isArray(value)) return `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
  return JSON.stringify(value);
}

export function formatBefore(field: FieldChange): string {
  return field.sensitive ? SENSITIVE : formatValue(field.before);
}

export function formatAfter(field: FieldChange): string {
  return field.sensitive ? SENSITIVE : formatValue(field.after);
}

/**
 * The headline of a change, shared by the text and markdown renderers. `show` renders keys and
 * providers (both may come from the API): quoted when not plain, or as markdown code spans.
 */
export function describeChange(c: Change, show: (name: string) => string = showKey): string {
  const key = show(c.unique_key);
  const provider = show(c.provider);
  const from = (name: string | undefined): string => (name === undefined ? '?' : show(name));
  switch (c.action) {
    case 'create':
      return `create ${key} (${provider})`;
    case 'update':
      return `update ${key} (${provider})`;
    case 'rename':
      return `rename ${from(c.from_unique_key)} → ${key} (${provider})`;
    case 'delete':
      return `delete ${key} (${provider}): ${DELETE_REASON}${destroys(c)}`;
    case 'replace':
      return `replace ${key} (${from(c.from_provider)} → ${provider}) (forces replacement: provider${destroys(c)})`;
  }
}

/**
 * Why a delete is planned. The diff plans one for exactly this (and, with owns, only for owned keys; a
 * key outside owns stays unmanaged), so the renderer can say it without the plan carrying it.
 */
const DELETE_REASON = 'not declared in any file; prune is on';

/** `; destroys …` for a delete or replace, unless it is known to destroy nothing (then it is noise). */
function destroys(c: Change): string {
  return c.connections === 0 ? '' : `; destroys ${formatConnections(c.connections)}`;
}

/** A list field changed in place, item by item: what was added, removed, and what stayed. */
export interface ListDiff {
  added: unknown[];
  removed: unknown[];
  unchanged: unknown[];
}

/** Unchanged items are listed when at most this many, counted otherwise (HubSpot apps carry 20+ scopes). */
export const UNCHANGED_ITEMS_SHOWN = 5;

/** Item-level diff of a field whose old and new values are both known lists; undefined otherwise. */
export function listDiff(f: FieldChange): ListDiff | undefined {
  if (f.sensitive || !Array.isArray(f.before) || !Array.isArray(f.after)) return undefined;
  const was: readonly unknown[] = f.before;
  const now: readonly unknown[] = f.after;
  const id = (v: unknown): string => JSON.stringify(v) ?? 'undefined';
  const before = new Set(was.map(id));
  const after = new Set(now.map(id));
  return {
    added: now.filter((v) => !before.has(id(v))),
    removed: was.filter((v) => !after.has(id(v))),
    unchanged: now.filter((v) => before.has(id(v))),
  };
}

/** Whether a field of this change is new (shown as `+ path = value`) rather than changed in place. */
export function isNewField(c: Change, f: FieldChange): boolean {
  return c.action === 'create' || (c.action === 'replace' && f.path !== 'provider');
}

export const SYMBOL: Record<Change['action'], string> = {
  create: '+',
  update: '~',
  rename: '→',
  delete: '-',
  replace: '-/+',
};
