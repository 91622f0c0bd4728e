// What /readyz tells an operator: the last reconcile, named by the stage it stopped at, so that
// "config invalid", "API down" and "plan blocked" read differently.
import type { Action, Summary } from '../plan/types.js';
import type { Trigger } from './loop.js';
import type { ReconcileResult } from './metrics.js';

export type Stage = 'config' | 'plan' | 'api' | 'apply' | 'safety';

export interface BlockedChange {
  unique_key: string;
  action: Action;
  reason: string;
}

export interface ReconcileReport {
  trigger: Trigger;
  mode: 'apply' | 'plan';
  started_at: string;
  finished_at: string;
  duration_ms: number;
  result: ReconcileResult;
  /** First 12 hex characters of the resolved config's digest, when it loaded. */
  digest?: string;
  /** Where a failed or blocked reconcile stopped. */
  stage?: Stage;
  error?: string;
  /** Config problems, formatted `file:line:col: path: message` (never a value). */
  diagnostics?: string[];
  blocked?: BlockedChange[];
  summary?: Summary;
  /** Changes applied / failed in this reconcile (apply mode). */
  applied?: number;
  failed?: number;
}

export interface Readiness {
  ready: boolean;
  last_success?: string;
  last_reconcile?: ReconcileReport;
  /** With an environments block: each selected environment's own readiness (the fields above are then absent). */
  environments?: EnvironmentReadiness[];
  /** Set when detail was left out of the body (see probe-detail.ts). */
  detail?: string;
}

export interface EnvironmentReadiness {
  name: string;
  /** The Nango API URL it was last resolved to (not in the terse body). */
  host?: string;
  ready: boolean;
  last_success?: string;
  last_reconcile?: ReconcileReport;
}

/** Ready only when every selected environment is: one environment down is a degraded daemon. */
export function combineReadiness(environments: readonly EnvironmentReadiness[]): Readiness {
  return { ready: environments.length > 0 && environments.every((e) => e.ready), environments: [...environments] };
}

export class DaemonStatus {
  private last: ReconcileReport | undefined;
  private lastSuccess: string | undefined;

  record(report: ReconcileReport): void {
    this.last = report;
    if (report.result === 'success') this.lastSuccess = report.finished_at;
  }

  /** Ready once a reconcile succeeded, and while the last one did. */
  readiness(): Readiness {
    const readiness: Readiness = { ready: this.last?.result === 'success' };
    if (this.lastSuccess !== undefined) readiness.last_success = this.lastSuccess;
    if (this.last !== undefined) readiness.last_reconcile = this.last;
    return readiness;
  }
}
