import { isBlocked } from '../plan/plan.js';
import type { EnvironmentEntry, EnvironmentsDocument, Plan } from '../plan/types.js';
import type { EnvironmentOutcome } from '../reconcile/run-environment.js';
import { entryDiagnostic, type ErrorReport } from './json-error.js';

/**
 * The JSON contract (format_version 1). Sensitive fields carry no values by construction of the plan.
 * `refused`: nothing can be applied (a blocked change, or, with `error.kind` refused, not the reviewed
 * plan). `error` only on stdout when the run failed; a plan file never has one.
 */
export function renderPlanJson(plan: Plan, error?: ErrorReport): string {
  const { format_version, ...fields } = plan;
  const refused = isBlocked(plan) || error?.kind === 'refused';
  return `${JSON.stringify({ format_version, ...(error ? { error } : {}), refused, ...fields }, null, 2)}\n`;
}

/**
 * A config with an environments block: one document (format_version 2) with an entry per environment,
 * holding its plan's fields when it has a plan. Its name and host are recorded, its secret key never.
 */
export function environmentsDocument(outcomes: readonly EnvironmentOutcome[]): EnvironmentsDocument {
  return { format_version: 2, refused: outcomes.some((o) => o.status === 'refused'), environments: outcomes.map(environmentEntry) };
}

export function renderEnvironmentsJson(outcomes: readonly EnvironmentOutcome[], error?: ErrorReport): string {
  const { format_version, ...fields } = environmentsDocument(outcomes);
  return `${JSON.stringify({ format_version, ...(error ? { error } : {}), ...fields }, null, 2)}\n`;
}

function environmentEntry(o: EnvironmentOutcome): EnvironmentEntry {
  const entry: EnvironmentEntry = { name: o.environment ?? 'default', ...(o.host !== undefined ? { host: o.host } : {}), status: o.status, refused: o.status === 'refused' };
  if (o.stage !== undefined) entry.stage = o.stage;
  if (o.plan) {
    const { format_version: _v, ...fields } = o.plan;
    Object.assign(entry, fields);
  }
  if (o.error !== undefined) entry.error = o.error;
  if (o.diagnostics.length > 0) entry.diagnostics = o.diagnostics.map(entryDiagnostic);
  return entry;
}
