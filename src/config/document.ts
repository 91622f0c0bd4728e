import type { ConfigFile } from './discover.js';
import type { NodePositions } from './load.js';
import { parentPointer } from './pointer.js';
import type { SourceLocation } from './types.js';

/** JSON Pointer → source positions: a parsed file's map, or an environment's view over it (environment-view.ts). */
export type Positions = Pick<ReadonlyMap<string, NodePositions>, 'get'>;

/** One config file after parsing and interpolation: the unit schema and semantic checks work on. */
export interface ResolvedDocument {
  file: ConfigFile;
  /** Plain value with every string interpolated; null for an empty document. */
  value: unknown;
  positions: Positions;
  /** Pointers of strings that took at least one value from the environment. */
  sensitive: ReadonlySet<string>;
  /** Pointers of strings whose value is unknown (unset variable under allowMissingEnv, or an interpolation error): checks on them are skipped. */
  missing: ReadonlySet<string>;
}

/** Position of the value at `pointer` (or its key), falling back to the nearest ancestor that has one. */
export function locate(doc: ResolvedDocument, pointer: string, which: 'value' | 'key' = 'value'): SourceLocation {
  let p: string | undefined = pointer;
  while (p !== undefined) {
    const found = doc.positions.get(p);
    if (found) {
      const pos = (which === 'key' && p === pointer ? found.key : undefined) ?? found.value;
      return { file: doc.file.display, line: pos.line, column: pos.column };
    }
    p = parentPointer(p);
  }
  return { file: doc.file.display, line: 1, column: 1 };
}

const closures = new WeakMap<ReadonlySet<string>, ReadonlySet<string>>();

/**
 * The pointers and all their ancestors, so "is anything at or below P in the set" is one lookup:
 * scanning the set per question made a 25,000-integration file take minutes. The sets are complete
 * once interpolation returns, so caching by identity is safe.
 */
function withAncestors(pointers: ReadonlySet<string>): ReadonlySet<string> {
  const cached = closures.get(pointers);
  if (cached) return cached;
  const all = new Set<string>();
  for (const p of pointers) {
    for (let q: string | undefined = p; q !== undefined && !all.has(q); q = parentPointer(q)) all.add(q);
  }
  closures.set(pointers, all);
  return all;
}

/** True when the value at `pointer`, or anything inside it, stands in for an unset variable. */
export function dependsOnMissing(doc: ResolvedDocument, pointer: string): boolean {
  return doc.missing.size > 0 && withAncestors(doc.missing).has(pointer);
}

export function isSensitive(doc: ResolvedDocument, pointer: string): boolean {
  return doc.sensitive.size > 0 && withAncestors(doc.sensitive).has(pointer);
}
