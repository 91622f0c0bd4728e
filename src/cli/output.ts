import type { Diagnostic } from '../config/types.js';
import type { Plan } from '../plan/types.js';
import { renderDiagnosticsGithub, renderPlanGithub } from '../render/github.js';
import { renderPlanJson } from '../render/json.js';
import { renderPlanMarkdown } from '../render/markdown.js';
import { renderApplyText, renderDiagnosticsText, renderPlanText } from '../render/text.js';
import { plain, type Paint } from '../render/color.js';
import type { Format } from './options.js';

/** `paint` colours text and github output only: markdown and JSON go to comments and files. `host` heads markdown. */
export function renderPlan(plan: Plan, format: Format, applied: boolean, paint: Paint = plain, host?: string): string {
  switch (format) {
    case 'json':
      return renderPlanJson(plan);
    case 'markdown':
      return renderPlanMarkdown(plan, host);
    case 'github':
      return applied ? renderApplyText(plan, paint) : renderPlanGithub(plan, undefined, paint);
    case 'text':
      return applied ? renderApplyText(plan, paint) : renderPlanText(plan, paint);
  }
}

/** Diagnostics always go to stderr as text; under GitHub they are also annotations on stdout. */
export function reportDiagnostics(diagnostics: readonly Diagnostic[], format: Format): void {
  if (diagnostics.length === 0) return;
  process.stderr.write(renderDiagnosticsText(diagnostics));
  if (format === 'github') process.stdout.write(renderDiagnosticsGithub(diagnostics));
}
