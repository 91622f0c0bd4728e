// Several environments in one output: a section per environment, headed `Environment prod (https://api.nango.dev)`
// (the host is shown, the key never), and a last line saying what became of each. Each section's body
// is the single-environment rendering of its plan, so one environment reads the same either way.
import { formatDiagnostic } from '../config/diagnostics.js';
import { escapeControls } from '../escape.js';
import type { EnvironmentStatus } from '../plan/types.js';
import type { EnvironmentOutcome } from '../reconcile/run-environment.js';
import { renderAnnotationGithub, renderPlanGithub } from './github.js';
import { markdownCode, markdownText } from './markdown-escape.js';
import { MARKDOWN_HEADING, MARKDOWN_MARKER, renderPlanMarkdownBody, summaryTable } from './markdown.js';
import { plain, type Paint } from './color.js';
import { renderApplyText, renderPlanText } from './text.js';

export type RunMode = 'plan' | 'apply';

/** The order of the summary: successes first. */
const ORDER: readonly EnvironmentStatus[] = ['applied', 'planned', 'refused', 'failed', 'invalid'];

function nameOf(o: EnvironmentOutcome): string {
  return o.environment ?? 'default';
}

/** Whether the run got to applying this environment's plan (applied, or failed while applying): its results are shown. */
export function reachedApply(o: EnvironmentOutcome): boolean {
  return o.status === 'applied' || o.stage === 'apply';
}

export function environmentHeading(o: EnvironmentOutcome): string {
  return `Environment ${nameOf(o)} (${o.host ?? 'host not resolved'})`;
}

/** `Environments: 1 applied (dev), 1 failed (prod).` */
export function environmentsSummary(outcomes: readonly EnvironmentOutcome[]): string {
  const parts = ORDER.flatMap((status) => {
    const names = outcomes.filter((o) => o.status === status).map(nameOf);
    return names.length === 0 ? [] : [`${names.length} ${status} (${names.join(', ')})`];
  });
  return `Environments: ${parts.join(', ')}.`;
}

function errorLines(o: EnvironmentOutcome): string[] {
  return o.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
}

/** Why an environment has no plan, or why its plan was not applied; undefined when the plan says it all. */
function statusLines(o: EnvironmentOutcome, mode: RunMode): string[] {
  if (o.status === 'invalid') {
    const what = o.stage === 'plan' ? 'the config cannot be planned against the live state' : 'the config is invalid for this environment';
    return [`Not planned: ${what}:`, ...errorLines(o).map((l) => `  ${l}`)];
  }
  if (o.status === 'failed' && !o.plan) return [`Failed: ${o.error ?? 'unknown error'}; nothing ${mode === 'apply' ? 'applied' : 'planned'}.`];
  if (o.status === 'refused' && o.stage === 'review') return [`Refused: ${o.error ?? 'the plan is not the reviewed one'}.`];
  return [];
}

/** text, and github (the text plus workflow-command annotations). */
export function renderEnvironmentsText(outcomes: readonly EnvironmentOutcome[], mode: RunMode, github: boolean, paint: Paint = plain): string {
  const sections = outcomes.map((o) => {
    let body = '';
    if (o.plan) {
      const applied = mode === 'apply' && reachedApply(o);
      if (applied) body = o.plan.changes.length === 0 ? renderPlanText(o.plan, paint) : `${renderPlanText(o.plan, paint)}\n${renderApplyText(o.plan, paint)}`;
      else body = github ? renderPlanGithub(o.plan, o.environment, paint) : renderPlanText(o.plan, paint);
    }
    const status = statusLines(o, mode);
    if (status.length > 0) body += `${status.map(escapeControls).join('\n')}\n`;
    if (github && (o.status === 'failed' || o.status === 'invalid') && !o.plan) {
      body += renderAnnotationGithub('error', `environment ${nameOf(o)}`, o.status === 'invalid' ? 'the config is invalid for this environment; nothing planned' : (o.error ?? 'failed'));
    }
    return `${escapeControls(environmentHeading(o))}\n${body}`;
  });
  return `${sections.join('\n')}\n${escapeControls(environmentsSummary(outcomes))}\n`;
}

export function renderEnvironmentsMarkdown(outcomes: readonly EnvironmentOutcome[], mode: RunMode): string {
  const parts = [MARKDOWN_MARKER, MARKDOWN_HEADING, ''];
  if (outcomes.some((o) => o.plan !== undefined)) {
    const rows = outcomes.map((o) => ({ label: markdownText(nameOf(o)), status: o.status, summary: o.plan?.summary }));
    parts.push(...summaryTable(rows), '');
  }
  for (const o of outcomes) {
    parts.push(`#### Environment ${markdownText(nameOf(o))} (${o.host !== undefined ? markdownCode(o.host, false) : 'host not resolved'})`, '');
    if (o.plan) parts.push(renderPlanMarkdownBody(o.plan).trimEnd(), '');
    const [first, ...rest] = statusLines(o, mode);
    if (first !== undefined) {
      parts.push(`:no_entry: **${markdownText(first)}**`);
      for (const line of rest) parts.push(`- ${markdownText(line.trim())}`);
      parts.push('');
    }
  }
  parts.push(`**${markdownText(environmentsSummary(outcomes))}**`);
  return `${parts.join('\n')}\n`;
}
