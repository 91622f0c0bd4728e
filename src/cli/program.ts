import { CommanderError, type Command } from 'commander';
import { escapeControls } from '../escape.js';
import { NangoApiError } from '../nango/types.js';
import { packageVersion } from '../package-root.js';
import { EXIT, UserError, type ExitCode } from './exit-codes.js';
import { GitopsCommand, optionDescription } from './command.js';
import { configureUsageErrors, topLevelHelp } from './help.js';
import { booleanFlagsFromEnv } from './options.js';

/** Runs a command and turns every failure into one line on stderr and an exit code: no stack traces for users. */
async function run(action: () => Promise<ExitCode>): Promise<void> {
  try {
    process.exitCode = await action();
  } catch (err) {
    process.exitCode = reportError(err);
  }
}

function reportError(err: unknown): ExitCode {
  if (err instanceof UserError) {
    process.stderr.write(`error: ${escapeControls(err.message)}\n`);
    return err.exitCode;
  }
  if (err instanceof NangoApiError) {
    // The server's words (and keys from its answers): one line, whatever they hold.
    process.stderr.write(`error: Nango API: ${escapeControls(err.message)}\n`);
    return EXIT.error;
  }
  if (err instanceof CommanderError) return EXIT.error;
  // A bug, not a user error: keep the stack, which holds no config values.
  process.stderr.write(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return EXIT.error;
}

type Runner = typeof run;
type Registrar = (program: Command, runner: Runner) => void;

/**
 * Each command's module is imported only when needed: `validate` must start fast (CI runs it on every
 * push) and should not load the HTTP client, pino, prom-client or chokidar.
 */
const COMMANDS: Record<string, () => Promise<Registrar[]>> = {
  validate: async () => [(await import('./commands/validate.js')).registerValidate],
  plan: async () => [(await import('./commands/plan.js')).registerPlan],
  apply: async () => [(await import('./commands/plan.js')).registerApply],
  export: async () => [(await import('./commands/export.js')).registerExport],
  daemon: async () => [(await import('./commands/daemon.js')).registerDaemon],
};

/** `only`: the command about to run (process.argv[2]); anything else (help, typos) registers every command. */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new GitopsCommand('nango-gitops')
    .description('Keep the integrations of a Nango environment in sync with YAML files in git')
    .version(packageVersion())
    .configureHelp({ optionDescription })
    .addHelpText('after', topLevelHelp())
    .exitOverride((err) => {
      // Help and version are successes; usage errors exit 1 like any bad input.
      process.exit(err.exitCode === 0 ? 0 : EXIT.error);
    });
  program.hook('preAction', (_program, command) => {
    try {
      booleanFlagsFromEnv(command.opts(), command.options);
    } catch (err) {
      command.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
  const names = only !== undefined && only in COMMANDS ? [only] : Object.keys(COMMANDS);
  for (const name of names) {
    for (const register of await COMMANDS[name]!()) register(program, run);
  }
  configureUsageErrors(program);
  return program;
}

