// `--format json` failures: whatever went wrong, stdout holds one JSON document with an `error` object,
// so a script parses one value and branches on `error.kind` (the exit code is unchanged). The messages
// are the lines stderr shows: the tool's words, with server text already scrubbed where it entered.
import { formatDiagnostic } from '../config/diagnostics.js';
import type { Diagnostic } from '../config/types.js';
import type { ErrorKind } from '../error-kind.js';
import type { EntryDiagnostic } from '../plan/types.js';
import type { EnvironmentOutcome } from '../reconcile/run-environment.js';

export interface ErrorReport {
  kind: ErrorKind;
  message: string;
  diagnostics: EntryDiagnostic[];
}

/** A diagnostic with exactly the documented fields (a Diagnostic may grow internal ones). */
export function entryDiagnostic(d: Diagnostic): EntryDiagnostic {
  return {
    severity: d.severity,
    message: d.message,
    ...(d.path !== undefined ? { path: d.path } : {}),
    ...(d.location ? { location: { file: d.location.file, line: d.location.line, column: d.location.column } } : {}),
    ...(d.envVar !== undefined ? { envVar: d.envVar } : {}),
  };
}

export function errorReport(kind: ErrorKind, message: string, diagnostics: readonly Diagnostic[] = []): ErrorReport {
  return { kind, message, diagnostics: diagnostics.map(entryDiagnostic) };
}

/** An invalid config: the first error in the message (one line for a log), every diagnostic in the list. */
export function configErrorReport(diagnostics: readonly Diagnostic[]): ErrorReport {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const first = errors[0];
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  return errorReport('config', first ? `the config is invalid: ${formatDiagnostic(first)}${more}` : 'the config is invalid', diagnostics);
}

/** A failure with no plan or result to show. Version 1 whatever the command: check `error` before anything else. */
export function renderErrorJson(error: ErrorReport): string {
  return `${JSON.stringify({ format_version: 1, error }, null, 2)}\n`;
}

/** Why one environment's run failed, or undefined when it was planned or applied. */
export function outcomeErrorReport(o: EnvironmentOutcome): ErrorReport | undefined {
  switch (o.status) {
    case 'invalid':
      return configErrorReport(o.diagnostics);
    case 'failed':
      return errorReport(o.stage === 'apply' ? 'apply' : (o.errorKind ?? 'api'), o.error ?? 'failed');
    case 'refused':
      return errorReport('refused', o.error ?? 'refused');
    case 'planned':
    case 'applied':
      return undefined;
  }
}

/**
 * Several environments: each failing one in the message, and the kind of the first that decides the
 * exit code (an invalid or failed environment before a refused one, as in combinedExitCode).
 */
export function environmentsErrorReport(outcomes: readonly EnvironmentOutcome[], diagnostics: readonly Diagnostic[]): ErrorReport | undefined {
  const failing = outcomes.flatMap((o) => {
    const report = outcomeErrorReport(o);
    return report ? [{ name: o.environment ?? 'default', report }] : [];
  });
  const decisive = failing.find((f) => f.report.kind !== 'refused') ?? failing[0];
  if (!decisive) return undefined;
  const message = failing.map((f) => `environment ${f.name}: ${f.report.message}`).join('; ');
  return errorReport(decisive.report.kind, message, diagnostics);
}
