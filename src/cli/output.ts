import { writeFileSync } from 'node:fs';
import type { Diagnostic } from '../config/types.js';
import type { Plan } from '../plan/types.js';
import { renderDiagnosticsGithub, renderPlanGithub } from '../render/github.js';
import { renderPlanJson } from '../render/json.js';
import { configErrorReport, renderErrorJson, type ErrorReport } from '../render/json-error.js';
import { renderPlanMarkdown } from '../render/markdown.js';
import { renderApplyText, renderDiagnosticsText, renderPlanText } from '../render/text.js';
import { plain, type Paint } from '../render/color.js';
import { UserError } from './exit-codes.js';
import type { Format } from './options.js';
import { writeStdout, writeStderr } from './stdio.js';

export interface RenderExtras {
  /** Colours text and github output only: markdown and JSON go to comments and files. */
  paint?: Paint;
  /** Heads the markdown comment. */
  host?: string;
  /** Why the run failed (exit 1 or 3); only the JSON document carries it, stderr says it for the others. */
  error?: ErrorReport;
}

export function renderPlan(plan: Plan, format: Format, applied: boolean, { paint = plain, host, error }: RenderExtras = {}): string {
  switch (format) {
    case 'json':
      return renderPlanJson(plan, error);
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
  writeStderr(renderDiagnosticsText(diagnostics));
  if (format === 'github') writeStdout(renderDiagnosticsGithub(diagnostics));
}

/** Under `--format json` a failure with no plan to show is still one JSON document on stdout. */
export function reportErrorJson(report: ErrorReport | undefined, format: Format): void {
  if (format === 'json' && report) writeStdout(renderErrorJson(report));
}

/** An invalid config (nothing planned): the diagnostics as always, and the error document under JSON. */
export function reportConfigErrors(diagnostics: readonly Diagnostic[], format: Format): void {
  reportDiagnostics(diagnostics, format);
  reportErrorJson(configErrorReport(diagnostics), format);
}

/** `--out FILE`: a file that cannot be written is the user's to fix (a directory that does not exist), not a bug. */
export async function writeOut(file: string, text: string): Promise<void> {
  try {
    writeFileSync(file, text);
  } catch (err) {
    throw new UserError(`--out ${file}: cannot write the plan (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
