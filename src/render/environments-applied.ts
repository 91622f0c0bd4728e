// What an approved apply of several environments prints after the question: the plan was shown before
// it, so only each changed environment's results and the summary line follow (Terraform's order).
import { escapeControls } from '../escape.js';
import { plain, type Paint } from './color.js';
import type { EnvironmentOutcome } from '../reconcile/run-environment.js';
import { environmentHeading, environmentsSummary, reachedApply } from './environments.js';
import { renderApplyText } from './text.js';

export function renderEnvironmentsApplied(outcomes: readonly EnvironmentOutcome[], paint: Paint = plain): string {
  const sections = outcomes.flatMap((o) =>
    o.plan !== undefined && o.plan.changes.length > 0 && reachedApply(o) ? [`${escapeControls(environmentHeading(o))}\n${renderApplyText(o.plan, paint)}`] : [],
  );
  return `${sections.join('\n')}\n${escapeControls(environmentsSummary(outcomes))}\n`;
}
