export const EXIT = {
  ok: 0,
  error: 1,
  /** Only with --detailed-exitcode. */
  changes: 2,
  /** A safety rule refused the plan; nothing was applied. */
  refused: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error whose message is for the user as is: printed without a stack trace. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.error,
  ) {
    super(message);
    this.name = 'UserError';
  }
}
