// The desired state: what the committed YAML says, after interpolation and validation.

export interface SourceLocation {
  /** Path as the user named it (relative to the working directory when inside it). */
  file: string;
  line: number;
  column: number;
}

/** One problem found while reading config. Rendered as `file:line:col: path: message`. */
export interface Diagnostic {
  severity: 'error' | 'warning';
  message: string;
  /** Dotted path inside an integration (`credentials.client_secret`) or the document. */
  path?: string;
  location?: SourceLocation;
  /** Set when the problem is about an environment variable rather than a file position. */
  envVar?: string;
}

export type CredentialsType = 'OAUTH1' | 'OAUTH2' | 'TBA' | 'APP' | 'CUSTOM';

export interface DesiredCredentials {
  type: CredentialsType;
  client_id?: string;
  client_secret?: string;
  /** Omitted = not managed. An empty array = managed as "no scopes". Order is not significant. */
  scopes?: string[];
  webhook_secret?: string;
  app_id?: string;
  app_link?: string;
  /** PKCS#1 PEM, one trailing newline already trimmed. */
  private_key?: string;
}

export interface DesiredIntegration {
  unique_key: string;
  provider: string;
  display_name?: string;
  forward_webhooks?: boolean;
  renamed_from?: string;
  credentials?: DesiredCredentials;
  integration_config?: Record<string, string>;
  /**
   * Field paths whose values must never be shown: secret fields (`credentials.client_secret`,
   * `credentials.private_key`, `credentials.webhook_secret`) and every field whose value came
   * from interpolation (`display_name` too, if it did). `credentials.scopes` covers the whole list;
   * `integration_config.NAME` covers one entry.
   */
  sensitive: ReadonlySet<string>;
  /** Where the list item starts. */
  source: SourceLocation;
  /** Where each field's value sits, keyed by the same dotted paths. */
  fieldSources: Readonly<Record<string, SourceLocation>>;
}

export interface Settings {
  prune?: boolean;
  protect?: string[];
  max_deletes?: number;
  /** Globs on unique_key: when set, only matching keys are ever deleted, replaced or renamed. */
  owns?: string[];
  source?: SourceLocation;
}

export interface DesiredState {
  /** The `environments:` entry this state is for; undefined without an environments block. */
  environment?: string;
  /** The Nango API URL without trailing slash: the environment's `host`, else NANGO_HOST, else https://api.nango.dev. */
  host?: string;
  integrations: DesiredIntegration[];
  /** The top-level settings, overridden key by key by the environment's own. */
  settings: Settings;
  /** Every config file read, in a stable order. */
  files: string[];
  /** Files outside the config paths whose change changes the resolved config (env files, `*_FILE` secrets). */
  extraWatchPaths: string[];
  /** sha256 over the resolved config (secrets included, so a rotation changes it); hex. */
  digest: string;
  /** Every value marked sensitive, for last-line scrubbing of text that came from elsewhere (API errors). */
  sensitiveValues: ReadonlySet<string>;
}

export interface LoadOptions {
  /** Files or directories (`-c`). */
  paths: string[];
  /** No `-c` was given: `paths` is the default, and a missing one says how to give or create a config. */
  defaultPath?: boolean;
  /** The environment interpolation reads (normally process.env). */
  env: Readonly<Record<string, string | undefined>>;
  /** dotenv files; their values count as from the environment (sensitive) but the real env wins. */
  envFiles?: string[];
  /** When non-empty, interpolation may read only variables with one of these prefixes. */
  envPrefixes?: string[];
  /** validate --allow-missing-env: only check that references are well-formed. */
  allowMissingEnv?: boolean;
  /** Base for making file names relative in messages. */
  cwd?: string;
  /** loadDesiredState only: the `environments:` entry to resolve (required when the config has that block). */
  environment?: string;
}

export interface LoadResult {
  /** Absent when any error diagnostic was produced (fail closed: no partial state). */
  state?: DesiredState;
  diagnostics: Diagnostic[];
}

/** One declared environment, before anything of it is resolved (its variables are read only when it is). */
export interface EnvironmentConfig {
  name: string;
  /** Where its entry starts in the `environments:` block. */
  source: SourceLocation;
}

/** One environment's desired state, plus what is needed to reach it. */
export interface EnvironmentResult extends LoadResult {
  /** undefined for a config without an environments block. */
  environment: string | undefined;
  /** Known once the host resolved (even when the integrations did not). */
  host?: string;
  /** Only when asked for (`secretKey: true`) and resolved; never part of the state, never printed. */
  secretKey?: string;
}
