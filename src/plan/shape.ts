// The exact shape of a Plan as written by `plan --out` (render/json.ts), checked when a reviewed plan
// is read back (`apply --plan-file`). Keep it in step with types.ts: a field added there must be added here.
import { arrayOf, either, integer, json, literal, object, string, type Shape } from '../json-shape.js';
import { ACTIONS } from './types.js';

const count = integer(0);

const FIELD_CHANGE: Shape = object(
  { path: string },
  { before: json, after: json, sensitive: literal(true), after_fingerprint: string, note: string },
);

const CHANGE: Shape = object(
  { action: literal(...ACTIONS), unique_key: string, provider: string, fields: arrayOf(FIELD_CHANGE) },
  {
    from_unique_key: string,
    from_provider: string,
    connections: either(count, literal('unknown')),
    blocked: string,
    result: literal('applied', 'failed', 'skipped'),
    error: string,
  },
);

const SUMMARY: Shape = object({ create: count, update: count, rename: count, delete: count, replace: count, unchanged: count, unmanaged: count });

const NOTE: Shape = object({ message: string }, { unique_key: string });

export const PLAN_SHAPE: Shape = object({
  format_version: literal(1),
  changes: arrayOf(CHANGE),
  summary: SUMMARY,
  unmanaged: arrayOf(string),
  notes: arrayOf(NOTE),
  digest: string,
});
