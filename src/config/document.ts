import type { ConfigFile } from './discover.js';
import type { NodePositions } from './load.js';
import { parentPointer } from './pointer.js';
import type { SourceLocation } from './types.js';

/** One config file after parsing and interpolation: the unit schema and semantic checks work on. */
export interface ResolvedDocument {
  file: ConfigFile;
  /** Plain value with every string interpolated; null for an empty document. */
  value: unknown;
  /** JSON Pointer → source positions. */
  positions: ReadonlyMap<string, NodePositions>;
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

/** True when the value at `pointer`, or anything inside it, stands in for an unset variable. */
export function dependsOnMissing(doc: ResolvedDocument, pointer: string): boolean {
  if (doc.missing.size === 0) return false;
  for (const m of doc.missing) if (m === pointer || m.startsWith(`${pointer}/`)) return true;
  return false;
}

export function isSensitive(doc: ResolvedDocument, pointer: string): boolean {
  for (const s of doc.sensitive) if (s === pointer || s.startsWith(`${pointer}/`)) return true;
  return false;
}
