import type { Plan } from '../plan/types.js';

/** The JSON contract (format_version 1). Sensitive fields carry no values by construction of the plan. */
export function renderPlanJson(plan: Plan): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}
