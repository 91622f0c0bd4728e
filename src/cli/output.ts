import type { Diagnostic } from '../config/types.js';
import type { Plan } from '../plan/types.js';
import { renderDiagnosticsGithub, renderPlanGithub } from '../render/github.js';
import { renderPlanJson } from '../render/json.js';
import { renderPlanMarkdown } from '../render/markdown.js';
import { renderApplyText, renderDiagnosticsText, renderPlanText } from '../render/text.js';
import type { Format } from './options.js';

export function renderPlan(plan: Plan, format: Format, applied: boolean): string {
  switch (format) {
    case 'json':
      return renderPlanJson(plan);
    case 'markdown':
      return renderPlanMarkdown(plan);
    case 'github':
      return applied ? renderApplyText(plan) : renderPlanGithub(plan);
    case 'text':
      return applied ? renderApplyText(plan) : renderPlanText(plan);
  }
}

/** Diagnostics always go to stderr as text; under GitHub they are also annotations on stdout. */
export function reportDiagnostics(diagnostics: readonly Diagnostic[], format: Format): void {
  if (diagnostics.length === 0) return;
  process.stderr.write(renderDiagnosticsText(diagnostics));
  if (format === 'github') process.stdout.write(renderDiagnosticsGithub(diagnostics));
}
