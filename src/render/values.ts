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
      return `delete ${key} (${provider}) (destroys ${formatConnections(c.connections)})`;
    case 'replace':
      return `replace ${key} (${from(c.from_provider)} → ${provider}) (forces replacement: provider; destroys ${formatConnections(c.connections)})`;
  }
}

export const SYMBOL: Record<Change['action'], string> = {
  create: '+',
  update: '~',
  rename: '→',
  delete: '-',
  replace: '-/+',
};
