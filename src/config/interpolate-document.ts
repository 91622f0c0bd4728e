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

  const walk = (value: unknown, pointer: string): unknown => {
    if (typeof value === 'string') {
      const r = interpolateString(value, lookup, options);
      const pos = parsed.positions.get(pointer)?.value ?? { line: 1, column: 1 };
      const path = displayPath(pointer);
      for (const e of r.errors) {
        diagnostics.push(
          error(e.message, {
            location: { file, line: pos.line, column: pos.column },
            ...(path !== undefined ? { path } : {}),
            ...(e.name !== undefined ? { envVar: e.name } : {}),
          }),
        );
      }
      if (r.sensitive && IDENTIFIER.test(pointer)) {
        // Keys and providers name things in every plan and log line: a value from the environment
        // there would either leak or make the plan unreadable, so it is refused.
        diagnostics.push(
          error('unique_key, renamed_from and provider cannot take values from the environment; write them literally', {
            location: { file, line: pos.line, column: pos.column },
            ...(path !== undefined ? { path } : {}),
          }),
        );
        missing.add(pointer);
      } else if (r.sensitive) {
        sensitive.add(pointer);
        if (r.value !== '') sensitiveValues.push(r.value);
      }
      // A value that failed to interpolate is as unknown as a missing one: later checks skip it
      // rather than pile "must not be empty" on top of "X is not set".
      if (r.missing.length > 0 || r.errors.length > 0) missing.add(pointer);
      return r.value;
    }
    if (Array.isArray(value)) return value.map((item, i) => walk(item, childPointer(pointer, i)));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        Object.defineProperty(out, k, { value: walk(v, childPointer(pointer, k)), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    return value;
  };

  const value = walk(parsed.value, '');
  return {
    document: { file: parsed.file, value, positions: parsed.positions, sensitive, missing },
    sensitiveValues,
    diagnostics,
  };
}
