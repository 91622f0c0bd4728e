import type { Command } from 'commander';
import { EXIT } from './exit-codes.js';
import { jsonRequested, usageErrorJson } from './failure.js';
import { writeStdout } from './stdio.js';

/** Each code's meaning, wrapped for an 80-column terminal (the help test checks every code is here). */
const EXIT_MEANINGS: Record<(typeof EXIT)[keyof typeof EXIT], string[]> = {
  [EXIT.ok]: ['success; with --detailed-exitcode: success and no changes'],
  [EXIT.error]: ['error: invalid config, usage error, Nango API failure, a failed change'],
  [EXIT.changes]: ['changes pending (only with --detailed-exitcode)'],
  [EXIT.refused]: ['refused: a safety rule blocked the plan, or apply --plan-file found a plan', 'other than the reviewed one; nothing was applied'],
};

/** After the top-level help: what every user needs besides the flags. */
export function topLevelHelp(): string {
  const codes = Object.entries(EXIT_MEANINGS).flatMap(([code, lines]) => lines.map((line, i) => `  ${i === 0 ? code : ' '}  ${line}`));
  return [
    '',
    'Environment:',
    "  NANGO_SECRET_KEY     the Nango environment's secret key (plan, apply, daemon,",
    '                       export); never printed',
    '  NANGO_HOST           Nango API URL (default: https://api.nango.dev)',
    "  NANGO_GITOPS_<FLAG>  any flag, e.g. NANGO_GITOPS_MAX_DELETES=2; each command's",
    '                       --help names its variables',
    '',
    'Exit codes:',
    ...codes,
  ].join('\n');
}

/**
 * A usage error is one line and where to look, never the whole help: commander's "did you mean" goes on
 * the same line, and each command points at its own --help.
 */
export function configureUsageErrors(program: Command): void {
  for (const command of [program, ...program.commands]) {
    const name = command === program ? program.name() : `${program.name()} ${command.name()}`;
    command.showHelpAfterError(`Run '${name} --help' for usage.`);
    command.configureOutput({
      outputError: (text, write) => {
        const line = text.replace(/\s*\n(?=\(Did you mean)/, ' ');
        write(line);
        // `--format json`: stdout is one JSON document whatever happened (stderr keeps the line).
        if (jsonRequested(command)) writeStdout(usageErrorJson(line));
      },
    });
  }
}
