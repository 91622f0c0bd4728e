// What kind of failure stopped a run: the closed set `--format json` reports as `error.kind`
// (docs/cli.md, "Errors as JSON"). A script branches on it instead of parsing messages; every kind but
// `apply` guarantees that nothing was written to Nango.
import type { NangoApiError } from './nango/types.js';

export const ERROR_KINDS = [
  /** A flag, its variable, or another variable the tool reads (NANGO_SECRET_KEY, NANGO_HOST, a proxy) is wrong. */
  'usage',
  /** The config (or the environments selected from it) is invalid: see the diagnostics. */
  'config',
  /** The reviewed plan file cannot be read, or is not for this config. */
  'plan_file',
  /** The fingerprint state file cannot be used. */
  'state',
  /** Nango refused the secret key, or the key lacks a scope. */
  'auth',
  /** Nango could not be reached (connection, DNS, TLS, proxy, timeout). */
  'network',
  /** Nango answered with an error, or with something that is not the Nango API. */
  'api',
  /** Some changes were not applied; others may have been (each change has its `result`). */
  'apply',
  /** A safety rule refused the plan, or it is not the reviewed one: nothing applied (exit 3). */
  'refused',
  /** A bug in nango-gitops. */
  'internal',
] as const;

export type ErrorKind = (typeof ERROR_KINDS)[number];

/** No status: no answer at all (a timeout or a connection that failed), unless the answer was cut for its size. */
export function apiErrorKind(err: NangoApiError): Extract<ErrorKind, 'auth' | 'network' | 'api'> {
  if (err.status === 401 || err.status === 403) return 'auth';
  if (err.status === undefined && err.code !== 'answer_too_large') return 'network';
  return 'api';
}
