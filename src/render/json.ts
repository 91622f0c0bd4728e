import type { EnvironmentEntry, EnvironmentsDocument, Plan } from '../plan/types.js';
import type { EnvironmentOutcome } from '../reconcile/run-environment.js';

/** The JSON contract (format_version 1). Sensitive fields carry no values by construction of the plan. */
export function renderPlanJson(plan: Plan): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}

/**
 * A config with an environments block: one document (format_version 2) with an entry per environment,
 * holding its plan's fields when it has a plan. Its name and host are recorded, its secret key never.
 */
export function environmentsDocument(outcomes: readonly EnvironmentOutcome[]): EnvironmentsDocument {
  return { format_version: 2, environments: outcomes.map(environmentEntry) };
}

export function renderEnvironmentsJson(outcomes: readonly EnvironmentOutcome[]): string {
  return `${JSON.stringify(environmentsDocument(outcomes), null, 2)}\n`;
}

function environmentEntry(o: EnvironmentOutcome): EnvironmentEntry {
  const entry: EnvironmentEntry = { name: o.environment ?? 'default', ...(o.host !== undefined ? { host: o.host } : {}), status: o.status };
  if (o.stage !== undefined) entry.stage = o.stage;
  if (o.plan) {
    const { format_version: _v, ...fields } = o.plan;
    Object.assign(entry, fields);
  }
  if (o.error !== undefined) entry.error = o.error;
  if (o.diagnostics.length > 0) {
    entry.diagnostics = o.diagnostics.map((d) => ({
      severity: d.severity,
      message: d.message,
      ...(d.path !== undefined ? { path: d.path } : {}),
      ...(d.location ? { location: { file: d.location.file, line: d.location.line, column: d.location.column } } : {}),
      ...(d.envVar !== undefined ? { envVar: d.envVar } : {}),
    }));
  }
  return entry;
}
