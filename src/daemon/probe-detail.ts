// How much /readyz and /healthz tell. They answer anything that can reach the pod (the kubelet, a
// scanner on the cluster network), so by default they carry outcomes and counts, never an integration
// key, a file path or a message that came from elsewhere; a local caller or `?verbose` gets everything.
// The logs always have the detail.
import type { Readiness, ReconcileReport, Stage } from './status.js';

const IPV4_LOOPBACK = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/** True for 127.0.0.0/8 and ::1, also in their IPv4-mapped IPv6 form. */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const plain = address.toLowerCase().startsWith('::ffff:') ? address.slice(7) : address;
  return plain === '::1' || IPV4_LOOPBACK.test(plain);
}

/** Detail for callers on this machine, or for anyone who asks with `?verbose` (not access control: see docs/daemon.md). */
export function wantsDetail(remoteAddress: string | undefined, search: URLSearchParams): boolean {
  return isLoopback(remoteAddress) || search.has('verbose');
}

/** Fixed words per stage in place of the run's error, which may quote keys, paths or a server's text. */
const STAGE_ERRORS: Record<Stage, string> = {
  config: 'the config cannot be read or is invalid; nothing applied',
  plan: 'the config cannot be planned against the live state; nothing applied',
  api: 'a request to the Nango API failed',
  apply: 'some changes were not applied',
  safety: 'a safety rule refused the plan; nothing applied',
};

export const DETAIL_OMITTED = 'keys, file paths and messages are omitted: ask from loopback or with ?verbose, or read the logs';

/** The readiness body for a caller that is neither local nor asked `?verbose`. */
export function terseReadiness(readiness: Readiness): Readiness {
  const { last_reconcile: last, ...rest } = readiness;
  if (last === undefined) return rest;
  const { error, diagnostics: _diagnostics, blocked: _blocked, ...kept } = last;
  const terse: ReconcileReport = kept;
  if (error !== undefined) terse.error = last.stage === undefined ? 'the reconcile failed' : STAGE_ERRORS[last.stage];
  const omitted = error !== undefined || last.diagnostics !== undefined || last.blocked !== undefined;
  return { ...rest, last_reconcile: terse, ...(omitted ? { detail: DETAIL_OMITTED } : {}) };
}
