// Where an environment is and how to authenticate to it: its host and its secret key, each read from
// the environment's own entry (or NANGO_HOST / NANGO_SECRET_KEY without an environments block).
import { error } from './diagnostics.js';
import { locate, type ResolvedDocument } from './document.js';
import { keyVariable, type EnvironmentEntry } from './environments.js';
import { interpolateString, type InterpolateOptions, type Lookup } from './interpolate.js';
import { childPointer, displayPath } from './pointer.js';
import type { Diagnostic } from './types.js';

export const DEFAULT_HOST = 'https://api.nango.dev';

type Env = Readonly<Record<string, string | undefined>>;

/** NANGO_HOST, else Nango's cloud; without trailing slashes. */
export function defaultHost(env: Env): string {
  return (env['NANGO_HOST']?.trim() || DEFAULT_HOST).replace(/\/+$/, '');
}

/** Why a host cannot be used; never quotes it (a URL may carry a password). */
function hostProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an http(s) URL, e.g. https://api.nango.dev';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `must be an http(s) URL, not ${url.protocol}`;
  if (url.search || url.hash) return 'must not have a query or fragment';
  if (url.username || url.password) return 'must not contain a user name or password';
  return undefined;
}

function at(doc: ResolvedDocument, pointer: string, message: string, envVar?: string): Diagnostic {
  return error(message, { location: locate(doc, pointer), path: displayPath(pointer) ?? 'environments', ...(envVar !== undefined ? { envVar } : {}) });
}

/**
 * The entry's host, interpolated (a default like `${NANGO_HOST_DEV:-https://api.nango.dev}` is the usual
 * form), else NANGO_HOST. A host is shown in every plan header, so it is never treated as secret.
 */
export function resolveHost(doc: ResolvedDocument, entry: EnvironmentEntry, lookup: Lookup, options: InterpolateOptions, env: Env): { host?: string; diagnostics: Diagnostic[] } {
  const raw = entry.value['host'];
  if (raw === undefined) return { host: defaultHost(env), diagnostics: [] };
  if (typeof raw !== 'string') return { diagnostics: [] }; // the schema reported it
  const pointer = childPointer(entry.pointer, 'host');
  const r = interpolateString(raw, lookup, options);
  const diagnostics = r.errors.map((e) => at(doc, pointer, e.message, e.name));
  if (diagnostics.length > 0 || r.missing.length > 0) return { diagnostics };
  const value = r.value.trim();
  const problem = hostProblem(value);
  if (problem !== undefined) return { diagnostics: [at(doc, pointer, problem)] };
  return { host: value.replace(/\/+$/, ''), diagnostics: [] };
}

/**
 * The value of the variable the entry's secret_key names (trimmed, as NANGO_SECRET_KEY is). Only the
 * selected environments' keys are read, so a job without prod's key can still work on dev.
 */
export function resolveSecretKey(
  doc: ResolvedDocument,
  entry: EnvironmentEntry,
  lookup: Lookup,
  checkName: (name: string) => string | undefined,
): { secretKey?: string; diagnostics: Diagnostic[] } {
  const variable = keyVariable(entry);
  if (variable === undefined) return { diagnostics: [] }; // the schema reported it
  const pointer = childPointer(entry.pointer, 'secret_key');
  const refused = checkName(variable);
  if (refused !== undefined) return { diagnostics: [at(doc, pointer, refused, variable)] };
  const found = lookup(variable);
  if (typeof found === 'object') return { diagnostics: [at(doc, pointer, found.error, variable)] };
  if (found === undefined) return { diagnostics: [at(doc, pointer, `${variable} is not set`, variable)] };
  const secretKey = found.trim();
  if (secretKey === '') return { diagnostics: [at(doc, pointer, `${variable} is empty`, variable)] };
  return { secretKey, diagnostics: [] };
}

/** Without an environments block: NANGO_SECRET_KEY, read as the CLI always has. */
export function resolveDefaultSecretKey(env: Env): { secretKey?: string; diagnostics: Diagnostic[] } {
  const secretKey = env['NANGO_SECRET_KEY']?.trim();
  if (secretKey) return { secretKey, diagnostics: [] };
  return { diagnostics: [error('not set (the secret key of the Nango environment to reconcile)', { envVar: 'NANGO_SECRET_KEY' })] };
}
