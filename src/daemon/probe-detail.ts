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
  const { last_reconcile: last, environments, ...rest } = readiness;
  if (environments !== undefined) {
    // Environment names are the config's own words and bounded; hosts and messages are left out.
    const terse = environments.map(({ host: _host, ...env }) => ({ ...env, ...terseLast(env.last_reconcile) }));
    const omitted = environments.some((e) => e.host !== undefined || hasDetail(e.last_reconcile));
    return { ...rest, environments: terse, ...(omitted ? { detail: DETAIL_OMITTED } : {}) };
  }
  if (last === undefined) return rest;
  return { ...rest, ...terseLast(last), ...(hasDetail(last) ? { detail: DETAIL_OMITTED } : {}) };
}

function hasDetail(last: ReconcileReport | undefined): boolean {
  return last !== undefined && (last.error !== undefined || last.diagnostics !== undefined || last.blocked !== undefined);
}

function terseLast(last: ReconcileReport | undefined): { last_reconcile?: ReconcileReport } {
  if (last === undefined) return {};
  const { error, diagnostics: _diagnostics, blocked: _blocked, ...kept } = last;
  const terse: ReconcileReport = kept;
  if (error !== undefined) terse.error = last.stage === undefined ? 'the reconcile failed' : STAGE_ERRORS[last.stage];
  return { last_reconcile: terse };
}
