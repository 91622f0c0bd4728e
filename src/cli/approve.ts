// Approval before writes, as Terraform asks it: after the plan is shown and only when it has changes to
// apply. In a terminal the user types `yes`; anywhere else (CI, a pipe, a cron job) apply refuses unless
// --auto-approve says the run was approved beforehand. `apply --plan-file` never asks: the reviewed file
// is the approval.
import { escapeControls } from '../escape.js';
import type { Format } from './options.js';
import { UserError } from './exit-codes.js';
import { stdoutIsTerminal, writeStderr, writeStdout } from './stdio.js';
import { builtin } from '../builtin.js';

const AUTO_APPROVE = '--auto-approve (or NANGO_GITOPS_AUTO_APPROVE=true)';

/**
 * Terraform's rule for -json: a JSON document on stdout leaves no place for a question, so apply needs
 * --auto-approve or a reviewed plan file. Checked before anything is read, so nothing is requested.
 */
export function checkJsonApproval(format: Format, opts: { autoApprove?: boolean; planFile?: string }): void {
  if (format !== 'json' || opts.autoApprove === true || opts.planFile !== undefined) return;
  throw new UserError(`apply --format json cannot ask for approval: add ${AUTO_APPROVE}, or apply a reviewed plan with --plan-file; nothing planned or applied`);
}

/** `dev (https://api.nango.dev) and prod (https://api.nango.dev)`. */
export function describeTargets(targets: ReadonlyArray<{ environment: string | undefined; host: string | undefined }>): string {
  const names = targets.map((t) => (t.environment === undefined ? `the environment of NANGO_SECRET_KEY (${t.host ?? ''})` : `${t.environment} (${t.host ?? 'host not resolved'})`));
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1] ?? ''}`;
}

/**
 * Asks on the terminal, or throws (exit 1) when the answer is not `yes` or there is no terminal to ask
 * on. The question goes to stdout on a terminal, else to stderr, so `apply | tee plan.txt` keeps the
 * plan clean and still shows the question; the answer is read from stdin.
 */
export async function requireApproval(targets: string): Promise<void> {
  if (process.stdin.isTTY !== true) {
    throw new UserError(`apply needs approval and stdin is not a terminal to ask on: review the plan above, then run apply with ${AUTO_APPROVE}, or apply a reviewed plan with --plan-file; nothing applied`);
  }
  const write = stdoutIsTerminal() ? writeStdout : writeStderr;
  // Names and hosts come from the config and the environment: escaped like every other output of them.
  write(`\nApply these changes to ${escapeControls(targets)}? Only 'yes' will be accepted: `);
  const answer = await readLine();
  if (answer === undefined) write('\n');
  if (answer?.trim() !== 'yes') throw new UserError('Apply cancelled.');
  write('\n');
}

/** One line from stdin, or undefined at end of input (Ctrl-D). */
function readLine(): Promise<string | undefined> {
  return new Promise((resolve) => {
    // Loaded here: only an apply that asks needs it.
    const { createInterface } = builtin('node:readline');
    const rl = createInterface({ input: process.stdin, terminal: false });
    let line: string | undefined;
    rl.once('line', (text) => {
      line = text;
      rl.close();
    });
    rl.once('close', () => {
      // A terminal stdin would keep the process alive after the answer.
      process.stdin.destroy();
      resolve(line);
    });
  });
}
