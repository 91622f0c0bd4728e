import type { ErrorKind } from '../error-kind.js';
import type { EnvironmentStatus } from '../plan/types.js';

export const EXIT = {
  ok: 0,
  error: 1,
  /** Only with --detailed-exitcode. */
  changes: 2,
  /** A safety rule refused the plan; nothing was applied. */
  refused: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error whose message is for the user as is: printed without a stack trace. `kind`: for `--format json`. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.error,
    readonly kind: ErrorKind = exitCode === EXIT.refused ? 'refused' : 'usage',
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/**
 * One exit code for several environments: 1 if any failed (or its config is invalid), else 3 if any
 * was refused, else 2 if any has changes and `--detailed-exitcode` was given, else 0.
 */
export function combinedExitCode(outcomes: ReadonlyArray<{ status: EnvironmentStatus; plan?: { changes: readonly unknown[] } }>, detailedExitcode: boolean): ExitCode {
  if (outcomes.some((o) => o.status === 'failed' || o.status === 'invalid')) return EXIT.error;
  if (outcomes.some((o) => o.status === 'refused')) return EXIT.refused;
  if (detailedExitcode && outcomes.some((o) => o.status === 'planned' && (o.plan?.changes.length ?? 0) > 0)) return EXIT.changes;
  return EXIT.ok;
}
