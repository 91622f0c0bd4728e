import type { Positions, ResolvedDocument } from './document.js';
import { error } from './diagnostics.js';
import { interpolateString, type InterpolateOptions, type Lookup } from './interpolate.js';
import type { ParsedFile } from './load.js';
import { childPointer, displayPath } from './pointer.js';
import type { Diagnostic } from './types.js';

/** `/integrations/N/unique_key` and friends. */
const IDENTIFIER = /^\/integrations\/\d+\/(unique_key|renamed_from|provider)$/;

export interface InterpolatedDocument {
  document: ResolvedDocument;
  /** Every non-empty string that came (partly) from the environment. */
  sensitiveValues: string[];
  diagnostics: Diagnostic[];
}

/**
 * Interpolates every string value of a parsed file. Keys and non-string scalars are left alone:
 * `port: 80` stays a number and `${X}` as a key stays text, so interpolation never changes structure.
 */
export function interpolateDocument(parsed: Pick<ParsedFile, 'file' | 'value'> & { positions: Positions }, lookup: Lookup, options: InterpolateOptions): InterpolatedDocument {
  const sensitive = new Set<string>();
  const missing = new Set<string>();
  const sensitiveValues: string[] = [];
  const diagnostics: Diagnostic[] = [];
  const file = parsed.file.display;

  // The path to the value being walked; its pointer, position and display path are built only for a string
  // that needs them (an error, or a value from the environment): most strings hold no `$` at all.
  const path: Array<string | number> = [];
  const pointerHere = (): string => path.reduce<string>(childPointer, '');

  const walkString = (value: string): string => {
    if (!value.includes('$')) return value;
    const r = interpolateString(value, lookup, options);
    if (!r.sensitive && r.errors.length === 0 && r.missing.length === 0) return r.value;
    const pointer = pointerHere();
    const where = (): Pick<Diagnostic, 'location' | 'path'> => {
      const pos = parsed.positions.get(pointer)?.value ?? { line: 1, column: 1 };
      const shown = displayPath(pointer);
      return { location: { file, line: pos.line, column: pos.column }, ...(shown !== undefined ? { path: shown } : {}) };
    };
    for (const e of r.errors) diagnostics.push(error(e.message, { ...where(), ...(e.name !== undefined ? { envVar: e.name } : {}) }));
    if (r.sensitive && IDENTIFIER.test(pointer)) {
      // Keys and providers name things in every plan and log line: a value from the environment
      // there would either leak or make the plan unreadable, so it is refused.
      diagnostics.push(error('unique_key, renamed_from and provider cannot take values from the environment; write them literally', where()));
      missing.add(pointer);
    } else if (r.sensitive) {
      sensitive.add(pointer);
      if (r.value !== '') sensitiveValues.push(r.value);
    }
    // A value that failed to interpolate is as unknown as a missing one: later checks skip it
    // rather than pile "must not be empty" on top of "X is not set".
    if (r.missing.length > 0 || r.errors.length > 0) missing.add(pointer);
    return r.value;
  };

  // Copy on write: a list or mapping comes back as it is unless a string inside it changed, so a config
  // without `${...}` costs no copy (the parsed value is never modified, by this or any later stage).
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') return walkString(value);
    if (Array.isArray(value)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        path.push(i);
        const item: unknown = value[i];
        const next = walk(item);
        path.pop();
        if (out === undefined && next !== item) out = value.slice(0, i);
        out?.push(next);
      }
      return out ?? value;
    }
    if (value !== null && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      let out: Record<string, unknown> | undefined;
      for (let n = 0; n < keys.length; n++) {
        const k = keys[n]!;
        path.push(k);
        const item = record[k];
        const next = walk(item);
        path.pop();
        if (out === undefined && next !== item) {
          out = {};
          for (let m = 0; m < n; m++) setField(out, keys[m]!, record[keys[m]!]);
        }
        if (out !== undefined) setField(out, k, next);
      }
      return out ?? value;
    }
    return value;
  };

  const value = walk(parsed.value);
  return {
    document: { file: parsed.file, value, positions: parsed.positions, sensitive, missing },
    sensitiveValues,
    diagnostics,
  };
}

/** A key named `__proto__` must stay an ordinary (unknown) field, not set the prototype. */
function setField(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}
