// The exact shape of a Plan as written by `plan --out` (render/json.ts), checked when a reviewed plan
// is read back (`apply --plan-file`). Keep it in step with types.ts: a field added there must be added here.
import { arrayOf, either, integer, json, literal, object, string, type Shape } from '../json-shape.js';
import { ACTIONS, ENVIRONMENT_STAGES, ENVIRONMENT_STATUSES } from './types.js';

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

const boolean: Shape = literal(true, false);

const SHAPING_FLAGS: Shape = object(
  { protect: arrayOf(string), owns: arrayOf(string), allow_replace: boolean, allow_delete_connections: boolean, allow_empty: boolean, target: arrayOf(string) },
  { prune: boolean, max_deletes: integer(0) },
);

/** PlanFileMetadata (types.ts). */
const PLAN_METADATA: Shape = object(
  { tool: literal('nango-gitops'), version: string, created_at: string, flags: SHAPING_FLAGS },
  { host: string },
);

const PLAN_FIELDS = {
  changes: arrayOf(CHANGE),
  summary: SUMMARY,
  unmanaged: arrayOf(string),
  notes: arrayOf(NOTE),
  digest: string,
};

// `refused` is optional: plan files written before it existed are still read. It is derived from the
// changes' verdicts, which the digest leaves out, so it cannot change what a digest means.
const refused = literal(true, false);

/** Present only in some plans: `skipped` with --target. */
const OPTIONAL_PLAN_FIELDS = { skipped: arrayOf(string) };

export const PLAN_SHAPE: Shape = object({ format_version: literal(1), ...PLAN_FIELDS }, { refused, ...OPTIONAL_PLAN_FIELDS, metadata: PLAN_METADATA });

const DIAGNOSTIC: Shape = object(
  { severity: literal('error', 'warning'), message: string },
  { path: string, location: object({ file: string, line: integer(1), column: integer(1) }), envVar: string },
);

/**
 * One environment of a plan file (EnvironmentEntry, render/json.ts): a plan file is written only when
 * every environment has a plan, so its fields are required here.
 */
const ENVIRONMENT_PLAN: Shape = object(
  { name: string, host: string, status: literal(...ENVIRONMENT_STATUSES), ...PLAN_FIELDS },
  { refused, stage: literal(...ENVIRONMENT_STAGES), error: string, diagnostics: arrayOf(DIAGNOSTIC), ...OPTIONAL_PLAN_FIELDS },
);

export const ENVIRONMENTS_PLAN_SHAPE: Shape = object({ format_version: literal(2), environments: arrayOf(ENVIRONMENT_PLAN) }, { refused, metadata: PLAN_METADATA });
