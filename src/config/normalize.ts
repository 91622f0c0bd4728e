// Resolved, validated documents → the DesiredState the planner consumes. Runs only when no error
// was found, so it may trust the schema's shapes.
import { canonicalJson, sha256Hex } from '../plan/canonical.js';
import { locate, type ResolvedDocument } from './document.js';
import { stripOneNewline } from './env.js';
import { childPointer, integrationIndex, pointerSegments } from './pointer.js';
import type { CredentialsType, DesiredCredentials, DesiredIntegration, DesiredState, Settings, SourceLocation } from './types.js';
import { splitScopes } from './validate.js';

/** Fields never shown, whatever their provenance. */
export const SECRET_FIELDS = ['client_secret', 'private_key', 'webhook_secret'] as const;
const TOP_FIELDS = ['unique_key', 'provider', 'display_name', 'forward_webhooks', 'renamed_from'] as const;
const CREDENTIAL_FIELDS = ['type', 'client_id', 'client_secret', 'scopes', 'webhook_secret', 'app_id', 'app_link', 'private_key'] as const;

function record(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** Scopes as a sorted set: the API stores a comma string, and order never matters. */
export function normalizeScopes(value: string | readonly string[]): string[] {
  return [...new Set(splitScopes(value).scopes)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The field path (as in DesiredIntegration.sensitive) that a pointer inside an integration belongs to. */
function sensitiveField(relative: readonly string[]): string | undefined {
  const [first, second] = relative;
  if (first === undefined) return undefined;
  if ((first === 'credentials' || first === 'integration_config') && second !== undefined) return `${first}.${second}`;
  return first;
}

const groups = new WeakMap<ResolvedDocument, Map<number, string[]>>();

/** The document's sensitive pointers by integration index, grouped once: a scan per integration is quadratic. */
function sensitiveByIntegration(doc: ResolvedDocument): Map<number, string[]> {
  const cached = groups.get(doc);
  if (cached) return cached;
  const byIndex = new Map<number, string[]>();
  for (const p of doc.sensitive) {
    const index = integrationIndex(p);
    if (index === undefined) continue;
    const list = byIndex.get(index);
    if (list) list.push(p);
    else byIndex.set(index, [p]);
  }
  groups.set(doc, byIndex);
  return byIndex;
}

/** Where each managed field is written; built the first time something asks (a diff error), not per run. */
function fieldSourcesOf(doc: ResolvedDocument, pointer: string, v: Record<string, unknown>): Record<string, SourceLocation> {
  const fieldSources: Record<string, SourceLocation> = {};
  const source = (path: string, p: string): void => {
    // defineProperty: an integration_config key named `__proto__` is a field like any other.
    Object.defineProperty(fieldSources, path, { value: locate(doc, p), enumerable: true, writable: true, configurable: true });
  };
  for (const f of TOP_FIELDS) {
    if (v[f] === undefined) continue;
    source(f, childPointer(pointer, f));
  }
  const creds = record(v['credentials']);
  if (creds) {
    const credsPointer = childPointer(pointer, 'credentials');
    source('credentials', credsPointer);
    for (const f of CREDENTIAL_FIELDS) if (creds[f] !== undefined) source(`credentials.${f}`, childPointer(credsPointer, f));
  }
  const config = record(v['integration_config']);
  if (config) {
    const configPointer = childPointer(pointer, 'integration_config');
    source('integration_config', configPointer);
    for (const k of Object.keys(config)) source(`integration_config.${k}`, childPointer(configPointer, k));
  }
  return fieldSources;
}

function buildIntegration(doc: ResolvedDocument, pointer: string, v: Record<string, unknown>, sensitiveValues: Set<string>): DesiredIntegration {
  const sensitive = new Set<string>();

  const integration: Omit<DesiredIntegration, 'sensitive' | 'source' | 'fieldSources'> = {
    unique_key: String(v['unique_key']),
    provider: String(v['provider']),
  };
  if (typeof v['display_name'] === 'string') integration.display_name = v['display_name'];
  if (typeof v['forward_webhooks'] === 'boolean') integration.forward_webhooks = v['forward_webhooks'];
  if (typeof v['renamed_from'] === 'string') integration.renamed_from = v['renamed_from'];

  const creds = record(v['credentials']);
  if (creds) {
    const out: DesiredCredentials = { type: creds['type'] as CredentialsType };
    for (const f of CREDENTIAL_FIELDS) {
      const value = creds[f];
      if (value === undefined || f === 'type') continue;
      if (f === 'scopes') {
        if (typeof value === 'string' || Array.isArray(value)) out.scopes = normalizeScopes(value as string | string[]);
      } else if (typeof value === 'string') {
        out[f] = f === 'private_key' ? stripOneNewline(value) : value;
      }
    }
    for (const f of SECRET_FIELDS) {
      const value = out[f];
      if (value === undefined) continue;
      sensitive.add(`credentials.${f}`);
      if (value !== '') sensitiveValues.add(value);
      const raw = creds[f];
      if (typeof raw === 'string' && raw !== '') sensitiveValues.add(raw);
    }
    integration.credentials = out;
  }

  const config = record(v['integration_config']);
  if (config) {
    const out: Record<string, string> = {};
    for (const [k, value] of Object.entries(config)) {
      Object.defineProperty(out, k, { value: String(value), enumerable: true, writable: true, configurable: true });
    }
    integration.integration_config = out;
  }

  const prefix = pointerSegments(pointer).length;
  for (const p of sensitiveByIntegration(doc).get(integrationIndex(pointer) ?? -1) ?? []) {
    const field = sensitiveField(pointerSegments(p).slice(prefix));
    if (field !== undefined) sensitive.add(field);
  }

  // Source locations are read only by a diff error: found when first read, not for every integration.
  let source: SourceLocation | undefined;
  let fieldSources: Record<string, SourceLocation> | undefined;
  return {
    ...integration,
    sensitive,
    get source() {
      return (source ??= locate(doc, pointer));
    },
    get fieldSources() {
      return (fieldSources ??= fieldSourcesOf(doc, pointer, v));
    },
  };
}

function buildSettings(doc: ResolvedDocument, v: Record<string, unknown>): Settings {
  const settings: Settings = { source: locate(doc, '/settings', 'key') };
  if (typeof v['prune'] === 'boolean') settings.prune = v['prune'];
  if (Array.isArray(v['protect'])) settings.protect = v['protect'].map(String);
  if (typeof v['max_deletes'] === 'number') settings.max_deletes = v['max_deletes'];
  if (Array.isArray(v['owns'])) settings.owns = v['owns'].map(String);
  return settings;
}

export { canonicalJson };

/**
 * sha256 over the resolved config, secrets included (a rotation must change it), positions excluded.
 * An environment's name and host count too (a changed host is a different target); without an
 * environments block they are left out, so the digest is the one earlier versions computed.
 */
export function digestDesiredState(integrations: readonly DesiredIntegration[], settings: Settings, target: EnvironmentTarget = {}): string {
  // Not a rest pattern: reading fieldSources would build it (normalize.ts builds it on first use).
  const strip = (i: DesiredIntegration): Record<string, unknown> => {
    const rest: Record<string, unknown> = {};
    for (const k of Object.keys(i) as Array<keyof DesiredIntegration>) if (k !== 'sensitive' && k !== 'source' && k !== 'fieldSources') rest[k] = i[k];
    return rest;
  };
  const { source: _source, ...plainSettings } = settings;
  const sorted = [...integrations].sort((a, b) => (a.unique_key < b.unique_key ? -1 : a.unique_key > b.unique_key ? 1 : 0)).map(strip);
  const named = target.environment === undefined ? {} : { environment: target.environment, host: target.host };
  return sha256Hex(canonicalJson({ ...named, settings: plainSettings, integrations: sorted }));
}

export interface EnvironmentTarget {
  environment?: string;
  host?: string;
}

export interface StateInputs extends EnvironmentTarget {
  files: string[];
  extraWatchPaths: string[];
  sensitiveValues: Iterable<string>;
}

export function buildDesiredState(docs: readonly ResolvedDocument[], inputs: StateInputs): DesiredState {
  const sensitiveValues = new Set([...inputs.sensitiveValues].filter((s) => s !== ''));
  const integrations: DesiredIntegration[] = [];
  let settings: Settings = {};
  for (const doc of docs) {
    const root = record(doc.value);
    if (!root) continue;
    const s = record(root['settings']);
    if (s) settings = buildSettings(doc, s);
    const list = root['integrations'];
    if (!Array.isArray(list)) continue;
    list.forEach((item, i) => {
      const v = record(item);
      if (v) integrations.push(buildIntegration(doc, childPointer('/integrations', i), v, sensitiveValues));
    });
  }
  // Interpolated scalars are already in sensitiveValues; a sensitive scope list is added in the
  // comma-joined form the API echoes back. Single scopes are not added: scrubbing "read" would over-mask.
  for (const i of integrations) {
    const joined = i.credentials?.scopes?.join(',');
    if (i.sensitive.has('credentials.scopes') && joined) sensitiveValues.add(joined);
  }
  const target: EnvironmentTarget = {
    ...(inputs.environment !== undefined ? { environment: inputs.environment } : {}),
    ...(inputs.host !== undefined ? { host: inputs.host } : {}),
  };
  // The digest is read by the daemon only (is a reload due?): taken when first read, not on every plan,
  // where it was ~40 % of building the state.
  let digest: string | undefined;
  return {
    ...target,
    integrations,
    settings,
    files: inputs.files,
    extraWatchPaths: inputs.extraWatchPaths,
    get digest() {
      return (digest ??= digestDesiredState(integrations, settings, target));
    },
    sensitiveValues,
  };
}
