// The Plan is data: the one value that plan prints and apply executes. It holds no secret value.

export type Action = 'create' | 'update' | 'rename' | 'delete' | 'replace';
export const ACTIONS: readonly Action[] = ['create', 'update', 'rename', 'delete', 'replace'];

export interface FieldChange {
  /** Dotted path, e.g. `display_name`, `credentials.client_secret`, `credentials.scopes`. */
  path: string;
  /** Absent when sensitive, or when the value is unknown (never read, or new). */
  before?: unknown;
  after?: unknown;
  sensitive?: true;
  /** Sensitive fields only: HMAC of the new value, so a reviewed plan changes when a secret does. */
  after_fingerprint?: string;
  /** Why this field is in the plan when the values cannot be compared, e.g. "changed since last apply". */
  note?: string;
}

export interface Change {
  action: Action;
  unique_key: string;
  /** Rename only: the remote key being renamed. */
  from_unique_key?: string;
  provider: string;
  /** Replace only: the provider being replaced. */
  from_provider?: string;
  fields: FieldChange[];
  /** Connections the change destroys (delete, replace) or must not have (rename); 'unknown' when unreadable. */
  connections?: number | 'unknown';
  /** Set by a safety rule: why this change is refused. A plan with a blocked change applies nothing. */
  blocked?: string;
  /** Apply only. */
  result?: 'applied' | 'failed' | 'skipped';
  error?: string;
}

export interface Summary {
  create: number;
  update: number;
  rename: number;
  delete: number;
  replace: number;
  unchanged: number;
  unmanaged: number;
}

export interface Plan {
  format_version: 1;
  changes: Change[];
  summary: Summary;
  /** Remote keys no file declares and that will not be deleted (no prune, or protected). */
  unmanaged: string[];
  /** Things a reviewer should know that change nothing, e.g. "credentials cannot be read: drift not detectable". */
  notes: PlanNote[];
  /** sha256 over changes (without results) and summary; identifies what was reviewed. */
  digest: string;
  /** Only with `--target`: the keys (declared or in Nango) outside every target, which were not planned. */
  skipped?: string[];
}

/**
 * What a plan file (`plan --out`) records beside the plan: who wrote it, when, where, and the flags that
 * shaped it, so that `apply --plan-file` plans again exactly as reviewed. Never a secret key.
 */
export interface PlanFileMetadata {
  tool: 'nango-gitops';
  version: string;
  /** ISO 8601, UTC. */
  created_at: string;
  /** format_version 1 only: the host planned against (format_version 2 records each environment's name and host in its entry). */
  host?: string;
  flags: ShapingFlags;
}

/** The flags as given on the command line (or their variables); an absent or empty one was not given (settings decide). */
export interface ShapingFlags {
  prune?: boolean;
  protect: string[];
  owns: string[];
  max_deletes?: number;
  allow_replace: boolean;
  allow_delete_connections: boolean;
  allow_empty: boolean;
  target: string[];
}

export interface PlanNote {
  unique_key?: string;
  message: string;
}

/**
 * What became of one environment's run. invalid: config errors, nothing planned. planned: a plan,
 * nothing applied (plan mode). refused: a safety rule or the reviewed plan said no, nothing applied.
 * applied: every change applied (or none needed). failed: Nango failed, or a change was not applied.
 */
export type EnvironmentStatus = 'invalid' | 'planned' | 'refused' | 'applied' | 'failed';
export const ENVIRONMENT_STATUSES: readonly EnvironmentStatus[] = ['invalid', 'planned', 'refused', 'applied', 'failed'];

/**
 * Where a run stopped: `config` (the environment's config is invalid), `plan` (it cannot be planned
 * against the live state), `api` (Nango failed), `safety` (a rule blocked the plan), `review` (the plan
 * is not the reviewed one), `apply` (a change failed).
 */
export type EnvironmentStage = 'config' | 'plan' | 'api' | 'safety' | 'review' | 'apply';
export const ENVIRONMENT_STAGES: readonly EnvironmentStage[] = ['config', 'plan', 'api', 'safety', 'review', 'apply'];

/** One environment in the document of a config with an environments block: its plan's fields when it has one. */
export interface EnvironmentEntry extends Partial<Omit<Plan, 'format_version'>> {
  name: string;
  /** Absent only when the environment's host could not be resolved. The secret key is never recorded. */
  host?: string;
  status: EnvironmentStatus;
  /** status is refused (always written; absent in files written before it existed). */
  refused?: boolean;
  stage?: EnvironmentStage;
  error?: string;
  diagnostics?: EntryDiagnostic[];
}

export interface EntryDiagnostic {
  severity: 'error' | 'warning';
  message: string;
  path?: string;
  location?: { file: string; line: number; column: number };
  envVar?: string;
}

/** The plan (and apply result) of several environments; also the plan file they are applied from. */
export interface EnvironmentsDocument {
  format_version: 2;
  /** Some environment is refused (always written; absent in files written before it existed). */
  refused?: boolean;
  environments: EnvironmentEntry[];
}
