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

/** The headline of a change, shared by the text and markdown renderers. */
export function describeChange(c: Change): string {
  switch (c.action) {
    case 'create':
      return `create ${c.unique_key} (${c.provider})`;
    case 'update':
      return `update ${c.unique_key} (${c.provider})`;
    case 'rename':
      return `rename ${c.from_unique_key ?? '?'} → ${c.unique_key} (${c.provider})`;
    case 'delete':
      return `delete ${c.unique_key} (${c.provider}) (destroys ${formatConnections(c.connections)})`;
    case 'replace':
      return `replace ${c.unique_key} (${c.from_provider ?? '?'} → ${c.provider}) (forces replacement: provider; destroys ${formatConnections(c.connections)})`;
  }
}

export const SYMBOL: Record<Change['action'], string> = {
  create: '+',
  update: '~',
  rename: '→',
  delete: '-',
  replace: '-/+',
};
