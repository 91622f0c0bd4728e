// How a failure that stops a command is reported: one line on stderr (no stack trace unless it is a bug),
// and under `--format json` also one error document on stdout, so that stdout is JSON whatever happened.
import type { Command } from 'commander';
import { apiErrorKind } from '../error-kind.js';
import { escapeControls } from '../escape.js';
import { NangoApiError } from '../nango/types.js';
import { errorReport, renderErrorJson, type ErrorReport } from '../render/json-error.js';
import { EXIT, UserError, type ExitCode } from './exit-codes.js';
import { writeStdout, writeStderr } from './stdio.js';

interface Failure {
  exitCode: ExitCode;
  /** For stderr: escaped, newline-terminated. */
  line: string;
  report: ErrorReport;
}

function describeFailure(err: unknown): Failure {
  if (err instanceof UserError) {
    return { exitCode: err.exitCode, line: `error: ${escapeControls(err.message)}\n`, report: errorReport(err.kind, err.message) };
  }
  if (err instanceof NangoApiError) {
    // The server's words (and keys from its answers): one line, whatever they hold.
    return { exitCode: EXIT.error, line: `error: Nango API: ${escapeControls(err.message)}\n`, report: errorReport(apiErrorKind(err), `Nango API: ${err.message}`) };
  }
  // A bug, not a user error: keep the stack (on stderr), which holds no config values.
  const message = err instanceof Error ? err.message : String(err);
  return { exitCode: EXIT.error, line: `internal error: ${err instanceof Error ? (err.stack ?? message) : message}\n`, report: errorReport('internal', message) };
}

/** Reports an error thrown by a command; returns its exit code. */
export function reportFailure(err: unknown, json: boolean): ExitCode {
  const { exitCode, line, report } = describeFailure(err);
  writeStderr(line);
  if (json) writeStdout(renderErrorJson(report));
  return exitCode;
}

/**
 * Whether a command's usage error is reported as JSON: it has `--format` and json was asked for. The
 * error may come before commander read --format (a bad value of an earlier flag), so the command line
 * and NANGO_GITOPS_FORMAT are read here as commander reads them: the last value given wins, the flag
 * over the variable.
 */
export function jsonRequested(command: Command, argv: readonly string[] = process.argv, env: NodeJS.ProcessEnv = process.env): boolean {
  if (!command.options.some((o) => o.long === '--format')) return false;
  const parsed: unknown = command.getOptionValue('format');
  if (parsed !== undefined) return parsed === 'json';
  let given: string | undefined;
  const end = argv.indexOf('--', 2);
  const args = argv.slice(2, end < 0 ? undefined : end);
  args.forEach((arg, i) => {
    if (arg === '--format') given = args[i + 1];
    else if (arg.startsWith('--format=')) given = arg.slice('--format='.length);
  });
  return (given ?? env['NANGO_GITOPS_FORMAT']) === 'json';
}

/** commander's usage error (`error: unknown option '--x'`) as an error document of kind usage. */
export function usageErrorJson(text: string): string {
  return renderErrorJson(errorReport('usage', text.trim().replace(/^error: /, '')));
}
